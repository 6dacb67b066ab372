"""The package's shape, as a maintainer taking it over would want it: stages findable by file
name, no import cycles (function-level imports included), no long functions without a reason,
and no silent fallbacks around the toolkit's own modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "toolkit"
LONG_FUNCTION = 100  # lines
# A function may be longer when the reason is written beside it, on or just above its `def`.
REASON_MARK = "long function:"


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the toolkit modules it imports anywhere in its body (functions included)."""
    mods = modules()
    graph: dict[str, set[str]] = {name: set() for name in mods}
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("toolkit"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    targets.append(sub if sub in mods else node.module)
            elif isinstance(node, ast.Import):
                targets += [a.name for a in node.names if a.name.startswith("toolkit")]
            graph[name].update(t for t in targets if t in mods and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
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


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles_among_the_toolkit_modules():
    assert cycles(import_graph()) == []


def test_every_pipeline_stage_is_found_by_its_folder_name():
    stages = ["ingest", "privacy", "segment", "coding", "topics", "outcomes", "reports"]
    for stage in stages:
        assert (PACKAGE / stage / "__init__.py").exists(), stage
    assert (PACKAGE / "privacy" / "redact.py").exists()
    assert (PACKAGE / "coding" / "refiqda").is_dir()
    assert (PACKAGE / "outcomes" / "link.py").exists()


def long_functions() -> list[str]:
    found = []
    for name, path in modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            length = node.end_lineno - node.lineno + 1
            if length <= LONG_FUNCTION:
                continue
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            near = " ".join(lines[max(first - 3, 0) : node.lineno])
            if REASON_MARK not in near:
                found.append(f"{name}.{node.name} ({length} lines)")
    return found


def test_no_function_runs_past_100_lines_without_a_reason_beside_it():
    assert long_functions() == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_the_toolkits_own_modules_are_never_imported_behind_a_silent_fallback(name):
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        caught = {
            getattr(h.type, "id", getattr(h.type, "attr", "")) for h in node.handlers if h.type
        }
        if not caught & {"ImportError", "ModuleNotFoundError"}:
            continue
        for inner in node.body:
            for sub in ast.walk(inner):
                if isinstance(sub, ast.ImportFrom):
                    assert not (sub.module or "").startswith("toolkit"), (name, sub.lineno)
