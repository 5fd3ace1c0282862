"""Shared fixtures. Other test modules may append their own below."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import teststore  # noqa: E402

# Commands the tests run never go to a kept-warm server a developer left running in this
# folder (chitieu warm): tests/test_warm.py starts its own, in folders of its own.
os.environ["CHITIEU_WARM"] = "0"


@pytest.fixture(scope="session")
def test_store() -> Path:
    """A small processed store (chitieu sample --scale 0.02 → chitieu ingest), built once.

    Sets CHITIEU_PROCESSED_DIR so that notebooks and kernels started afterwards read it.
    """
    try:
        return teststore.ensure_test_store()
    except teststore.StoreUnavailable as exc:
        pytest.skip(f"no test store: {exc}")


@pytest.fixture(scope="session")
def rendered_district(test_store, tmp_path_factory) -> Path:
    """`chitieu render --unit 571` (Huyện Vạn Ninh) into a temporary outputs folder, once."""
    out = tmp_path_factory.mktemp("outputs")
    done = teststore.chitieu("render", "--unit", "571", "--as-of", "2019-09-30", "--processed",
                             str(test_store), "--out", str(out), "--workers", "1", "--no-progress")
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="session")
def meeting_pack(test_store, tmp_path_factory) -> Path:
    """`chitieu render --unit 571 22516 --since 2019-07-31` (a district and one of its communes), once."""
    out = tmp_path_factory.mktemp("pack")
    done = teststore.chitieu("render", "--unit", "571", "22516", "--as-of", "2019-09-30", "--since", "2019-07-31",
                             "--processed", str(test_store), "--out", str(out), "--no-progress")
    assert done.returncode == 0, done.stdout + done.stderr
    return out
