"""The package's import graph: no cycle, and no module importing from a layer above its own.

Read from the source (AST), not by importing: every ``import`` and ``from ... import`` of a
chitieu_lib module counts, at any depth (inside functions too: a lazy import hides a cycle, it
does not remove it). Relative imports are resolved, and a name taken from a package's
``__init__`` that re-exports it counts as an import of the submodule that defines it. Importing
``a.b.c`` also runs the ``__init__`` of ``a`` and ``a.b`` (unless the importer sits inside them,
when they are already running), so those are edges too. Dynamic imports (``importlib.import_module`` in ``chitieu_lib/__init__.py`` and
``cli.py``) are not seen; they only go downwards from the top of the package.

The layer order is docs/architecture.md "Layers".
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "chitieu_lib"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

# The layers of the data flow, lowest first: a module may import from its own layer or a lower one.
# A key is a module or a package (covering its submodules); the longest matching key wins.
LAYERS = [
    ("base", ["chitieu_lib", "chitieu_lib.errors", "chitieu_lib.text", "chitieu_lib.vi", "chitieu_lib.labels",
              "chitieu_lib.calendar", "chitieu_lib.decision", "chitieu_lib.windows", "chitieu_lib.atomic",
              "chitieu_lib.paths", "chitieu_lib.sheets", "chitieu_lib.contracts"]),
    ("ingest", ["chitieu_lib.ingest", "chitieu_lib.aggregate", "chitieu_lib.bieu06"]),
    # sample/ writes a raw folder and reads it back with ingest (its Biểu 06 workbooks); nothing
    # but `chitieu sample` and the tests import it.
    ("store", ["chitieu_lib.store", "chitieu_lib.sample"]),
    ("rates", ["chitieu_lib.rates"]),
    # backtest evaluates the projection; only `chitieu backtest` imports it.
    ("projection", ["chitieu_lib.projection", "chitieu_lib.backtest"]),
    ("report", ["chitieu_lib.report", "chitieu_lib.plots"]),
    ("render", ["chitieu_lib.render", "chitieu_lib.engine", "chitieu_lib.html", "chitieu_lib.pdf",
                "chitieu_lib.fast_nbformat"]),
    ("commands", ["chitieu_lib.commands", "chitieu_lib.cli", "chitieu_lib.__main__", "chitieu_lib.warm",
                  "chitieu_lib.warm_server"]),
]


# ---------------------------------------------------------------------- reading the source

def module_files(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package (``__init__`` names the package)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = (package, *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_package(name: str, files: dict[str, Path]) -> bool:
    return files[name].name == "__init__.py"


def _base_of(node: ast.ImportFrom, importer: str, files: dict[str, Path]) -> str:
    """The absolute module a ``from X import ...`` names."""
    if not node.level:
        return node.module or ""
    parts = importer.split(".")
    if not _is_package(importer, files):
        parts = parts[:-1]
    parts = parts[:len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _existing(name: str, files: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is a module of the package."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in files:
            return ".".join(parts)
        parts.pop()
    return None


def _reexports(name: str, files: dict[str, Path], trees: dict[str, ast.Module]) -> dict[str, tuple[str, str]]:
    """Names a package ``__init__`` binds by a top-level ``from ... import``: name -> (module, name there)."""
    out = {}
    for node in trees[name].body:
        if isinstance(node, ast.ImportFrom):
            base = _base_of(node, name, files)
            for alias in node.names:
                out[alias.asname or alias.name] = (base, alias.name)
    return out


def defining_module(base: str, name: str, files, trees, seen=None) -> str:
    """The module that defines ``name`` imported from ``base``: a submodule ``base.name``, or the
    module a package re-exports it from (followed through further re-exports)."""
    seen = seen or set()
    if f"{base}.{name}" in files:
        return f"{base}.{name}"
    module = _existing(base, files)
    if module is None or module in seen or not _is_package(module, files):
        return module
    source = _reexports(module, files, trees).get(name)
    if source is None or _existing(source[0], files) is None:
        return module
    return defining_module(source[0], source[1], files, trees, seen | {module})


def imported_modules(importer: str, files, trees) -> set[str]:
    """Modules of the package that ``importer`` imports anywhere in its source."""
    out = set()
    for node in ast.walk(trees[importer]):
        if isinstance(node, ast.Import):
            out |= {_existing(a.name, files) for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            base = _base_of(node, importer, files)
            if base.split(".")[0] == PACKAGE:
                out |= {defining_module(base, a.name, files, trees) for a in node.names}
    out.discard(None)
    return out


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules importing it runs: what it imports, and their enclosing packages."""
    files = module_files(root, package)
    trees = {name: ast.parse(path.read_text(encoding="utf-8"), str(path)) for name, path in files.items()}
    graph = {}
    for name in files:
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
        edges = set()
        for target in imported_modules(name, files, trees):
            parts = target.split(".")
            edges |= {target} | ({".".join(parts[:i]) for i in range(1, len(parts))} - own)
        graph[name] = edges - {name}
    return graph


# ---------------------------------------------------------------------- cycles and layers

def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each as one cycle path."""
    index, low, stack, on_stack, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(_cycle_path(sorted(comp), graph))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def _cycle_path(comp: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One cycle through the first module of a strongly connected component: a -> ... -> a."""
    members, start = set(comp), comp[0]
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        for w in sorted(graph[path[-1]] & members):
            if w == start:
                return path + [start]
            if w not in seen:
                seen.add(w)
                paths.append(path + [w])
    return comp


def layer_of(module: str) -> int | None:
    """The rank of a module's layer in LAYERS (longest matching key), None if no key covers it."""
    best, rank = "", None
    for i, (_, keys) in enumerate(LAYERS):
        for key in keys:
            covers = module == key or (module.startswith(key + ".") and key != PACKAGE)
            if covers and len(key) > len(best):
                best, rank = key, i
    return rank


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Every import from a lower layer to a higher one, as 'a (layer) imports b (layer)'."""
    out = []
    for a in sorted(graph):
        for b in sorted(graph[a]):
            ra, rb = layer_of(a), layer_of(b)
            if ra is not None and rb is not None and rb > ra:
                out.append(f"{a} ({LAYERS[ra][0]}) imports {b} ({LAYERS[rb][0]})")
    return out


# ---------------------------------------------------------------------- the real package

GRAPH = import_graph()


def test_the_package_has_no_import_cycle():
    found = cycles(GRAPH)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_every_module_has_a_layer():
    missing = sorted(m for m in GRAPH if layer_of(m) is None)
    assert not missing, f"modules with no layer (add them to LAYERS and docs/architecture.md): {missing}"


def test_no_lower_layer_imports_a_higher_one():
    bad = layer_violations(GRAPH)
    assert not bad, "imports against the layer order:\n" + "\n".join(bad)


def test_the_graph_sees_known_imports():
    # Edges read by hand from the source: a top-level import, a re-export followed to its module,
    # and the enclosing package of a deep import.
    assert "chitieu_lib.ingest.recognise" in GRAPH["chitieu_lib.store.build"]
    assert "chitieu_lib.bieu06.read" in GRAPH["chitieu_lib.store.build"]       # via bieu06/__init__
    assert "chitieu_lib.bieu06" in GRAPH["chitieu_lib.ingest.recognise"]       # bieu06.layout runs it
    assert "chitieu_lib.errors" in GRAPH["chitieu_lib.windows"]


def test_the_architecture_document_lists_the_layers():
    text = (ROOT.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    for name, keys in LAYERS:
        assert f"| {name} |" in section, name
        for key in keys:
            assert f"`{key.removeprefix(PACKAGE + '.')}`" in section or key == PACKAGE, key


# ---------------------------------------------------------------------- the checker itself

def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / PACKAGE
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_cycle_hidden_inside_a_function_is_found(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "",
        "a.py": "from .b import g\n",
        "b.py": "def g():\n    from .a import f\n    return f\n",
    })
    assert cycles(import_graph(root)) == [["chitieu_lib.a", "chitieu_lib.b", "chitieu_lib.a"]]


def test_a_reexport_resolves_to_its_module_and_makes_no_false_cycle(tmp_path):
    # p/__init__ re-exports x from p.one; p.two imports "from . import" it. p.one imports nothing.
    root = _package(tmp_path, {
        "__init__.py": "",
        "p/__init__.py": "from .one import x\nfrom .two import y\n",
        "p/one.py": "x = 1\n",
        "p/two.py": "from . import x\ny = x\n",
        "q.py": "import chitieu_lib.p.two\nfrom .p import x\n",
    })
    graph = import_graph(root)
    assert graph["chitieu_lib.p.two"] == {"chitieu_lib.p.one"}
    assert graph["chitieu_lib.q"] == {"chitieu_lib.p", "chitieu_lib.p.one", "chitieu_lib.p.two"}
    assert cycles(graph) == []


def test_a_cycle_through_a_package_init_is_found(tmp_path):
    # Importing p.one runs p/__init__, which imports p.two, which imports q: q -> p -> p.two -> q.
    root = _package(tmp_path, {
        "__init__.py": "",
        "p/__init__.py": "from .two import y\n",
        "p/one.py": "x = 1\n",
        "p/two.py": "def y():\n    import chitieu_lib.q\n",
        "q.py": "from .p.one import x\n",
    })
    assert cycles(import_graph(root)) == [["chitieu_lib.p", "chitieu_lib.p.two", "chitieu_lib.q", "chitieu_lib.p"]]
