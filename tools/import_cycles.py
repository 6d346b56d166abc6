"""Import cycles in a package: the strongly connected groups of its import graph.

    python tools/import_cycles.py [torchlike] [--lazy] [--edges]

Reads every module with ``ast`` (nothing is imported). By default only the imports that run when
a module is imported count (module level, class bodies, ``try``/``if`` blocks; not
``if TYPE_CHECKING:``); with ``--lazy`` the imports inside functions count too, since a
function-level import is usually how a cycle is worked around. Importing ``a.b.c`` runs ``a`` and
``a.b`` first; those implicit parent imports are not counted. ``--edges`` lists the imports inside
each group.
"""

from __future__ import annotations

import ast
import collections
import pathlib
import sys


def modules(root: pathlib.Path) -> dict[str, tuple[pathlib.Path, bool]]:
    """Dotted module name -> (file, is a package's ``__init__``)."""
    out = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if package else parts)] = (path, package)
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_nodes(tree: ast.Module, lazy: bool) -> list[ast.Import | ast.ImportFrom]:
    if lazy:
        return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    found = []

    def walk(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            elif isinstance(node, ast.If):
                if not _is_type_checking(node.test):
                    walk(node.body)
                walk(node.orelse)
            elif isinstance(node, ast.Try):
                walk(node.body)
                for handler in node.handlers:
                    walk(handler.body)
                walk(node.orelse)
                walk(node.finalbody)
            elif isinstance(node, (ast.With, ast.ClassDef)):
                walk(node.body)

    walk(tree.body)
    return found


def import_graph(root: pathlib.Path, lazy: bool) -> dict[str, set[str]]:
    mods = modules(root)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, (path, package) in mods.items():
        here = name.split(".") if package else name.split(".")[:-1]
        for node in import_nodes(ast.parse(path.read_text()), lazy):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    prefix = here[: len(here) - (node.level - 1)]
                    base = ".".join(prefix + ([node.module] if node.module else []))
                # ``from pkg import sub`` imports the submodule; ``from mod import name`` the module
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names
                ]
            for target in targets:
                while target not in mods and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in mods and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def shortest_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """One shortest cycle through the group's first module, to show it."""
    start, members = group[0], set(group)
    came_from: dict[str, str | None] = {start: None}
    queue = collections.deque([start])
    while queue:
        u = queue.popleft()
        for w in sorted(graph[u]):
            if w == start:
                path = [u]
                while came_from[path[-1]] is not None:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if w in members and w not in came_from:
                came_from[w] = u
                queue.append(w)
    return group


def main(argv: list[str]) -> int:
    names = [a for a in argv if not a.startswith("--")]
    root = pathlib.Path(names[0] if names else "torchlike")
    graph = import_graph(root, lazy="--lazy" in argv)
    groups = cycles(graph)
    print(f"{len(groups)} import cycle(s)")
    for group in groups:
        print(f"  {len(group)} modules, e.g. " + " -> ".join(shortest_cycle(graph, group)))
        if "--edges" in argv:
            for u in group:
                for w in sorted(graph[u] & set(group)):
                    print(f"      {u} -> {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
