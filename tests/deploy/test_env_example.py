""".env.example against docker-compose.yml and the instance matrix: every variable listed and used, no secret
value in it, and the matrix's variables for the served environment pointing at the compose services."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dagster_project.config.matrix import Environment
from dagster_project.config.roles import DATABASES, READER_DATABASE, READER_ROLE, REPLICATION_ROLES
from dagster_project.deploy.initdb import PASSWORD_VARIABLES, database_name
from dagster_project.deploy.instance import POSTGRES_CA, STORAGE_VARIABLES
from dagster_project.superset.templates import load_sources
from tests.deploy.compose import (
    COMPOSE_FILE,
    MissingRequired,
    environment,
    load_compose,
    postgres_url,
    referenced,
    resolve_env,
)
from tests.deploy.conftest import FILLED_IN, OPTIONAL

SECRET = re.compile(r"(PASSWORD|_PASS|SECRET|HASH)")


def test_every_compose_variable_is_listed_and_every_listed_variable_is_used(env_raw: dict[str, str]) -> None:
    used_by_compose = set(referenced(COMPOSE_FILE.read_text()))
    used_by_env = {name for text in env_raw.values() if not text.startswith("'") for name in referenced(text)}
    assert sorted(used_by_compose - set(env_raw)) == []  # Compose would read them from nowhere
    assert sorted(set(env_raw) - used_by_compose - used_by_env) == []  # listed but read by nothing
    assert sorted(used_by_env - set(env_raw)) == []  # a .env line reusing a variable defined nowhere


def test_the_example_holds_no_secret_value(env_raw: dict[str, str]) -> None:
    secrets = {name: text for name, text in env_raw.items() if SECRET.search(name)}
    assert set(secrets) >= set(PASSWORD_VARIABLES.values()) | {"POSTGRES_PASSWORD", "SUPERSET_SECRET_KEY"}
    for name, text in secrets.items():
        assert text == "" or re.fullmatch(r"\$\{[A-Z0-9_]+\}", text), f"{name}={text}"
    for name, text in env_raw.items():
        assert not re.search(r"://[^:/\s]+:[^$@\s]+@", text), f"{name} has a literal password in its URL"


def test_compose_stops_on_each_value_left_empty(env_raw: dict[str, str]) -> None:
    for name in FILLED_IN:
        values = resolve_env(env_raw, {k: v for k, v in FILLED_IN.items() if k != name})
        with pytest.raises(MissingRequired, match=rf"\b{name}\b|{_first_dependent(name, env_raw)}"):
            load_compose(values)


def _first_dependent(name: str, env_raw: dict[str, str]) -> str:
    """A secret used only inside other .env values (e.g. in a URL) surfaces through the first of them."""
    return "|".join(re.escape(k) for k, text in env_raw.items() if name in referenced(text)) or re.escape(name)


def test_the_matrix_variables_point_at_the_compose_services(env_values: dict[str, str], compose: dict[str, Any],
                                                            served: Environment) -> None:
    postgres = compose["services"]["postgres"]
    init_passwords = environment(postgres)  # what docker/postgres/initdb.d/10-hybrid.sh sets for each role
    owners = {spec.name: spec.owner for spec in DATABASES}
    expected = {
        served.odoo.variables["db_url"][0]: (served.odoo.role, served.odoo.database, PASSWORD_VARIABLES["odoo"]),
        served.odoo.variables["replication_url"][0]: (REPLICATION_ROLES[0], served.odoo.database,
                                                      PASSWORD_VARIABLES[REPLICATION_ROLES[0]]),
        served.supabase.variables["db_url"][0]: (served.supabase.role, served.supabase.database, "POSTGRES_PASSWORD"),
        served.superset.variables["meta_db_url"][0]: (owners["superset_meta"], "superset_meta",
                                                       PASSWORD_VARIABLES[owners["superset_meta"]]),
        load_sources(served.name).values["database"]["uri_env"]: (READER_ROLE, database_name(READER_DATABASE),
                                                                   PASSWORD_VARIABLES[READER_ROLE]),
        **{served.supabase.variables[f"{job}_url"][0]: (job, served.supabase.database, PASSWORD_VARIABLES[job])
           for job in ("dbt", "ocr", "ops")},
    }
    for variable, (role, database, password_variable) in expected.items():
        url = postgres_url(env_values[variable])
        assert (url["host"], url["port"], url["user"], url["database"]) == ("postgres", 5432, role, database), variable
        assert url["password"] == init_passwords[password_variable], f"{variable} vs {password_variable}"
        # the server is verified against the CA the postgres service made (mounted where the clients read it)
        assert url["params"] == {"sslmode": "verify-full", "sslrootcert": POSTGRES_CA}, variable
    assert env_values[served.superset.variables["url"][0]] == served.superset.url
    assert env_values[served.superset.variables["admin_user"][0]] == "admin"


def test_dagster_storage_is_the_compose_dagster_database(env_values: dict[str, str], compose: dict[str, Any]) -> None:
    storage = {field: env_values[variable] for field, variable in STORAGE_VARIABLES.items()}
    dagster_db = next(spec for spec in DATABASES if spec.name == "dagster")
    assert storage == {"hostname": "postgres", "port": "5432", "username": dagster_db.owner,
                       "password": environment(compose["services"]["postgres"])[PASSWORD_VARIABLES["dagster"]],
                       "db_name": dagster_db.name}


def test_optional_variables_are_the_only_empty_ones(env_raw: dict[str, str]) -> None:
    """What an operator must fill in, and nothing else, is empty."""
    assert {name for name, text in env_raw.items() if text == ""} == set(FILLED_IN) | OPTIONAL
