"""The `hybrid` code location: assembled here, defined in one folder per concern."""

from dagster import Definitions, in_process_executor

from dagster_project.dbt.defs import dbt_definitions
from dagster_project.live.defs import live_definitions
from dagster_project.ocr.defs import ocr_definitions
from dagster_project.ops.defs import ops_definitions
from dagster_project.replication.defs import replication_definitions
from dagster_project.reports.defs import reports_definitions
from dagster_project.resources.postgres import current_environment, database_resources
from dagster_project.superset.defs import superset_definitions
from dagster_project.warehouse.defs import warehouse_definitions
from dagster_project.webhooks.defs import webhooks_definitions

_env = current_environment()
# Steps run in the run worker's own process: a second process per step would load the code location again
# (several seconds of dagster-dbt imports) before dbt even starts, and 2 cores gain nothing from it.
defs = Definitions.merge(
    Definitions(resources=database_resources(_env), executor=in_process_executor),
    replication_definitions(_env), dbt_definitions(_env), superset_definitions(_env), ops_definitions(_env),
    ocr_definitions(_env), live_definitions(_env), webhooks_definitions(_env), reports_definitions(_env.name),
    warehouse_definitions(_env),
)
