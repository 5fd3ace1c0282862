"""A small processed store built once per test process (sample at scale 0.02 → ingest).

Used by tests/conftest.py (fixture ``test_store``) and notebooks/conftest.py (nbval
kernels read ``CHITIEU_PROCESSED_DIR``). Built with the real commands, so the tests
see what a user sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCALE = "0.02"
_BUILT = "CHITIEU_TEST_STORE_BUILT"


class StoreUnavailable(RuntimeError):
    """The commands that build the store are not there yet (or failed)."""


def chitieu(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chitieu_lib", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def ensure_test_store() -> Path:
    """Path of the processed test store; sets CHITIEU_PROCESSED_DIR for child kernels too."""
    built = os.environ.get(_BUILT)
    if built and (Path(built) / "processed" / "manifest.json").is_file():
        os.environ["CHITIEU_PROCESSED_DIR"] = str(Path(built) / "processed")
        return Path(built) / "processed"
    for cmd in ("sample", "ingest"):
        if not (ROOT / "chitieu_lib" / "commands" / f"{cmd}.py").is_file():
            raise StoreUnavailable(f"`chitieu {cmd}` does not exist yet")
    base = Path(tempfile.mkdtemp(prefix="chitieu-test-store-"))
    for args in (("sample", "--scale", SCALE, "--out", str(base / "raw")),
                 ("ingest", str(base / "raw"), "--out", str(base / "processed"), "--quiet")):
        done = chitieu(*args)
        if done.returncode != 0:
            raise StoreUnavailable(f"chitieu {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    os.environ[_BUILT] = str(base)
    os.environ["CHITIEU_PROCESSED_DIR"] = str(base / "processed")
    return base / "processed"


def raw_dir() -> Path:
    """The raw folder the test store was ingested from."""
    return Path(os.environ[_BUILT]) / "raw"
