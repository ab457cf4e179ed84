"""The package has no import cycles, no string imports and no swallowed import errors.

Oracle: the source itself, read with :mod:`ast` (nothing is imported, so a cycle that happens
to work at run time because of import order is still found).  Every ``import`` statement of every
``xlsizing/**/*.py`` counts, including imports inside functions and methods; only imports guarded
by ``if TYPE_CHECKING:`` (``typing.TYPE_CHECKING``) are left out, because they never run.

How an import becomes an edge (``a → b`` means "a imports b"):

* ``import xlsizing.x.y`` / ``from xlsizing.x import y`` / ``from .x import y`` → the deepest module
  named: ``xlsizing.x.y`` when ``y`` is a submodule, else ``xlsizing.x``;
* ``from . import x`` → ``x`` when it is a submodule of the package, else the package's
  ``__init__`` (importing names from one's own package is an edge back to ``__init__``);
* ``import xlsizing`` → ``xlsizing`` (its ``__init__``).

The parents Python runs implicitly (``xlsizing.sheets.base`` runs ``xlsizing/__init__`` and
``xlsizing/sheets/__init__`` first) are not edges: a package ``__init__`` importing its own
submodules is allowed in that direction only.  A strongly connected component (Tarjan) with more
than one module, or a module importing itself, is a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = "xlsizing"
ROOT = Path(__file__).resolve().parent.parent / PKG


class Tree:
    """The modules of a package folder ``root`` (named ``xlsizing``), parsed once."""

    def __init__(self, root: Path):
        self.root = root
        self.paths: dict[str, Path] = {self._name(p): p for p in sorted(root.rglob("*.py"))}
        self.packages = {m for m, p in self.paths.items() if p.name == "__init__.py"}
        self.trees: dict[str, ast.Module] = {m: ast.parse(p.read_text("utf-8"), str(p)) for m, p in self.paths.items()}

    def _name(self, path: Path) -> str:
        parts = list(path.relative_to(self.root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)

    def where(self, mod: str, node: ast.AST) -> str:
        return f"{self.paths[mod].relative_to(self.root.parent).as_posix()}:{node.lineno}"


PACKAGE = Tree(ROOT)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every Import/ImportFrom node, at any depth, except those under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)  # the else branch does run
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _base(tree: Tree, mod: str, node: ast.ImportFrom) -> str | None:
    """The absolute module a ``from X import ...`` names (None: outside the package)."""
    if node.level == 0:
        name = node.module or ""
    else:
        here = mod.split(".") if mod in tree.packages else mod.split(".")[:-1]
        if node.level > 1:
            here = here[: len(here) - (node.level - 1)]
        name = ".".join(here + ([node.module] if node.module else []))
    return name if name == PKG or name.startswith(PKG + ".") else None


def _targets(mod: str, node: ast.Import | ast.ImportFrom, tree: Tree = PACKAGE) -> list[str]:
    """The package modules one import statement makes ``mod`` depend on."""
    out = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            name = alias.name
            if name == PKG or name.startswith(PKG + "."):
                while name not in tree.paths and "." in name:
                    name = name.rsplit(".", 1)[0]
                out.append(name)
        return out
    base = _base(tree, mod, node)
    if base is None:
        return out
    while base not in tree.paths and "." in base:
        base = base.rsplit(".", 1)[0]
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        out.append(sub if sub in tree.paths else base)
    return out


def import_graph(tree: Tree = PACKAGE) -> dict[str, dict[str, str]]:
    """``{module: {imported module: where (file:line of the first such import)}}``."""
    graph: dict[str, dict[str, str]] = {m: {} for m in tree.paths}
    for mod, body in tree.trees.items():
        for node in _imports(body):
            for target in _targets(mod, node, tree):
                graph[mod].setdefault(target, tree.where(mod, node))
    return graph


def strongly_connected(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the strongly connected components of ``graph``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            advanced = False
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, {})))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def _cycle_in(comp: list[str], graph: dict[str, dict[str, str]]) -> list[str]:
    """One closed chain ``a → b → … → a`` through the component (shortest from its first module)."""
    members = set(comp)
    start = comp[0]
    prev: dict[str, str | None] = {start: None}
    queue = [start]
    for v in queue:
        for w in sorted(graph[v]):
            if w == start:
                chain = [v]
                while prev[chain[-1]] is not None:
                    chain.append(prev[chain[-1]])
                return list(reversed(chain)) + [start]
            if w in members and w not in prev:
                prev[w] = v
                queue.append(w)
    return comp  # pragma: no cover - a component always has a cycle


def _describe(chain: list[str], graph) -> str:
    return " → ".join(chain) + "\n      " + "\n      ".join(
        f"{a} → {b} at {graph[a][b]}" for a, b in zip(chain, chain[1:]))


def test_the_graph_sees_the_package():
    # hand-checked against the source: the sheets package imports its three sheet modules,
    # scenarios reads the sheet list, and imports inside functions count
    # (xlsizing.sheets.get imports xlsizing.suggest inside the function)
    graph = import_graph()
    assert {"xlsizing", "xlsizing.sheets", "xlsizing.sheets.base", "xlsizing.cli"} <= set(PACKAGE.paths)
    assert {"xlsizing.sheets.base", "xlsizing.sheets.beyond", "xlsizing.sheets.figure11"} <= set(graph["xlsizing.sheets"])
    assert "xlsizing.sheets" in graph["xlsizing.scenarios"]
    assert "xlsizing.model" in graph["xlsizing.sheets.figure11"]  # from .. import model
    assert "xlsizing.suggest" in graph["xlsizing.sheets"]  # inside get()
    # TYPE_CHECKING-only imports are not edges (numpy is outside the package anyway)
    assert all(t.startswith(PKG) for deps in graph.values() for t in deps)


def test_tarjan_finds_a_planted_cycle():
    # oracle: a hand-made graph with one 3-cycle, one self-loop and one acyclic tail
    g = {"a": {"b": ""}, "b": {"c": ""}, "c": {"a": ""}, "d": {"d": ""}, "e": {"a": ""}}
    comps = sorted(strongly_connected(g))
    assert comps == [["a", "b", "c"], ["d"], ["e"]]
    assert _cycle_in(["a", "b", "c"], g) == ["a", "b", "c", "a"]


def cycles(graph) -> list[list[str]]:
    """Each cycle of ``graph`` as a closed chain: one per component of 2+ modules, one per self-loop."""
    found = [_cycle_in(c, graph) for c in strongly_connected(graph) if len(c) > 1]
    return found + [[m, m] for m, deps in graph.items() if m in deps]


def test_a_planted_cycle_through_a_function_import_is_found(tmp_path):
    # oracle: a hand-written package with one cycle closed by an import inside a function
    # (a → b at module level, b → a inside f), one edge back to the package __init__ (c imports a
    # name of the package), an allowed __init__ → submodule edge, and a TYPE_CHECKING-only import
    pkg = tmp_path / PKG
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import c\n")
    (pkg / "a.py").write_text("from .b import g\n")
    (pkg / "b.py").write_text("def g():\n    pass\n\ndef f():\n    from . import a\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "d.py").write_text("from .. import VERSION\n")
    graph = import_graph(Tree(pkg))
    assert graph == {"xlsizing": {"xlsizing.c": "xlsizing/__init__.py:1"},
                     "xlsizing.a": {"xlsizing.b": "xlsizing/a.py:1"},
                     "xlsizing.b": {"xlsizing.a": "xlsizing/b.py:5"},
                     "xlsizing.c": {},
                     "xlsizing.sub": {},
                     "xlsizing.sub.d": {"xlsizing": "xlsizing/sub/d.py:1"}}
    assert cycles(graph) == [["xlsizing.a", "xlsizing.b", "xlsizing.a"]]
    (pkg / "c.py").write_text("import xlsizing.sub.d\nfrom . import c\n")  # + a self-loop; d → __init__ → c → d
    found = cycles(import_graph(Tree(pkg)))
    assert ["xlsizing.c", "xlsizing.c"] in found
    assert ["xlsizing", "xlsizing.c", "xlsizing.sub.d", "xlsizing"] in found


def test_no_import_cycles():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles among the package's modules:\n  " + "\n  ".join(
        _describe(c, graph) for c in found)


def _call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


def _is_package_string(arg: ast.expr) -> bool:
    return isinstance(arg, ast.Constant) and isinstance(arg.value, str) and (
        arg.value == PKG or arg.value.startswith((PKG + ".", ".")))


def string_imports(tree: Tree = PACKAGE) -> list[str]:
    """Calls of ``import_module``/``__import__`` naming a package module, or a name not written out."""
    found = []
    for mod, body in tree.trees.items():
        for node in ast.walk(body):
            if isinstance(node, ast.Call) and _call_name(node) in ("import_module", "__import__"):
                arg = node.args[0] if node.args else None
                if arg is None or _is_package_string(arg) or not isinstance(arg, ast.Constant):
                    found.append(f"{tree.where(mod, node)}: {ast.unparse(node)}")
    return found


def test_no_string_imports_of_package_modules():
    # importlib.import_module("xlsizing.x") / __import__("xlsizing.x") hide an edge from this test
    # and from every reader; a non-constant argument can name a package module too, so it is refused
    found = string_imports()
    assert not found, "string imports:\n  " + "\n  ".join(found)


_SWALLOWING = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _caught(handler: ast.ExceptHandler) -> set[str]:
    if handler.type is None:
        return {"BaseException"}  # a bare except
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {t.id if isinstance(t, ast.Name) else getattr(t, "attr", "") for t in types}


def swallowed(tree: Tree = PACKAGE) -> list[str]:
    """``try:`` blocks that import a package module under an ``except`` catching ImportError (or wider)."""
    found = []
    for mod, body in tree.trees.items():
        for node in ast.walk(body):
            if not isinstance(node, ast.Try):
                continue
            catching = [h for h in node.handlers if _caught(h) & _SWALLOWING]
            if not catching:
                continue
            block = ast.Module(body=node.body, type_ignores=[])
            hidden = [t for imp in _imports(block) for t in _targets(mod, imp, tree)]
            if hidden:
                names = ", ".join(sorted(_caught(catching[0])))
                found.append(f"{tree.where(mod, node)}: imports {', '.join(sorted(set(hidden)))} under except {names}")
    return found


def test_no_swallowed_import_errors_of_package_modules():
    # a renamed module must fail loudly, not silently drop commands, sheets or functions
    found = swallowed()
    assert not found, "package imports whose failure is swallowed:\n  " + "\n  ".join(found)


def test_planted_string_imports_and_swallowed_errors_are_found(tmp_path):
    # oracle: a hand-written package; third-party imports (xlwings) may be optional, package ones not
    pkg = tmp_path / PKG
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(
        "import importlib\n"
        "def f(name):\n"
        "    importlib.import_module('xlsizing.b')\n"
        "    __import__(name)\n"
        "    importlib.import_module('json')\n"
        "try:\n"
        "    from . import b\n"
        "except ModuleNotFoundError:\n"
        "    b = None\n"
        "try:\n"
        "    import xlwings\n"
        "except ImportError:\n"
        "    xlwings = None\n")
    (pkg / "b.py").write_text("def g():\n    try:\n        from .a import f\n    except (ValueError, ImportError):\n"
                              "        pass\n")
    tree = Tree(pkg)
    assert string_imports(tree) == ["xlsizing/a.py:3: importlib.import_module('xlsizing.b')",
                                    "xlsizing/a.py:4: __import__(name)"]
    assert sorted(swallowed(tree)) == ["xlsizing/a.py:6: imports xlsizing.b under except ModuleNotFoundError",
                                       "xlsizing/b.py:2: imports xlsizing.a under except ImportError, ValueError"]


@pytest.mark.parametrize("source, expected", [
    # oracle: the rules in the module docstring applied by hand
    ("from . import model", {"xlsizing.model"}),
    ("from . import load_builtin", {"xlsizing"}),
    ("import xlsizing", {"xlsizing"}),
    ("from xlsizing.sheets import base, get", {"xlsizing.sheets.base", "xlsizing.sheets"}),
    ("from .sheets.base import Row", {"xlsizing.sheets.base"}),
    ("import xlsizing.sheets.figure11 as f", {"xlsizing.sheets.figure11"}),
    ("import numpy", set()),
])
def test_edges_from_the_rules(source, expected):
    (node,) = ast.parse(source).body
    assert set(_targets("xlsizing.workbook", node)) == expected


@pytest.mark.parametrize("source, expected", [
    ("from .. import model", {"xlsizing.model"}),
    ("from . import base", {"xlsizing.sheets.base"}),
    ("from . import SHEETS", {"xlsizing.sheets"}),
    ("from ..errors import InvalidInput", {"xlsizing.errors"}),
])
def test_relative_edges_from_a_subpackage(source, expected):
    (node,) = ast.parse(source).body
    assert set(_targets("xlsizing.sheets.figure11", node)) == expected
