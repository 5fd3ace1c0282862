"""What a job leaves on disk: atomic files, the run record and the input fingerprint.

Every file is written to a temporary name in the target folder and renamed
(``os.replace`` is atomic on one file system), so an interrupted batch leaves
either the previous file or the new one, never half of one. The run record is
written last: a record saying ``ok`` implies both outputs are complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
from functools import lru_cache
from pathlib import Path

from .. import __version__

RECORD_SUFFIX = ".run.json"
_UMASK = os.umask(0)
os.umask(_UMASK)
# Parameters whose value may name a processed store; any str parameter is tried.
_MANIFEST = "manifest.json"


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a" / "x.txt"
    >>> write_atomic(p, "xin chào").read_text(encoding="utf-8")
    'xin chào'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are for readers
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


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


def is_current(job, fp: str | None) -> bool:
    """True when the job's last run succeeded with the same inputs and its outputs exist."""
    if fp is None:
        return False
    record = read_record(job)
    return (record is not None and record.get("status") == "ok" and record.get("fingerprint") == fp
            and Path(job.out_html).is_file() and Path(job.out_ipynb).is_file())


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
