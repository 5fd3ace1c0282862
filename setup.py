"""Build hook: the wheel carries the report notebooks.

The notebooks stay at the top of the repository (``notebooks/``, where analysts open
them in JupyterLab); building the package copies the same files into
``chitieu_lib/_notebooks/``, where :func:`chitieu_lib.render.notebooks_dir` finds them
when the kit runs installed rather than from a checkout. Everything else is in
pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithNotebooks(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "chitieu_lib" / "_notebooks"
        target.mkdir(parents=True, exist_ok=True)
        for notebook in sorted((HERE / "notebooks").glob("*.ipynb")):
            shutil.copy2(notebook, target / notebook.name)


setup(cmdclass={"build_py": BuildWithNotebooks})
