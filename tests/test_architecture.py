"""The packages depend one way, and no import hides inside a function to dodge a cycle.

Layers, lowest first: models and shared helpers; `app/caps` (LinkedIn's limits and what an account has
used); `app/actions` (an action's life); the domain data services (`leads`, `posts`, `comments`);
`app/engine` (what happens next); `accounts`, `campaigns`, `analytics`; then the HTTP views, the
extension bridge and the workers, which may call any of them. A view module (`views.py`) is the top of
its package: it may call a higher layer, as the leads view calls the engine for a status change.
"""

import ast
import pathlib
from collections import defaultdict

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = ("app", "worker", "extension_bridge")
# Entry points that assemble everything: they sit above every layer.
ASSEMBLY = {"app/__init__.py", "app/cli.py", "app/docs.py"}
# Packages whose modules must import everything at the top (the engine's core and what it stands on).
TOP_LEVEL_IMPORTS_ONLY = PROJECT_PACKAGES
# The app factory and the CLI build the app (its blueprints, its commands) on demand, and a worker process builds
# its app once it has forked: those imports are the factory pattern, not a cycle dodged.
FACTORY_MODULES = ("app/__init__.py", "app/cli.py", "worker/context.py")


def _modules():
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


def _package(module_path: str) -> str:
    parts = module_path.removesuffix(".py").split("/")
    if parts[0] == "app" and len(parts) > 2:
        return "app." + parts[1]
    if parts[0] == "app":
        return "app." + parts[1] if parts[1] != "__init__" else "app"
    return parts[0]


def _imported_package(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] not in PROJECT_PACKAGES:
        return None
    return ".".join(parts[:2]) if parts[0] == "app" and len(parts) > 1 else parts[0]


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield node, [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from app import clock` names the module app.clock
            names = [f"{node.module}.{alias.name}" if node.module == "app" else node.module for alias in node.names]
            yield node, names


def _service_graph() -> dict:
    graph = defaultdict(set)
    for path, tree in _modules():
        if path in ASSEMBLY or path.endswith("/views.py"):
            continue
        source = _package(path)
        for _, names in _imports(tree):
            for name in names:
                target = _imported_package(name)
                if target and target != source and target != "app":
                    graph[source].add(target)
    return graph


def _cycle(graph: dict) -> list | None:
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_packages_depend_one_way():
    cycle = _cycle(_service_graph())
    assert cycle is None, "packages import each other: " + " -> ".join(cycle)


def test_the_layers_point_down():
    graph = _service_graph()
    assert "app.engine" not in graph["app.actions"] | graph["app.caps"]
    assert "app.actions" not in graph["app.caps"]
    for low in ("app.caps", "app.actions", "app.leads", "app.posts", "app.comments"):
        assert not graph[low] & {"app.engine", "app.accounts", "app.campaigns", "app.analytics"}, low


@pytest.mark.parametrize("area", TOP_LEVEL_IMPORTS_ONLY)
def test_no_import_hides_inside_a_function(area):
    hidden = []
    for path, tree in _modules():
        if not (path == area or path.startswith(area + "/")) or path in FACTORY_MODULES:
            continue
        for node, names in _imports(tree):
            if node.col_offset > 0 and any(_imported_package(name) for name in names):
                hidden.append(f"{path}:{node.lineno} {', '.join(names)}")
    assert hidden == [], "imports inside functions: " + "; ".join(hidden)
