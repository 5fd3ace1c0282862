"""The installed package works outside the checkout: build the wheel, install it (not editable) into a
fresh virtualenv, and render one report from an empty folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def sh(*args, cwd=None, timeout=900):
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=timeout)
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    # built from a copy: an in-tree build would leave build/ and *.egg-info in the checkout
    source = tmp_path_factory.mktemp("source") / "chitieu"
    everywhere = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".nbval",
                                        ".pytest_cache", ".hypothesis")

    def ignore(folder, names):   # the checkout's data and outputs (large, not in the package) at the top only
        top = {"data", "outputs", "bench"} & set(names) if Path(folder) == ROOT else set()
        return set(everywhere(folder, names)) | top
    shutil.copytree(ROOT, source, ignore=ignore)
    sh(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check",
       "-w", dist, source)
    return next(dist.glob("chitieu-*.whl"))


def test_the_wheel_carries_notebooks_templates_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for notebook in ROOT.glob("notebooks/*.ipynb"):
        assert f"chitieu_lib/_notebooks/{notebook.name}" in names
    assert "chitieu_lib/templates/chitieu_report/report.css" in names
    assert "chitieu_lib/data/decisions/817-QD-UBND-2019.toml" in names
    assert "chitieu_lib/data/formats/dvcqg.toml" in names


def test_installed_wheel_renders_a_report_from_an_empty_folder(wheel, test_store, tmp_path):
    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", venv)
    sh(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
    work = tmp_path / "empty"
    work.mkdir()
    done = sh(venv / "bin" / "chitieu", "render", "--unit", "22516", "--as-of", "2019-09-30", "--processed",
              test_store, "--out", "out", "--no-progress", cwd=work)
    page = (work / "out" / "xa" / "22516.html").read_text(encoding="utf-8")
    assert "Xã Vạn Thắng" in page and "817/QĐ-UBND" in page
    # it ran the installed copy, not this checkout
    where = sh(venv / "bin" / "python", "-c", "import chitieu_lib.render as r; print(r.NOTEBOOKS_DIR)", cwd=work)
    assert "site-packages" in where.stdout and str(ROOT) not in where.stdout, done.stdout
