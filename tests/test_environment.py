"""environment.yml and pyproject.toml must name the same packages."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pyproject_packages() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return {_name(r) for r in reqs}


def environment_packages() -> set[str]:
    names, in_deps = set(), False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        item = re.match(r"^  - ([A-Za-z0-9_.\-]+.*)$", line)
        if in_deps and item:
            names.add(_name(item.group(1)))
    return names - {"python", "pip", "pip:"}


def test_same_packages():
    conda, pip = environment_packages(), pyproject_packages()
    assert conda, "environment.yml lists no packages"
    assert conda == pip, f"only in environment.yml: {conda - pip}; only in pyproject.toml: {pip - conda}"


def test_environment_installs_the_project_and_pins_python():
    text = (ROOT / "environment.yml").read_text()
    assert "python=3.11" in text
    assert "-e ." in text
