"""The `hybrid` code location: assembled here, defined in one folder per concern."""

from dagster import Definitions

from dagster_project.dbt.defs import dbt_definitions
from dagster_project.replication.defs import replication_definitions
from dagster_project.resources.postgres import current_environment, database_resources
from dagster_project.superset.defs import superset_definitions

_env = current_environment()
defs = Definitions.merge(Definitions(resources=database_resources(_env)), replication_definitions(_env),
                          dbt_definitions(_env), superset_definitions(_env))
