"""nbval runs these notebooks with their default parameters against a small test store.

The store is built once (tests/teststore.py) and CHITIEU_PROCESSED_DIR is set before
the first kernel starts, so `processed_dir = ""` in the notebooks resolves to it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import teststore  # noqa: E402


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if "CHITIEU_PROCESSED_DIR" in os.environ and os.environ.get(teststore._BUILT):
        return
    try:
        teststore.ensure_test_store()
    except teststore.StoreUnavailable as exc:
        pytest.skip(f"no test store for nbval: {exc}")
