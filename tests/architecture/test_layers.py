"""The package's shape as docs/architecture.md draws it: imports go down the layers with no circle between
packages (every import counted, lazy ones too), the demo-data generator is a tool only its command uses, and
no module grows past what one reader holds in mind."""

from __future__ import annotations

import ast
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "dagster_project"
GENERATOR = "odoo.generator"
MAX_LINES = 400


def _package(module: str) -> str | None:
    """`dagster_project.<package>[...]` -> its package (the generator counts as one of its own)."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "dagster_project" or not (ROOT / parts[1]).is_dir():
        return None
    return GENERATOR if parts[1:3] == ["odoo", "generator"] else parts[1]


def _imports() -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
        found[path] = names
    return found


def _own_package(path: Path) -> str | None:
    return _package(".".join(("dagster_project", *path.relative_to(ROOT).with_suffix("").parts)))


def test_no_package_imports_one_that_imports_it_back() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for path, names in _imports().items():
        me = _own_package(path)
        if me:
            graph[me] |= {p for p in map(_package, names) if p and p != me and p != "dagster_project"}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise AssertionError(f"a circle of package imports: {' -> '.join(exc.args[1])}") from None
    assert order.index("config") < order.index("reports") < order.index("cli")
    assert not graph["config"], "config is the bottom layer: it imports no other package"


def test_the_generator_is_used_by_its_command_only() -> None:
    users = {path.relative_to(ROOT).as_posix() for path, names in _imports().items()
             if _own_package(path) != GENERATOR and GENERATOR in {_package(n) for n in names}}
    assert users == {"cli/odoo_cmd.py"}


def test_no_module_is_longer_than_a_reader_holds() -> None:
    long = {path.relative_to(ROOT).as_posix(): count for path in ROOT.rglob("*.py")
            if (count := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}, "split these by what they hold (docs/architecture.md)"
