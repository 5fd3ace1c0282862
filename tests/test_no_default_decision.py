"""No module below the command line falls back to a default decision: each takes the one it works for.

The commands (and ``chitieu_lib/decision.py``, which defines the default) may name Decision 817;
``sample/year.py`` names it on purpose (the synthetic sample is a 2019 year). Everywhere else a
decision, its registry or its calendar is passed in — a report of another year can only quote
that year's decision.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "chitieu_lib"
ALLOWED = {"commands", "cli.py", "__main__.py", "decision.py", "sample/year.py"}


def _allowed(path: Path) -> bool:
    rel = path.relative_to(PACKAGE).as_posix()
    return rel in ALLOWED or rel.split("/")[0] in ALLOWED


def defaults_in(source: str) -> list[str]:
    """Calls that fall back to the default: load_decision() / load_units() without arguments,
    ``x or load_decision(...)``, and any use of DEFAULT_DECISION outside doctests.

    >>> defaults_in("d = decision or load_decision()")
    ['line 1: `... or load_decision(...)`', 'line 1: load_decision() without a file']
    >>> defaults_in("u = load_units(d)")
    []
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in ("load_decision", "read_decision", "load_units") and not node.args and not node.keywords:
                found.append(f"line {node.lineno}: {name}() without a file")
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            for value in node.values[1:]:
                if isinstance(value, ast.Call) and getattr(value.func, "id", "") in ("load_decision", "load_units"):
                    found.append(f"line {node.lineno}: `... or {value.func.id}(...)`")
        if isinstance(node, ast.Name) and node.id == "DEFAULT_DECISION":
            found.append(f"line {node.lineno}: DEFAULT_DECISION")
    return found


def test_no_module_below_the_command_line_loads_a_default_decision():
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if _allowed(path):
            continue
        bad += [f"{path.relative_to(PACKAGE)} {hit}" for hit in defaults_in(path.read_text(encoding="utf-8"))]
    assert not bad, "modules that fall back to Decision 817:\n" + "\n".join(bad)


def test_the_checker_sees_a_default():
    assert defaults_in("from x import DEFAULT_DECISION\nd = load_decision(DEFAULT_DECISION)") == [
        "line 2: DEFAULT_DECISION"]
