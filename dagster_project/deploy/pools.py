"""The instance's concurrency pools: the names the assets carry (`pool=...`) and their limits.

dagster.yaml can hold only the default limit of a pool (`concurrency.pools.default_limit`); a pool's own
limit lives in the instance storage. `apply_pool_limits` sets them at start-up: `hybrid stack up` locally,
the compose `dagster-prepare` service in a deployment (both through `dagster_project.deploy.prepare`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports the pool names without loading Dagster
    from dagster import DagsterInstance

# Every dbt build writes the warehouse's analytics and warehouse schemas: one at a time, across all runs.
DBT_POOL = "dbt_warehouse"
# Superset API work (apply, refresh, warm-up): two at once keep one Superset worker responsive.
SUPERSET_POOL = "superset"
POOL_LIMITS: Mapping[str, int] = {DBT_POOL: 1, SUPERSET_POOL: 2}
# A pool nobody configured yet (a new asset family) runs one op at a time until it is given a limit here.
DEFAULT_POOL_LIMIT = 1


class PoolError(RuntimeError):
    """The instance storage cannot hold pool limits."""


def apply_pool_limits(instance: DagsterInstance, limits: Mapping[str, int] = POOL_LIMITS) -> dict[str, int]:
    """Set each pool's limit (idempotent) and return the limits the storage now holds for them."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        raise PoolError(f"the instance storage ({type(storage).__name__}) cannot hold concurrency pool limits; "
                        "use dagster-postgres storage (dagster.yaml `storage: postgres:`)")
    for pool, limit in limits.items():
        storage.set_concurrency_slots(pool, limit)
    return {pool.name: pool.limit for pool in storage.get_pool_limits() if pool.name in limits}
