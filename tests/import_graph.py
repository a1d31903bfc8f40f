"""Imports read from source with ``ast`` (nothing is imported): what each module
imports, at module level and inside functions (and, on request, under
``if TYPE_CHECKING:``).

Shared by ``test_import_border.py`` (who may import what) and
``test_import_cycles.py`` (no import circle in ``helpdesk/``). A literal
``importlib.import_module("pkg.mod")`` counts as an import too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    """One imported module as written: ``from a.b import c`` gives ``a.b`` with name ``c``."""

    module: str  # absolute, relative imports resolved
    name: str | None  # the name imported from it (``from module import name``), else None
    line: int


def module_name(path: Path, root: Path) -> str:
    """``root/a/b/c.py`` -> ``a.b.c``; a package's ``__init__.py`` -> the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*.py")):
        if not any(part.startswith(".") or part == "__pycache__" or part.endswith(".egg-info")
                   for part in path.relative_to(folder).parts):
            yield path


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _literal_import(node: ast.Call) -> str | None:
    """The module of ``importlib.import_module("x")`` / ``import_module("x")`` / ``__import__("x")``."""
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if called in ("import_module", "__import__") and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and not first.value.startswith("."):
            return first.value
    return None


def imports(path: Path, name: str, *, type_checking: bool = False) -> list[Import]:
    """Every import in the file at ``path`` (module ``name``); those under
    ``if TYPE_CHECKING:`` only with ``type_checking=True``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: list[Import] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test) and not type_checking:
                for other in child.orelse:  # `else:` of TYPE_CHECKING runs at run time
                    visit_node(other)
                continue
            visit_node(child)

    def visit_node(child: ast.AST) -> None:
        if isinstance(child, ast.Import):
            found.extend(Import(alias.name, None, child.lineno) for alias in child.names)
        elif isinstance(child, ast.ImportFrom):
            if child.level:
                base = package[: len(package) - (child.level - 1)] if child.level > 1 else package
                module = ".".join([*base, *([child.module] if child.module else [])])
            else:
                module = child.module or ""
            found.extend(Import(module, alias.name, child.lineno) for alias in child.names)
        elif isinstance(child, ast.Call) and (literal := _literal_import(child)):
            found.append(Import(literal, None, child.lineno))
        visit(child)

    visit(tree)
    return found


def module_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (the graph import cycles live in).

    ``from a.b import c`` is an edge to ``a.b.c`` when that is a module, else to ``a.b``;
    an import of a module that is not in the package (or of itself) is no edge.
    """
    root = package_dir.parent
    files = {module_name(path, root): path for path in python_files(package_dir)}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        edges: set[str] = set()
        for imp in imports(path, name):
            target = f"{imp.module}.{imp.name}" if imp.name and f"{imp.module}.{imp.name}" in files else imp.module
            while target and target not in files:
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.add(target)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One shortest cycle through each strongly connected group of modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(start: str) -> None:  # iterative Tarjan: no recursion limit on deep graphs
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_shortest_cycle(graph, group) for group in groups]


def _shortest_cycle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest cycle through the first module of ``group`` (breadth-first), closed:
    ``[a, b, c, a]``."""
    start = min(group)
    parents: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for child in sorted(graph[node] & group):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return [*reversed(path), start]
            if child not in parents:
                parents[child] = node
                queue.append(child)
    return sorted(group)  # pragma: no cover - a strongly connected group always has a cycle
