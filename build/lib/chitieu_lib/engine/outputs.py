"""What a job leaves on disk: atomic files, the run record and the input fingerprint.

Every file is written to a temporary name in the target folder and renamed
(``os.replace`` is atomic on one file system), so an interrupted batch leaves
either the previous file or the new one, never half of one. The run record is
written last and lists every file of the report with its hash: a record saying
``ok`` whose files are all there with those hashes means the report is whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from functools import lru_cache
from pathlib import Path

from .. import __version__
from ..atomic import write_atomic  # noqa: F401 -- the kit's one writer, used by execute

RECORD_SUFFIX = ".run.json"
# Parameters whose value may name a processed store; any str parameter is tried.
_MANIFEST = "manifest.json"


def record_path(job) -> Path:
    """The run record of a job: ``<out_html without suffix>.run.json``."""
    out = Path(job.out_html)
    return out.with_name(out.stem + RECORD_SUFFIX)


def read_record(job) -> dict | None:
    """The last run record of a job, or None if there is none (or it is unreadable)."""
    try:
        return json.loads(record_path(job).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_record(job, record: dict) -> Path:
    return write_atomic(record_path(job), json.dumps(record, ensure_ascii=False, indent=1, default=str))


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@lru_cache(maxsize=1)
def kit_fingerprint() -> str:
    """The kit's version plus a hash of every file of the package (code, decisions, templates).

    The version string alone would not change while the kit is being developed.
    """
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            h.update(str(path.relative_to(root)).encode())
            h.update(_sha256_file(path).encode())
    return f"{__version__}+{h.hexdigest()[:16]}"


def data_fingerprint(job, default: str | None = None) -> str | None:
    """What identifies the data a job reads, or None when it cannot be told.

    In order: ``job.data_fingerprint``; ``default`` (given to ``run_jobs``);
    the hash of ``manifest.json`` of every str parameter (and of
    ``$CHITIEU_PROCESSED_DIR``) that names a folder holding one.
    """
    if job.data_fingerprint:
        return job.data_fingerprint
    if default:
        return default
    candidates = [v for v in job.parameters.values() if isinstance(v, str) and v]
    if os.environ.get("CHITIEU_PROCESSED_DIR"):
        candidates.append(os.environ["CHITIEU_PROCESSED_DIR"])
    hashes = sorted({_sha256_file(Path(v) / _MANIFEST) for v in candidates
                     if len(v) < 4096 and (Path(v) / _MANIFEST).is_file()})
    return "manifest:" + ",".join(hashes) if hashes else None


def fingerprint(job, data: str | None = None) -> str | None:
    """Hash of everything a report depends on: notebook, parameters, kit, data.

    None when the data cannot be identified: such a job is never skipped by
    ``resume`` (better a needless re-run than a stale report).
    """
    data = data_fingerprint(job, data)
    if data is None:
        return None
    h = hashlib.sha256()
    h.update(_sha256_file(Path(job.notebook)).encode())
    h.update(json.dumps(job.parameters, sort_keys=True, default=str).encode())
    h.update(kit_fingerprint().encode())
    h.update(data.encode())
    return h.hexdigest()


def _record_key(job, path: Path) -> str:
    """How the record names one of the job's files: relative to the record's folder."""
    return Path(os.path.relpath(Path(path), record_path(job).parent)).as_posix()


def file_hashes(job, paths) -> dict[str, str]:
    """``{file relative to the record: sha256}`` of files just written, for the run record."""
    return {_record_key(job, p): _sha256_file(Path(p)) for p in paths}


def recorded_files(job, record: dict | None) -> list[Path]:
    """The files a run record lists (absolute or relative to the record's folder)."""
    folder = record_path(job).parent
    return [folder / name for name in ((record or {}).get("files") or {})]


def _files_intact(job, record: dict) -> bool:
    """Every file the record lists is there with the bytes that run wrote; the .ipynb and HTML among them."""
    files = record.get("files")
    if not isinstance(files, dict):
        return False   # a record of an older kit, which did not list the tables
    if not {_record_key(job, job.out_ipynb), _record_key(job, job.out_html)} <= set(files):
        return False
    folder = record_path(job).parent
    for name, digest in files.items():
        path = folder / name
        if not path.is_file() or _sha256_file(path) != digest:
            return False
    return True


def is_current(job, fp: str | None) -> bool:
    """True when the job's last run succeeded with the same inputs and all its files are intact.

    "All its files": the executed .ipynb, the HTML and every extra output (the
    report's tables) listed in the run record, each with the bytes that run wrote.
    A batch killed between a report's files and its record therefore re-runs it.
    """
    if fp is None:
        return False
    record = read_record(job)
    return (record is not None and record.get("status") == "ok" and record.get("fingerprint") == fp
            and _files_intact(job, record))


def base_record(job, fp: str | None) -> dict:
    return {
        "name": job.name,
        "notebook": str(job.notebook),
        "parameters": job.parameters,
        "out_ipynb": str(job.out_ipynb),
        "out_html": str(job.out_html),
        "fingerprint": fp,
        "kit_version": kit_fingerprint(),
        "host": socket.gethostname(),
    }
