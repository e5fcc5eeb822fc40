"""The replication part of the code location: assets, sensor, checks and the replication connection."""

from __future__ import annotations

from dagster import Definitions

from dagster_project.config.matrix import Environment
from dagster_project.replication.assets import replicated_asset_specs
from dagster_project.replication.checks import build_replication_checks
from dagster_project.replication.config import ReplicationConfig, load_config
from dagster_project.replication.sensors import build_replication_sensor
from dagster_project.replication.verify_checks import build_verify_check, build_verify_schedules
from dagster_project.resources.postgres import env_resource


def replication_definitions(env: Environment, config: ReplicationConfig | None = None) -> Definitions:
    config = config or load_config()
    verify_check = build_verify_check(config, env.name)
    return Definitions(
        assets=replicated_asset_specs(config, env.name),
        sensors=[build_replication_sensor(config)],
        asset_checks=[build_replication_checks(config, env.name), verify_check],
        schedules=build_verify_schedules(verify_check),
        resources={"odoo_replication": env_resource(env, "odoo", "replication_url")},
    )
