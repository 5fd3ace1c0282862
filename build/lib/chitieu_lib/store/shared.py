"""Results every report of a batch shares, computed once and kept in the store folder.

A batch of reports asks the same province-wide questions (the projection of every
unit at the as-of date, and at ``--since``): ``chitieu render`` computes them once,
writes them here, and each kernel reads them instead of recomputing them.

Layout: ``<store>/shared/<name>-<key>.parquet``, one file per frame. The key hashes
what the result depends on: the caller's parts (the store's fingerprint, the
decision, the date) and the kit's code and data files (:func:`kit_code_hash`), so a
re-ingest or a change of the kit never serves an old result. A re-ingest swaps the
store folder whole, so old entries go with it.

Safety: a frame is kept only if reading it back gives exactly the frame written
(values, dtypes, index); otherwise nothing is kept and readers compute it
themselves. Reading never fails: a missing, partial or unreadable entry is a miss.
Writing is best effort: a read-only store means every reader computes.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..atomic import staged

SHARED_DIR = "shared"


@lru_cache(maxsize=1)
def kit_code_hash() -> str:
    """sha256 of every file of the package (code, decisions, reference data), ~5 ms.

    >>> len(kit_code_hash())
    64
    """
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            h.update(str(path.relative_to(root)).encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def shared_key(*parts) -> str:
    """A key for ``parts`` and the kit's code.

    >>> shared_key("a", 1) == shared_key("a", 1) != shared_key("a", 2)
    True
    """
    text = "\n".join([kit_code_hash(), *map(str, parts)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def shared_paths(store_dir, name: str, key: str, count: int) -> list[Path]:
    folder = Path(store_dir) / SHARED_DIR
    return [folder / f"{name}-{key}.{i}.parquet" for i in range(count)]


def read_shared(store_dir, name: str, key: str, count: int) -> tuple[pd.DataFrame, ...] | None:
    """The ``count`` frames kept under ``name``/``key``, or None (a miss)."""
    paths = shared_paths(store_dir, name, key, count)
    try:
        return tuple(pd.read_parquet(p) for p in paths)
    except Exception:  # noqa: BLE001 -- missing, partial or unreadable: the caller computes
        return None


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return (a.equals(b) and list(a.columns) == list(b.columns) and a.index.equals(b.index)
            and type(a.index) is type(b.index) and a.dtypes.astype(str).tolist() == b.dtypes.astype(str).tolist())


def write_shared(store_dir, name: str, key: str, frames) -> bool:
    """Keep ``frames`` under ``name``/``key``; True if kept (exact round trip), False otherwise."""
    paths = shared_paths(store_dir, name, key, len(frames))
    try:
        for path, frame in zip(paths, frames):
            with staged(path) as tmp:
                frame.to_parquet(tmp)
                if not _same(pd.read_parquet(tmp), frame):
                    raise ValueError("the frame does not round-trip exactly")
    except Exception:  # noqa: BLE001 -- best effort: readers compute what is not kept
        for path in paths:
            path.unlink(missing_ok=True)
        return False
    return True
