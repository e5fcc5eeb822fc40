"""The `hybrid` code location: assembled here, defined in one folder per concern."""

from dagster import Definitions

from dagster_project.resources.postgres import current_environment, database_resources

defs = Definitions(resources=database_resources(current_environment()))
