"""The control plane's verbs for one environment, wired to the instance matrix: the CLI, Dagster and the
tests call these, so every entry point compiles, validates and records the same way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dagster_project.config.checkout import Checkout, read_checkout
from dagster_project.config.matrix import Environment, load_matrix
from dagster_project.superset.apply import ApplyResult, apply_bundle, apply_security_only
from dagster_project.superset.bundle import Bundle, compile_bundle
from dagster_project.superset.client import SupersetClient
from dagster_project.superset.drift import DriftReport, drift_plan
from dagster_project.superset.live import LiveRow, list_live
from dagster_project.superset.plan import Change, Plan, compute_plan
from dagster_project.superset.state import last_apply
from dagster_project.superset.templates import assets_dir, load_sources, load_values, namespace
from dagster_project.superset.validate import Problem, ValidationFailed, load_marts, validate

Progress = Callable[[str], None]


def environment(name: str) -> Environment:
    return load_matrix().resolve(name)


def build(env: Environment, *, assets: Path | None = None, resolve_uri: bool = True,
          manifest: Path | None = None) -> Bundle:
    """Render, compile and validate; a bundle that fails validation never reaches Superset."""
    bundle = compile_bundle(load_sources(env.name, assets), resolve_uri=resolve_uri)
    problems = check(bundle, manifest)
    if problems:
        raise ValidationFailed(problems)
    return bundle


def check(bundle: Bundle, manifest: Path | None = None) -> list[Problem]:
    return validate(bundle, load_marts(manifest))


def client(env: Environment) -> SupersetClient:
    return SupersetClient.for_environment(env)


def state_dsn(env: Environment) -> str:
    """The ops role's connection: the apply records and the drift log live in schema `ops`."""
    return env.value("supabase", "ops_url")


def meta_dsn(env: Environment) -> str | None:
    """Superset's metadata database, if the environment names it: the only place `external_url` is readable."""
    return env.optional_value("superset", "meta_db_url")


def live_rows(env: Environment) -> dict[str, LiveRow]:
    """The cheap listing of the live instance (what a plan starts from, and what an MCP plan id pins)."""
    with client(env) as api:
        return list_live(api)


def plan(env: Environment, bundle: Bundle, live: dict[str, LiveRow] | None = None,
         source: Checkout | None = None) -> Plan:
    """`source`: the code the bundle was compiled from when it is not the checkout (a branch's commit)."""
    with client(env) as api:
        return compute_plan(bundle, api, last_apply(state_dsn(env), bundle.env), live=live, meta_dsn=meta_dsn(env),
                            source=source or read_checkout())


def apply(env: Environment, bundle: Bundle, *, prune: bool = False, approve: bool = False, partial: bool = False,
          progress: Progress = lambda _: None, live: dict[str, LiveRow] | None = None,
          source: Checkout | None = None) -> ApplyResult:
    with client(env) as api:
        return apply_bundle(bundle, api, state_dsn(env), prune=prune, protected=env.protected, approve=approve,
                            partial=partial, progress=progress, meta_dsn=meta_dsn(env),
                            source=source or read_checkout(), deploy_branch=env.deploy_branch, live=live)


def apply_security(env: Environment, bundle: Bundle, *, prune: bool = False, approve: bool = False,
                   progress: Progress = lambda _: None) -> list[Change]:
    """Company roles and RLS filters alone, over datasets already applied (the `superset/security` asset)."""
    with client(env) as api:
        return apply_security_only(bundle, api, state_dsn(env), prune=prune, protected=env.protected,
                                   approve=approve, progress=progress, source=read_checkout(),
                                   deploy_branch=env.deploy_branch)


def drift(env: Environment, assets: Path | None = None) -> DriftReport:
    key = namespace(env.name, load_values((assets or assets_dir()).resolve(), env.name))
    with client(env) as api:
        return drift_plan(api, last_apply(state_dsn(env), key), env=env.name, meta_dsn=meta_dsn(env))
