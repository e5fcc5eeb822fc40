"""`hybrid apply`: one atomic import, then dataset refreshes, chart cache warm-ups, optional pruning of
managed orphans, company roles and row-level security filters, and a record of what the instance looks like
afterwards (the baseline of plan and drift).

Security is written in the order that never shows a company another's rows: roles, then filters (on every
dataset), then the roles' dataset access; pruning removes a role before its filter."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dagster_project.config.checkout import Checkout
from dagster_project.config.gate import check_gate
from dagster_project.superset.bundle import Bundle
from dagster_project.superset.client import SupersetClient, SupersetError
from dagster_project.superset.live import LiveRow, export_normalized, list_live
from dagster_project.superset.plan import PRUNABLE, Change, Plan, compute_plan, dataset_ids, security_changes
from dagster_project.superset.security import Security
from dagster_project.superset.security_live import RLS, ROLES, LiveSecurity, permission_ids, read_security
from dagster_project.superset.state import Record, last_apply, record_apply
from dagster_project.superset.templates import AssetError

Progress = Callable[[str], None]


@dataclass
class ApplyResult:
    env: str
    bundle_hash: str
    plan: Plan
    live: dict[str, LiveRow]
    warnings: list[str] = field(default_factory=list)
    pruned: list[Change] = field(default_factory=list)
    seconds: float = 0.0
    roles: int = 0
    filtered_datasets: int = 0

    def summary(self) -> str:
        security = (f", {self.roles} company roles with row-level security on {self.filtered_datasets} datasets"
                    if self.roles else "")
        pruned = f", pruned {len(self.pruned)}" if self.pruned else ""
        return f"applied {len(self.live)} objects{security} to {self.env} in {self.seconds:.1f}s{pruned}"

    def to_json(self) -> dict[str, Any]:
        return {"env": self.env, "bundle_hash": self.bundle_hash, "plan": self.plan.to_json(),
                "objects": len(self.live), "roles": self.roles, "filtered_datasets": self.filtered_datasets,
                "warnings": self.warnings,
                "pruned": [c.to_json() for c in self.pruned], "seconds": round(self.seconds, 2)}


def apply_bundle(bundle: Bundle, client: SupersetClient, state_dsn: str, *, prune: bool = False,
                 protected: bool = False, approve: bool = False, partial: bool = False,
                 progress: Progress = lambda _: None, meta_dsn: str | None = None, source: Checkout | None = None,
                 deploy_branch: str = "main", live: dict[str, LiveRow] | None = None) -> ApplyResult:
    """Apply `bundle`; `partial` (one Dagster asset's closure) keeps the record of the other objects;
    `meta_dsn` (Superset's metadata database) lets the record hold each object's `external_url` too;
    `source` is the checkout the bundle was compiled from, recorded with the apply; `live` is a listing the
    caller just read (the MCP gate), so the plan does not read it again."""
    check_gate(bundle.env, protected, approve, source, deploy_branch)
    started = time.monotonic()
    record = last_apply(state_dsn, bundle.env)
    plan = compute_plan(bundle, client, record, live, with_orphans=not partial, meta_dsn=meta_dsn, source=source)
    progress(f"importing {len(bundle.objects)} objects into {client.url} in one transaction")
    client.import_bundle(bundle.zip_bytes(), bundle.passwords(), name=f"{bundle.env} bundle {bundle.digest()[:12]}")
    ours = _applied_rows(bundle, list_live(client))
    failures = refresh_datasets(client, [r for r in ours.values() if r.kind == "dataset"], progress)
    failures += warm_charts(client, [r for r in ours.values() if r.kind == "chart"], progress)
    pruned = prune_orphans(client, plan, progress) if prune else []
    security = record.security
    if bundle.security:
        security, made = apply_security(bundle, client, record, prune=prune, progress=progress)
        pruned += [change for change in made if change.action == "delete"]
    ours = _applied_rows(bundle, list_live(client))  # after refreshes: what the record must show
    progress(f"recording the applied state of {len(ours)} objects")
    exported = export_normalized(client, ours.values(), meta_dsn)
    objects = dict(record.objects) if partial else {}
    for obj in bundle.objects:
        row = ours[obj.uuid]
        objects[obj.uuid] = {"kind": obj.kind, "name": obj.name, "title": row.title, "id": row.id,
                             "changed_on": row.changed_on, "live": exported.get(obj.uuid, {})}
    for change in pruned:
        objects.pop(change.uuid, None)
    record_apply(state_dsn, bundle.env, bundle.digest(), objects, security, source)
    return ApplyResult(bundle.env, bundle.digest(), plan, ours, failures, pruned, time.monotonic() - started,
                       roles=len(bundle.security.roles) if bundle.security else 0,
                       filtered_datasets=len(bundle.security.filtered) if bundle.security else 0)


def _applied_rows(bundle: Bundle, live: dict[str, LiveRow]) -> dict[str, LiveRow]:
    missing = [f"{obj.kind} '{obj.name}'" for obj in bundle.objects if obj.uuid not in live]
    if missing:
        raise SupersetError("asset import", None, f"imported, yet missing afterwards: {', '.join(missing)}; "
                            "a name collision may have taken over another object (see docs/dashboards-as-code.md)")
    return {obj.uuid: live[obj.uuid] for obj in bundle.objects}


def refresh_datasets(client: SupersetClient, datasets: list[LiveRow], progress: Progress) -> list[str]:
    """Re-read each dataset's columns; a missing mart (dbt not run yet) is reported, not fatal."""
    failures = []
    for row in datasets:
        progress(f"refreshing dataset '{row.title}'")
        try:
            client.refresh_dataset(row.id)
        except SupersetError as exc:
            failures.append(f"dataset '{row.title}': {exc} (has dbt built the mart? `dbt build`, then apply again)")
    return failures


def warm_charts(client: SupersetClient, charts: list[LiveRow], progress: Progress) -> list[str]:
    """Run every chart's query once so the first viewer hits a warm cache; failures are reported, not fatal."""
    failures = []
    for row in charts:
        try:
            results = client.warm_up_chart(row.id)
        except SupersetError as exc:
            failures.append(f"chart '{row.title}': {exc}")
            continue
        failures += [f"chart '{row.title}': {r['viz_error']}" for r in results if r.get("viz_error")]
    progress(f"warmed {len(charts) - len(failures)}/{len(charts)} chart caches")
    return failures


def prune_orphans(client: SupersetClient, plan: Plan, progress: Progress) -> list[Change]:
    deletions = sorted((c for c in plan.changes if c.action == "delete" and c.kind in PRUNABLE),
                       key=lambda c: PRUNABLE.index(c.kind))
    for change in deletions:
        progress(f"deleting {change.kind} '{change.title}' (no longer in code)")
        client.delete(change.kind, int(change.id or 0), change.title)
    return deletions


def apply_security_only(bundle: Bundle, client: SupersetClient, state_dsn: str, *, prune: bool = False,
                        protected: bool = False, approve: bool = False, progress: Progress = lambda _: None,
                        source: Checkout | None = None, deploy_branch: str = "main") -> list[Change]:
    """Roles and RLS filters alone, over datasets applied earlier (the Dagster `superset/security` asset);
    the record keeps its objects and gets the new security state. Returns the changes made."""
    check_gate(bundle.env, protected, approve, source, deploy_branch)
    record = last_apply(state_dsn, bundle.env)
    security, made = apply_security(bundle, client, record, prune=prune, progress=progress)
    record_apply(state_dsn, bundle.env, record.bundle_hash or bundle.digest(), record.objects, security, source)
    return made


def apply_security(bundle: Bundle, client: SupersetClient, record: Record, *, prune: bool = False,
                   progress: Progress = lambda _: None) -> tuple[dict[str, dict[str, Any]], list[Change]]:
    """Roles and RLS filters of a whole bundle whose datasets are in Superset; returns the security record
    (what plan and drift compare with next time) and the changes made (deletions only with `prune`)."""
    security = bundle.security
    if security is None:
        raise ValueError("a partial bundle carries no security state: apply the whole bundle")
    datasets = dataset_ids(bundle, list_live(client, ["dataset"]))
    missing = sorted(set(security.datasets) - set(datasets.values()))
    if missing:
        raise SupersetError("row-level security", None, f"dataset(s) {', '.join(missing)} are not in Superset yet; "
                            "fix: apply them first (`hybrid apply`, or materialize their superset/dataset assets)")
    changes, _, live = security_changes(security, client, datasets, record.security, with_orphans=prune)
    roles = dict(live.role_ids)
    todo = [c for c in changes if c.action != "delete"]
    pvms = _permission_ids(security, client, datasets) if any(c.kind == "role" for c in todo) else {}
    by_logical = {role.logical: role for role in security.roles}
    table_ids = {name: pk for pk, name in datasets.items()}
    for change in (c for c in todo if c.kind == "role" and c.action == "create"):
        progress(f"creating role '{change.title}'")
        roles[change.title] = client.create(ROLES, {"name": change.title}, change.title)
    for change in (c for c in todo if c.kind == "rls"):
        role = by_logical[change.name]
        body = security.rls_body(role)
        payload = {key: body[key] for key in ("name", "filter_type", "clause", "group_key", "description")}
        payload |= {"roles": [roles[role.name]], "tables": [table_ids[name] for name in security.filtered]}
        progress(f"{'creating' if change.action == 'create' else 'updating'} row-level security '{role.name}': "
                 f"{payload['clause']} on {len(payload['tables'])} dataset(s)")
        if change.action == "create":
            client.create(RLS, payload, role.name)
        else:
            client.update(RLS, int(change.id or 0), payload, role.name)
    for change in (c for c in todo if c.kind == "role"):
        body = security.role_body(by_logical[change.name])
        progress(f"granting role '{change.title}' {len(body['permissions'])} permissions")
        client.set_role_permissions(roles[change.title], [pvms[label] for label in body["permissions"]], change.title)
    deleted = _prune_security(client, [c for c in changes if c.action == "delete"], progress)
    return _security_record(security, client, datasets, record, deleted), [*todo, *deleted]


def _permission_ids(security: Security, client: SupersetClient, datasets: dict[int, str]) -> dict[str, int]:
    """Every permission the roles need, resolved before anything is written: a typo stops the apply whole."""
    known = permission_ids(client, datasets)
    wanted = {label for role in security.roles for label in security.role_body(role)["permissions"]}
    unknown = sorted(wanted - set(known))
    if unknown:
        raise AssetError(security.path, None, f"permission(s) unknown to this Superset ({client.url}): "
                         f"{'; '.join(unknown)}; fix the `permissions:` list (names as in Settings > List Roles)")
    return known


def _prune_security(client: SupersetClient, deletions: list[Change], progress: Progress) -> list[Change]:
    """Roles first: a filter removed before its role would leave that role reading every company's rows."""
    ordered = sorted(deletions, key=lambda c: c.kind != "role")
    for change in ordered:
        progress(f"deleting {change.kind} '{change.title}' (no longer in code)")
        client.delete(ROLES if change.kind == "role" else RLS, int(change.id or 0), change.title)
    return ordered


def _security_record(security: Security, client: SupersetClient, datasets: dict[int, str], record: Record,
                     deleted: list[Change]) -> dict[str, dict[str, Any]]:
    """The applied roles and filters as Superset now has them, plus earlier ones the code dropped but that were
    not pruned (so a later `--prune` still knows them)."""
    gone = {({"role": "roles"}.get(c.kind, c.kind), c.title) for c in deleted}
    kept = {kind: {logical: entry for logical, entry in (record.security.get(kind) or {}).items()
                   if (kind, entry["name"]) not in gone} for kind in ("roles", "rls")}
    names = [*(role.name for role in security.roles), *(e["name"] for e in kept["roles"].values())]
    live: LiveSecurity = read_security(client, datasets, names)
    out: dict[str, dict[str, Any]] = {"roles": {}, "rls": {}}
    for logical, entry in kept["roles"].items():
        if entry["name"] in live.roles:
            out["roles"][logical] = {**entry, "live": live.roles[entry["name"]]}
    for logical, entry in kept["rls"].items():
        if entry["name"] in live.filters:
            out["rls"][logical] = {**entry, "live": live.filters[entry["name"]].body}
    for role in security.roles:
        out["roles"][role.logical] = {"name": role.name, "id": live.role_ids[role.name], "live": live.roles[role.name]}
        found = live.filters[role.name]
        out["rls"][role.logical] = {"name": role.name, "id": found.id, "live": found.body}
    return out
