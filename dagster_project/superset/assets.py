"""Superset objects as Dagster assets: `superset/dataset/<name>` downstream of its mart (`warehouse/<table>`),
`superset/dashboard/<name>` downstream of the datasets its charts read. Materializing one applies that
object (with what it needs) and refreshes it; drift is an asset check on each of them.

The asset graph is read from the templates without secrets (the database URI is resolved at run time).
"""


from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
    multi_asset_check,
)

from dagster_project.config.matrix import Environment
from dagster_project.deploy.pools import SUPERSET_POOL
from dagster_project.superset import control
from dagster_project.superset.bundle import Bundle, BundleObject, compile_bundle
from dagster_project.superset.templates import load_sources

GROUP = "superset"


def asset_key(obj: BundleObject) -> AssetKey:
    return AssetKey(["superset", obj.kind, obj.name])


def _deps(obj: BundleObject, bundle: Bundle) -> list[AssetKey]:
    if obj.kind == "dataset":
        return [AssetKey([str(obj.body["schema"]), str(obj.body["table_name"])])]
    charts = {c.name: c for c in bundle.of("chart")}
    datasets = {d.name: d for d in bundle.of("dataset")}
    names = sorted({charts[c].body["_dataset"] for c in obj.body["_charts"] if c in charts})
    return [asset_key(datasets[name]) for name in names if name in datasets]


def graph_bundle(env: Environment) -> Bundle:
    """The objects and their links, compiled without resolving the database URI (no secret needed)."""
    return compile_bundle(load_sources(env.name), resolve_uri=False)


def build_superset_assets(env: Environment, bundle: Bundle | None = None) -> AssetsDefinition:
    bundle = bundle or graph_bundle(env)
    objects = [*bundle.of("dataset"), *bundle.of("dashboard")]
    specs = [AssetSpec(asset_key(obj), deps=_deps(obj, bundle), group_name=GROUP, skippable=True,
                       description=f"Superset {obj.kind} '{obj.title}' (superset_assets/{obj.kind}s/{obj.name}.yaml)",
                       kinds={"superset"}) for obj in objects]
    by_key = {asset_key(obj): obj for obj in objects}

    @multi_asset(specs=specs, name="superset_objects", can_subset=True, pool=SUPERSET_POOL)
    def superset_objects(context: AssetExecutionContext) -> Iterator[MaterializeResult]:
        """Apply each selected object (its closure, in one import), refresh it and warm its charts."""
        # Datasets first: a dashboard's result may only follow the datasets it depends on.
        selected = sorted((by_key[key] for key in context.selected_asset_keys),
                          key=lambda obj: (obj.kind != "dataset", asset_key(obj).path))
        full = control.build(env)
        subset = full.closure({(obj.kind, obj.name) for obj in selected})
        result = control.apply(env, subset, partial=len(selected) < len(objects), progress=context.log.info)
        base = env.value("superset", "url").rstrip("/")
        for obj in selected:
            row = result.live[obj.uuid]
            charts = [c for c in subset.of("chart") if c.name in obj.body.get("_charts", [])]
            url = f"{base}/superset/dashboard/{row.id}/" if obj.kind == "dashboard" else \
                f"{base}/explore/?datasource_type=table&datasource_id={row.id}"
            yield MaterializeResult(asset_key=asset_key(obj), metadata={
                "url": MetadataValue.url(url), "changed_on": str(row.changed_on), "superset_id": row.id,
                "chart_count": len(charts), "warnings": len(result.warnings)})

    return superset_objects


def build_drift_checks(env: Environment, bundle: Bundle | None = None) -> AssetChecksDefinition:
    bundle = bundle or graph_bundle(env)
    objects = [*bundle.of("dataset"), *bundle.of("dashboard")]
    members = {obj.uuid: {obj.uuid, *(c.uuid for c in bundle.of("chart") if c.name in obj.body.get("_charts", []))}
               for obj in objects}
    specs = [AssetCheckSpec("superset_drift", asset=asset_key(obj),
                            description="The live object (and a dashboard's charts) equals what was last applied")
             for obj in objects]

    @multi_asset_check(specs=specs, name="superset_drift_checks", can_subset=True)
    def superset_drift_checks(context: AssetCheckExecutionContext) -> Iterator[AssetCheckResult]:
        report = control.drift(env)
        for obj in objects:
            changes = [c for c in report.changes if c["uuid"] in members[obj.uuid]]
            yield AssetCheckResult(asset_key=asset_key(obj), check_name="superset_drift", passed=not changes,
                                   severity=AssetCheckSeverity.WARN,
                                   metadata={"changes": MetadataValue.json(changes), "status": report.status})

    return superset_drift_checks
