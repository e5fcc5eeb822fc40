"""Company roles and row-level security as one Dagster asset, `superset/security`, downstream of every
`superset/dataset/<name>` (its filters cover them all), with a `superset_drift` check like the other objects.

Materializing it applies the roles and filters alone (the datasets must be applied already: the dependency
orders that in the nightly refresh); the check reports roles and filters changed outside the code.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from dagster_project.config.matrix import Environment
from dagster_project.superset import control
from dagster_project.superset.assets import GROUP
from dagster_project.superset.bundle import Bundle
from dagster_project.superset.security import Security

SECURITY_KEY = AssetKey(["superset", "security"])
KINDS = ("role", "rls")


def build_security_asset(env: Environment, security: Security) -> AssetsDefinition:
    deps = [AssetKey(["superset", "dataset", name]) for name in security.datasets]

    @asset(key=SECURITY_KEY, deps=deps, group_name=GROUP, kinds={"superset"},
           description=f"Company roles and row-level security filters ({len(security.roles)} roles on "
                       f"{len(security.datasets)} datasets; superset_assets/security/roles.yaml)")
    def superset_security(context: AssetExecutionContext) -> MaterializeResult:
        """Create or update the roles and their filters on every dataset; idempotent."""
        bundle = control.build(env)
        made = control.apply_security(env, bundle, progress=context.log.info)
        return MaterializeResult(metadata={
            "roles": len(bundle.security.roles) if bundle.security else 0,
            "datasets_filtered": len(bundle.security.filtered) if bundle.security else 0,
            "changes": MetadataValue.json([change.to_json() for change in made])})

    return superset_security


def build_security_check(env: Environment) -> AssetChecksDefinition:
    @asset_check(asset=SECURITY_KEY, name="superset_drift",
                 description="The live roles and RLS filters equal what was last applied")
    def superset_security_drift(context: AssetCheckExecutionContext) -> AssetCheckResult:
        report = control.drift(env)
        changes = [change for change in report.changes if change["type"] in KINDS]
        return AssetCheckResult(passed=not changes, severity=AssetCheckSeverity.WARN,
                                metadata={"changes": MetadataValue.json(changes), "status": report.status})

    return superset_security_drift


def security_definitions(env: Environment,
                         bundle: Bundle) -> tuple[list[AssetsDefinition], list[AssetChecksDefinition]]:
    """The asset and its check, or nothing when the assets have no security/roles.yaml."""
    if bundle.security is None:
        return [], []
    return [build_security_asset(env, bundle.security)], [build_security_check(env)]
