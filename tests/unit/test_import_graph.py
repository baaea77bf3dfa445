"""The project's modules import each other without cycles, and every import is at the top.

Built from the source (an AST walk), so a cycle hidden in a function body or at the bottom of a
module counts too: an import inside a function is still an edge of the graph.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("paygate_app", "api", "tasks")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[_module_name(path)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module an import of `name` loads (a package's name loads its __init__)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level] if not path.name == "__init__.py" else module.split(".")
                if node.level > 1 and path.name == "__init__.py":
                    base = module.split(".")[: -(node.level - 1)]
                prefix = ".".join(base)
                source = f"{prefix}.{node.module}" if node.module else prefix
            else:
                source = node.module or ""
            # `from package import module` imports the module; `from module import name` the module
            names = [f"{source}.{alias.name}" for alias in node.names] + [source]
        for name in names:
            target = _resolve(name, modules)
            if target and target != module:
                out.add(target)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {module: _imports(module, path, modules) for module, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _is_package_init(module: str) -> bool:
    return _modules()[module].name == "__init__.py"


def test_the_walk_sees_imports() -> None:
    graph = _graph()
    assert "paygate_app.core.db" in graph["paygate_app.core.payments"]
    assert "paygate_app.core.settings" in graph["paygate_app.core.db"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_among_the_project_modules() -> None:
    graph = _graph()
    # A package's __init__ importing its own submodules is how a package exposes them, not a cycle
    # of the code; drop the edges from a submodule up to its own package's __init__.
    for module, targets in graph.items():
        graph[module] = {t for t in targets if not (_is_package_init(t) and module.startswith(t + "."))}
    assert _cycles(graph) == []


def test_no_import_below_the_top_of_a_module() -> None:
    late = []
    for module, path in _modules().items():
        tree = ast.parse(path.read_text(), str(path))
        seen_code = False
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                if seen_code:
                    late.append(f"{module}:{node.lineno}")
            elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)) and not isinstance(
                node, ast.If | ast.Try
            ):
                seen_code = True
    assert late == []
