"""The engine's wings import only downwards, and no engine modules import each other in a circle.

The order is the one graders/engine/__init__.py's docstring states. Every import
counts, the lazy ones inside functions too (not those under ``if TYPE_CHECKING:``,
which never run): a lazy upward import is still a lower wing that needs a higher one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import graders.engine

ENGINE = Path(graders.engine.__file__).resolve().parent


def wing_order(engine: Path) -> list[str]:
    """The wings as the package docstring orders them: ``core → isolation → ... → cli``."""
    docstring = ast.get_docstring(ast.parse((engine / "__init__.py").read_text(encoding="utf-8"))) or ""
    line = next(line for line in docstring.splitlines() if "→" in line)
    return [name.strip() for name in line.split("→")]


def package_name(folder: Path) -> str:
    """``folder``'s dotted name: it and the packages holding it (graders/engine: ``graders.engine``)."""
    parts = [folder.name]
    while (folder.parent / "__init__.py").is_file():
        folder = folder.parent
        parts.insert(0, folder.name)
    return ".".join(parts)


def module_names(engine: Path) -> dict[str, Path]:
    """Every module below ``engine`` by dotted name (a package by its own name)."""
    package = package_name(engine)
    names = {}
    for path in sorted(engine.rglob("*.py")):
        parts = (package, *path.relative_to(engine).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The engine modules ``name`` imports anywhere in its file (absolute or relative, lazy or not)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(name, is_package, node.level, node.module)
            targets = [f"{base}.{alias.name}" for alias in node.names]  # a name, or a module of base
        else:
            continue
        found |= {_innermost_module(target, known) for target in targets} - {None, name}
    return found


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node, except under ``if TYPE_CHECKING:`` (imports for annotations never run)."""
    nodes, pending = [], [tree]
    while pending:
        node = pending.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))
    return nodes


def _absolute(name: str, is_package: bool, level: int, module: str | None) -> str:
    if not level:
        return module or ""
    parts = name.split(".") if is_package else name.split(".")[:-1]
    parts = parts[:len(parts) - level + 1]
    return ".".join([*parts, *([module] if module else [])])


def _innermost_module(target: str, known: set[str]) -> str | None:
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in known:
            return ".".join(parts[:end])
    return None


def import_graph(engine: Path) -> dict[str, set[str]]:
    """Which engine modules each engine module imports, by names relative to the engine (``core.config``)."""
    names = module_names(engine)
    prefix = len(package_name(engine)) + 1
    return {name[prefix:]: {target[prefix:] for target in imports_of(name, path, set(names))}
            for name, path in names.items() if len(name) > prefix}


def upward_imports(graph: dict[str, set[str]], order: list[str]) -> list[str]:
    rank = {wing: index for index, wing in enumerate(order)}

    def wing(module: str) -> str:
        return module.split(".")[0]

    return sorted(f"{module} ({wing(module)}) imports {target} ({wing(target)})"
                  for module, targets in graph.items() for target in targets
                  if rank[wing(target)] > rank[wing(module)])


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of modules (Tarjan), each as the path around it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return [_cycle_in(group, graph) for group in groups]


def _cycle_in(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    start = min(group)
    path, seen = [start], {start}
    while True:
        following = min(t for t in graph[path[-1]] if t in group)
        if following in seen:
            return path[path.index(following):] + [following]
        path.append(following)
        seen.add(following)


def test_every_wing_has_its_place_in_the_stated_order():
    order = wing_order(ENGINE)
    wings = {path.parent.name for path in ENGINE.glob("*/__init__.py")} | {"cli"}
    assert sorted(order) == sorted(wings)


def test_no_wing_imports_a_higher_one():
    assert upward_imports(import_graph(ENGINE), wing_order(ENGINE)) == []


def test_no_engine_modules_import_each_other_in_a_circle():
    assert circles(import_graph(ENGINE)) == []


def test_each_wings_docstring_names_the_wings_it_may_use():
    order = wing_order(ENGINE)
    for wing in order[1:-2]:  # core names none; platforms may use every other wing; cli is a module
        docstring = ast.get_docstring(ast.parse((ENGINE / wing / "__init__.py").read_text(encoding="utf-8")))
        may_use = re.search(r"May use: ([^.]+)\.", docstring or "")
        assert may_use, f"{wing}/__init__.py does not say what it may use"
        assert [w.strip() for w in may_use[1].split(",")] == order[:order.index(wing)], wing


def test_the_checks_see_a_lazy_upward_import_and_a_circle(tmp_path):
    engine = tmp_path / "engine"
    for wing in ("low", "high"):
        (engine / wing).mkdir(parents=True)
        (engine / wing / "__init__.py").write_text("")
    (engine / "__init__.py").write_text('"""Wings:\n\nlow → high → cli\n"""\n')
    (engine / "low" / "a.py").write_text("def f():\n    from ..high import b\n")
    (engine / "high" / "b.py").write_text("from ..low.a import f\n")
    (engine / "low" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                         "    from ..high.b import anything\n")
    (engine / "cli.py").write_text("import engine.high.b\n")
    graph = import_graph(engine)
    assert wing_order(engine) == ["low", "high", "cli"]
    assert upward_imports(graph, wing_order(engine)) == ["low.a (low) imports high.b (high)"]
    assert circles(graph) == [["high.b", "low.a", "high.b"]]
