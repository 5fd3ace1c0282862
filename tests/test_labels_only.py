"""Every word a reader sees lives in chitieu_lib/labels.py, and every sentence asked of it exists there.

Read from the source (AST): a string constant with a Vietnamese letter (one with a diacritic)
outside labels.py is a reader's word in the wrong place, unless it is a docstring, the
``help=`` or ``description=`` of a call (argparse's help, in English, may name the decision),
or it sits in a module or a named constant of the allowlists below.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from chitieu_lib import labels

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "chitieu_lib"

# Letters with diacritics (ASCII-only Vietnamese cannot be told from English by a pattern).
VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ]")

# Modules (or folders) whose Vietnamese constants are not reader words, each with why.
ALLOWED_MODULES = {
    "chitieu_lib/labels.py": "the one place for reader words",
    "chitieu_lib/sample/": "the synthetic year's invented data (names, procedures, messy inputs)",
    "chitieu_lib/projection/synthetic.py": "the projection test year's invented procedure names",
    "chitieu_lib/bieu06/": "words of the Biểu 06 form, an input format that is read (and written as the form)",
    "chitieu_lib/ingest/": "words of input formats that are read (headers, channel words), not written",
    "chitieu_lib/text.py": "text normalisation of letters such as 'Đ'",
    "chitieu_lib/decision.py": "matching names of the decision's file and registry",
}

# Module-level constants (module, name) whose Vietnamese letters are not reader words, each with why.
ALLOWED_CONSTANTS = {
    ("chitieu_lib/render/index.py", "INDEX_SCRIPT"): "the index's script folds 'đ'/'Đ' for the name search",
    ("chitieu_lib/cli.py", "COMMANDS"): "argparse help of the subcommands (English, naming the decision)",
}

HELP_KEYWORDS = ("help", "description")


def _files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_allowed(rel: str) -> bool:
    return any(rel == key or (key.endswith("/") and rel.startswith(key)) for key in ALLOWED_MODULES)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _exempt(tree: ast.Module, rel: str) -> set[int]:
    """Constants inside the help=/description= of a call, or inside an allowlisted named constant."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg in HELP_KEYWORDS:
                    found |= {id(n) for n in ast.walk(kw.value)}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and (rel, t.id) in ALLOWED_CONSTANTS for t in targets):
                found |= {id(n) for n in ast.walk(node.value)}
    return found


def vietnamese_literals(path: Path) -> list[tuple[int, str]]:
    """Line and text of each non-docstring, non-exempt string constant with a Vietnamese letter."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree) | _exempt(tree, _rel(path))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip
            and VIETNAMESE.search(n.value)]


def test_reader_words_live_only_in_labels():
    found = []
    for path in _files():
        rel = _rel(path)
        if _module_allowed(rel):
            continue
        found += [f"{rel}:{line}: {text[:70]!r}" for line, text in vietnamese_literals(path)]
    assert not found, "Vietnamese words outside chitieu_lib/labels.py (move them there):\n" + "\n".join(found)


def test_the_allowlists_name_what_exists():
    for key in ALLOWED_MODULES:
        assert (ROOT / key).exists(), key
    for rel, name in ALLOWED_CONSTANTS:
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        names = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                 if isinstance(t, ast.Name)}
        assert name in names, (rel, name)


def test_the_scan_sees_a_word():
    this_file = Path(__file__)
    assert any("Biểu 06" in text for _, text in vietnamese_literals(this_file))


# ---------------------------------------------------------------------- say("key", ...) calls

def say_calls() -> list[tuple[str, int, str, set[str] | None]]:
    """(file, line, key, keyword names or None when ``**fields`` is passed) of each ``say("key", ...)``."""
    calls = []
    for path in _files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # a bare say(...) counts only where say is imported from labels (other modules have their own)
        bare = path.name == "labels.py" or any(
            isinstance(n, ast.ImportFrom) and (n.module or "").endswith("labels") and
            any(a.name == "say" and a.asname is None for a in n.names) for n in ast.walk(tree))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            named = (isinstance(func, ast.Attribute) and func.attr == "say"
                     and isinstance(func.value, ast.Name) and func.value.id == "labels") or \
                    (bare and isinstance(func, ast.Name) and func.id == "say")
            if named and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                given = None if any(kw.arg is None for kw in node.keywords) else {kw.arg for kw in node.keywords}
                calls.append((_rel(path), node.lineno, node.args[0].value, given))
    return calls


def test_the_scan_finds_say_calls():
    assert len(say_calls()) > 50


def test_every_key_asked_for_exists():
    missing = [f"{rel}:{line}: {key}" for rel, line, key, _ in say_calls() if key not in labels.TEXT]
    assert not missing, "labels.say keys not in labels.TEXT:\n" + "\n".join(missing)


def test_every_call_fills_exactly_the_placeholders():
    wrong = []
    for rel, line, key, given in say_calls():
        if key in labels.TEXT and given is not None and given != labels.fields(key):
            wrong.append(f"{rel}:{line}: {key} needs {sorted(labels.fields(key))}, given {sorted(given)}")
    assert not wrong, "\n".join(wrong)


def test_templates_are_well_formed():
    for key, template in labels.TEXT.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", key), key
        labels.fields(key)   # raises on an unbalanced brace
        assert template == template.strip(), key   # spacing around a sentence stays with the code


def test_decision_facts_are_not_in_labels():
    text = (PACKAGE / "labels.py").read_text(encoding="utf-8")
    for fact in ("817", "2019", "Khánh Hòa", "25/3", "934", "Vạn Ninh"):
        assert fact not in text, fact


# ---------------------------------------------------------------------- the notebooks' code cells

def notebook_cells() -> list[tuple[str, ast.Module]]:
    """(notebook#cell, parsed code) of every code cell of the report notebooks."""
    out = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            if cell["cell_type"] == "code":
                out.append((f"{path.name}#{i}", ast.parse("".join(cell["source"]))))
    return out


def test_notebook_code_takes_its_words_from_labels():
    # Markdown cells tell the story in Vietnamese; code cells (captions, headings) ask labels.
    found, missing = [], []
    for where, tree in notebook_cells():
        found += [f"{where}: {n.value[:60]!r}" for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str) and VIETNAMESE.search(n.value)]
        missing += [f"{where}: {n.args[0].value}" for n in ast.walk(tree)
                    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "say"
                    and n.args and isinstance(n.args[0], ast.Constant) and n.args[0].value not in labels.TEXT]
    assert len(notebook_cells()) > 20
    assert not found, "Vietnamese words in notebook code (move them to labels.TEXT):\n" + "\n".join(found)
    assert not missing, "labels.say keys not in labels.TEXT:\n" + "\n".join(missing)
