"""The layout rules of STYLE.md that code can check: no import cycle inside an app, and no
import placed inside a function to dodge one."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
APPS = ["eha_auth", "eha_tenancy", "eha_health", "eha_apptoken"]
# Optional dependencies (pyproject.toml's extras) that a module imports when it runs, so
# that it still imports without them; each such import says why in a comment.
OPTIONAL_DEPENDENCIES = {"jwt", "social_core"}


def find_cycle(graph: grimp.ImportGraph, package: str) -> list[str] | None:
    """Return one import cycle among the modules of ``package`` (a -> b -> a), or None."""
    modules = sorted(graph.find_descendants(package) | {package})
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if state.get(imported) == 1:
                return [*path[path.index(imported):], imported]
            if imported not in state and (cycle := visit(imported)):
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in modules:
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


@pytest.mark.parametrize("package", APPS)
def test_no_import_cycle_inside_an_app(package: str) -> None:
    graph = grimp.build_graph(package, exclude_type_checking_imports=True, cache_dir=None)
    cycle = find_cycle(graph, package)
    assert cycle is None, f"import cycle: {' -> '.join(cycle or [])}"


def imports_inside_functions(tree: ast.Module) -> list[tuple[int, str, str]]:
    """Return (line, function, imported module) for each import inside a function body.

    ``AppConfig.ready()`` may import (Django loads models before it runs), and so may a
    function importing one of OPTIONAL_DEPENDENCIES.
    """
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if function.name == "ready":
            continue
        for node in ast.walk(function):
            for name in imported_names(node):
                if name.split(".")[0] not in OPTIONAL_DEPENDENCIES:
                    found.append((node.lineno, function.name, name))
    return sorted(set(found))


def imported_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return ["." * node.level + (node.module or "")]
    return []


def test_no_import_inside_a_function() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        found += [f"{path.relative_to(SRC)}:{line} {function}() imports {name}"
                  for line, function, name in imports_inside_functions(tree)]
    assert not found, "imports inside functions:\n" + "\n".join(found)


def test_the_check_sees_an_import_inside_a_function() -> None:
    tree = ast.parse("def f():\n    from .models import M\n"
                     "class C:\n    def ready(self):\n        from . import checks\n"
                     "def g():\n    import jwt\n")
    assert imports_inside_functions(tree) == [(2, "f", ".models")]
