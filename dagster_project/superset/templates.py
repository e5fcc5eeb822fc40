"""Reading `superset_assets/`: per-environment values and the Jinja2 templates of datasets, charts and dashboards.

The templates use `[[ ]]`, `[% %]` and `[# #]` so that Superset's own `{{ }}` Jinja (in dataset SQL, say)
passes through untouched. They render in Jinja's sandbox: a template is code from the repository, but text
adopted from Superset ends up in it, and `literal()` keeps that text data. Every error names the file and
the line, so a broken template is fixed at once.
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jinja2
import jinja2.sandbox
import yaml
from pydantic import BaseModel, ValidationError

from dagster_project import paths

KINDS = ("datasets", "charts", "dashboards")
# What each opening delimiter renders from: `literal()` writes `[[ delimiters.variable ]]` for `[[`.
DELIMITERS = {"variable": "[[", "block": "[%", "comment": "[#"}
_OPENER_NAMES = {opener: name for name, opener in DELIMITERS.items()}
_OPENERS = re.compile("|".join(map(re.escape, _OPENER_NAMES)))


ModelT = TypeVar("ModelT", bound=BaseModel)


class AssetError(Exception):
    """A template or values file is broken: `path:line: message`."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path, self.line, self.message = Path(path), line, message
        super().__init__(f"{path}{f':{line}' if line else ''}: {message}")


def validated(model: type[ModelT], document: Any, path: Path) -> ModelT:
    """`document` as `model`, or an AssetError naming the first wrong field by its place in the file
    (`roles.1.companies: List should have at least 1 item`) and the line where that key is written."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "the file"
        keys = [part for part in error["loc"] if isinstance(part, str)]
        line = line_of(path, f"{keys[-1]}:") if keys else None
        given = f"; got {error['input']!r}" if error["type"] != "missing" else ""
        raise AssetError(path, line, f"{where}: {error['msg']}{given}") from None


def line_of(path: Path | None, token: str) -> int | None:
    """The first template line that mentions `token`: good enough to jump to the mistake."""
    if path is None or not path.exists():
        return None
    lines = path.read_text().splitlines()
    as_value = re.compile(rf"[:\[,{{-]\s*{re.escape(token)}(?![A-Za-z0-9_])")  # `x_axis: bucket`, `[a, bucket]`
    anywhere = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(token)}(?![A-Za-z0-9_])")
    for pattern in (as_value, anywhere):
        for number, text in enumerate(lines, start=1):
            if pattern.search(text):
                return number
    return None


@dataclass(frozen=True)
class Source:
    """One rendered template: its kind (datasets, charts, dashboards), logical name (file stem) and spec."""

    kind: str
    name: str
    path: Path
    spec: dict[str, Any]


@dataclass(frozen=True)
class AssetSources:
    root: Path
    env: str
    values: dict[str, Any]
    sources: tuple[Source, ...]

    @property
    def namespace(self) -> str:
        return namespace(self.env, self.values)

    def of(self, kind: str) -> dict[str, Source]:
        return {source.name: source for source in self.sources if source.kind == kind}


def assets_dir() -> Path:
    """`superset_assets/` in the checkout, or HYBRID_SUPERSET_ASSETS (tests point it at a copy)."""
    return Path(os.environ.get("HYBRID_SUPERSET_ASSETS", paths.PROJECT_ROOT / "superset_assets"))


def namespace(env: str, values: dict[str, Any]) -> str:
    """Whose objects these are: UUIDs, the ownership marker and the apply record are keyed by it. The
    environment's name unless the values set `namespace` (two namespaces can share one Superset)."""
    return str(values.get("namespace") or env)


def literal(text: str) -> str:
    """Template text that renders to `text` itself: every opening delimiter becomes an expression that
    yields it. The escape has no quotes or backslashes, so YAML's quoting cannot change it."""
    return _OPENERS.sub(lambda m: f"[[ delimiters.{_OPENER_NAMES[m.group()]} ]]", text)


def jinja_environment(root: Path) -> jinja2.Environment:
    return jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(root)), undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
        block_start_string="[%", block_end_string="%]", variable_start_string="[[", variable_end_string="]]",
        comment_start_string="[#", comment_end_string="#]", autoescape=False,  # YAML, not HTML
    )


def load_values(root: Path, env: str) -> dict[str, Any]:
    path = root / "environments" / f"{env}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in (root / "environments").glob("*.yaml"))
        raise AssetError(path, None, f"no values for environment '{env}'; known: {', '.join(known) or 'none'}")
    values = parse_yaml(path.read_text(), path)
    if not isinstance(values, dict):
        raise AssetError(path, 1, "a values file must be a mapping")
    return values


def load_sources(env: str, root: Path | None = None) -> AssetSources:
    """Render every template of `root` with the values of `env`."""
    root = (root or assets_dir()).resolve()
    if not root.is_dir():
        raise AssetError(root, None, "directory not found; fix: pass --assets (or set HYBRID_SUPERSET_ASSETS) "
                                     "to a superset_assets directory with environments/, datasets/, charts/")
    values = load_values(root, env)
    jinja = jinja_environment(root)
    sources = []
    for kind in KINDS:
        for path in sorted((root / kind).glob("*.yaml")):
            spec = parse_yaml(render(jinja, root, path, values), path)
            if not isinstance(spec, dict):
                raise AssetError(path, 1, f"a {kind[:-1]} template must render to a YAML mapping")
            sources.append(Source(kind, path.stem, path, spec))
    return AssetSources(root, env, values, tuple(sources))


def render(jinja: jinja2.Environment, root: Path, path: Path, values: dict[str, Any]) -> str:
    name = path.relative_to(root).as_posix()
    try:
        return jinja.get_template(name).render(**values, delimiters=DELIMITERS)
    except jinja2.sandbox.SecurityError as exc:
        raise AssetError(path, _template_line(exc, path), f"unsafe template expression refused: {exc}") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise AssetError(path, exc.lineno, f"template syntax error: {exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise AssetError(path, _template_line(exc, path), f"{exc.message} (define it in environments/*.yaml)") from exc


# libyaml's safe loader is several times faster: the code location parses every template when it loads
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, path: Path) -> Any:
    try:
        return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader: libyaml's when built with it)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise AssetError(path, mark.line + 1 if mark else None, f"invalid YAML: {problem}") from exc


def _template_line(exc: BaseException, path: Path) -> int | None:
    """Jinja rewrites tracebacks so that template frames carry the template's file and line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path.resolve()]
    return frames[-1].lineno if frames else None
