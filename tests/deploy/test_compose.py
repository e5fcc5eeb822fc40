"""docker-compose.yml, checked without Docker: the Compose specification, images, health checks and the order
services start in, what runs get, the Postgres server settings, and the ports against the instance matrix."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from typing import Any

import jsonschema
import yaml

from dagster_project.config.matrix import Environment
from dagster_project.deploy import instance
from dagster_project.stack.postgres import SERVER_SETTINGS
from dagster_project.stack.superset_venv import SUPERSET_VERSION
from dagster_project.superset.templates import load_sources
from tests.deploy.compose import CADDYFILE, ROOT, caddy_routes, environment, postgres_url, raw_compose

LONG_RUNNING = {"postgres", "odoo", "superset", "dagster-code", "dagster-webserver", "dagster-daemon", "caddy", "mcp",
                "live-worker", "webhooks"}
ONE_SHOT = {"odoo-init", "superset-init", "dagster-prepare"}
PROJECT_IMAGE_SERVICES = {"dagster-prepare", "dagster-code", "dagster-webserver", "dagster-daemon", "hybrid", "mcp",
                          "live-worker", "webhooks"}


def test_the_file_is_valid_against_the_compose_specification() -> None:
    schema_file = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    validator = jsonschema.Draft202012Validator(json.loads(schema_file.read_text()))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(raw_compose())]
    assert errors == []


def test_services_run_real_pinned_images_or_the_project_build(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == LONG_RUNNING | ONE_SHOT | {"hybrid"}
    assert services["postgres"]["image"] == "postgres:17"
    assert services["odoo"]["image"] == services["odoo-init"]["image"] == "odoo:19"
    assert services["caddy"]["image"] == "caddy:2"
    for name in PROJECT_IMAGE_SERVICES:
        assert services[name]["build"] == {"context": ".", "dockerfile": "Dockerfile"}, name
        assert services[name]["image"] == "hybrid-platform:local", name
    superset_dockerfile = (ROOT / "docker" / "superset" / "Dockerfile").read_text()
    assert re.search(rf"^FROM apache/superset:{re.escape(SUPERSET_VERSION)}$", superset_dockerfile, re.M)
    for name in ("superset", "superset-init"):
        assert services[name]["build"] == "./docker/superset" and services[name]["image"].endswith(SUPERSET_VERSION)


def test_long_running_services_are_health_checked_and_dependents_wait_for_them(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in LONG_RUNNING:
        assert services[name]["restart"] == "unless-stopped", name
        assert services[name]["healthcheck"]["test"], name
    for name in ONE_SHOT:
        assert services[name]["restart"] == "no" and "healthcheck" not in services[name], name
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            wanted = "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
            assert rule["condition"] == wanted, f"{name} -> {dependency}"
    assert "/web/login" in " ".join(services["odoo"]["healthcheck"]["test"])
    assert "/health" in " ".join(services["superset"]["healthcheck"]["test"])
    # Odoo starts only on an installed database, the UIs only once the instance storage is ready.
    assert services["odoo"]["depends_on"] == {"odoo-init": {"condition": "service_completed_successfully"}}
    prepared = {"dagster-prepare": {"condition": "service_completed_successfully"}}
    assert services["dagster-code"]["depends_on"] == prepared
    for name in ("dagster-webserver", "dagster-daemon"):
        assert services[name]["depends_on"] == {**prepared, "dagster-code": {"condition": "service_healthy"}}
    assert services["dagster-prepare"]["command"] == ["python", "-m", "dagster_project.deploy.prepare"]


def test_postgres_runs_the_local_stack_server_settings_with_tls(compose: dict[str, Any]) -> None:
    command = compose["services"]["postgres"]["command"]
    assert command[0] == "postgres" and command[1::2] == ["-c"] * (len(command) // 2)
    settings = dict(arg.split("=", 1) for arg in command[2::2])
    assert {key: value.strip("'") for key, value in SERVER_SETTINGS.items()}.items() <= settings.items()
    assert settings["wal_level"] == "logical"
    assert settings["ssl"] == "on"
    tls_volume = next(v for v in compose["services"]["postgres"]["volumes"] if v.startswith("postgres-tls:"))
    assert settings["ssl_key_file"].startswith(tls_volume.split(":")[1] + "/")


def test_only_the_proxy_publishes_a_port(compose: dict[str, Any]) -> None:
    published = {name: s["ports"] for name, s in compose["services"].items() if s.get("ports")}
    assert published == {"caddy": ["80:80", "443:443", "443:443/udp"]}


def test_the_proxy_serves_the_matrix_urls_from_the_services_ports(compose: dict[str, Any], served: Environment,
                                                                  env_values: dict[str, str]) -> None:
    routes = caddy_routes(CADDYFILE.read_text())
    services = compose["services"]
    odoo_port = re.search(r"localhost:(\d+)/web/login", " ".join(services["odoo"]["healthcheck"]["test"])).group(1)
    superset_port = re.search(r"localhost:(\d+)/health", " ".join(services["superset"]["healthcheck"]["test"])).group(1)
    webserver = services["dagster-webserver"]["command"]
    assert routes == {
        "{$ODOO_HOSTNAME}": ["odoo:8072", f"odoo:{odoo_port}"],
        "{$SUPERSET_HOSTNAME}": [f"superset:{superset_port}"],
        "{$DAGSTER_HOSTNAME}": [f"dagster-webserver:{webserver[webserver.index('-p') + 1]}"],
    }
    # Each hostname the proxy serves is the host of the matrix URL (https, port 443 as published above).
    for service, variable in (("odoo", "ODOO_HOSTNAME"), ("superset", "SUPERSET_HOSTNAME")):
        url = served.services[service].url
        assert url == f"https://{env_values[variable]}", f"matrix {served.name}.{service}.url vs {variable}"
    aliases = services["caddy"]["networks"]["proxy"]["aliases"]
    assert aliases == [env_values[v] for v in ("ODOO_HOSTNAME", "SUPERSET_HOSTNAME", "DAGSTER_HOSTNAME")]


def test_the_deployment_serves_the_matrix_environment_and_its_odoo_database(compose: dict[str, Any],
                                                                            served: Environment) -> None:
    services = compose["services"]
    for name in ("dagster-code", "hybrid"):
        assert environment(services[name])["HYBRID_ENV"] == served.name
    for name in ("mcp", "live-worker", "webhooks"):
        command = services[name]["command"]
        assert command[command.index("--env") + 1] == served.name, name
    assert services["mcp"]["profiles"] == ["mcp"] and services["webhooks"]["profiles"] == ["webhooks"]
    assert f"--database={served.odoo.database}" in services["odoo"]["command"]
    assert f"--database={served.odoo.database}" in services["odoo-init"]["command"]
    # --database without --db-filter: Odoo never lists the server's databases (it may connect to its own only)
    assert not any(arg.startswith("--db-filter") for arg in services["odoo"]["command"])
    assert environment(services["odoo"])["PGUSER"] == served.odoo.role


def test_the_code_server_alone_holds_the_jobs_credentials_and_only_the_cli_the_superuser(
        compose: dict[str, Any], served: Environment) -> None:
    """Runs are subprocesses of the code server (Dagster's default launcher), so it needs every variable the code
    location reads; the webserver and daemon need only the instance storage; the warehouse superuser's URL
    reaches the `hybrid` CLI service alone (provisioning, replication setup)."""
    services = compose["services"]
    superuser = served.supabase.variables["db_url"][0]
    matrix_names = {names[0] for svc in served.services.values() for names in svc.variables.values()}
    warehouse_uri = load_sources(served.name).values["database"]["uri_env"]
    code_env = environment(services["dagster-code"])
    assert matrix_names - {superuser} | {warehouse_uri} <= set(code_env)
    assert superuser not in code_env
    assert environment(services["hybrid"]) == {**code_env, superuser: environment(services["hybrid"])[superuser]}
    # the MCP server calls the same library as the runs, with the same job roles, plus its own settings
    assert environment(services["live-worker"]) == code_env, "the live worker runs the marts' SQL as the dbt role"
    mcp_env = environment(services["mcp"])
    assert mcp_env == {**code_env, **{k: mcp_env[k] for k in ("HYBRID_MCP_TOKEN", "DAGSTER_GRAPHQL_URL",
                                                               "OCR_URL_ALLOWED_HOSTS")}}
    hooks_env = environment(services["webhooks"])
    assert hooks_env == {**code_env, **{k: hooks_env[k] for k in (
        "HYBRID_WEBHOOK_SECRET", "MATTERMOST_SLASH_TOKEN", "DAGSTER_GRAPHQL_URL", "OCR_URL_ALLOWED_HOSTS",
        "HYBRID_BRANCH_REPO")}}
    for name in ("dagster-webserver", "dagster-daemon", "dagster-prepare"):
        assert set(environment(services[name])) == set(instance.STORAGE_VARIABLES.values()), name
    holders = {name for name, body in services.items() if any(
        "POSTGRES_PASSWORD" in key or key == superuser for key in environment(body))}
    assert holders == {"postgres", "hybrid"}


def test_no_container_gets_the_docker_socket_and_each_joins_only_the_networks_it_needs(
        compose: dict[str, Any]) -> None:
    services = compose["services"]
    mounts = {name: [v.split(":")[0] for v in body.get("volumes", [])] for name, body in services.items()}
    assert not any("/var/run/docker.sock" in m for m in mounts.values())
    assert not any(body.get("group_add") or body.get("privileged") for body in services.values())
    networks = {name: set(body["networks"]) for name, body in services.items()}
    assert networks == {
        "postgres": {"data"}, "odoo-init": {"data"}, "odoo": {"data", "web-odoo"}, "superset-init": {"data"},
        "superset": {"data", "web-superset"}, "dagster-prepare": {"data"}, "dagster-code": {"data", "dagster", "proxy"},
        "dagster-webserver": {"data", "dagster", "web-dagster"}, "dagster-daemon": {"data", "dagster"},
        "caddy": {"proxy", "web-odoo", "web-superset", "web-dagster"}, "hybrid": {"data", "proxy"},
        "mcp": {"data", "dagster", "proxy"}, "live-worker": {"data"}, "webhooks": {"data", "dagster", "proxy"}}
    # Only the proxy's network leaves the host; each web UI shares a network with the proxy and nobody else
    # (the Dagster webserver's GraphQL API answers only behind the proxy's login).
    assert {name for name, body in compose["networks"].items() if not (body or {}).get("internal")} == {"proxy"}
    for web, service in (("web-odoo", "odoo"), ("web-superset", "superset"), ("web-dagster", "dagster-webserver")):
        assert {name for name, joined in networks.items() if web in joined} == {"caddy", service}
    # The code server's gRPC port is reachable from the Dagster services only, and from the MCP server, which
    # launches runs through the webserver's GraphQL API there (behind its own bearer token).
    assert {name for name, joined in networks.items() if "dagster" in joined} == {
        "dagster-code", "dagster-webserver", "dagster-daemon", "mcp", "webhooks"}


def test_every_postgres_client_verifies_the_server_against_the_deployments_ca(compose: dict[str, Any],
                                                                               env_values: dict[str, str]) -> None:
    services = compose["services"]
    ca_dir = instance.POSTGRES_CA.rsplit("/", 1)[0]
    for name, body in services.items():
        env = environment(body)
        urls = [value for value in env.values() if value.startswith("postgresql")]
        if urls or name in ("dagster-webserver", "dagster-daemon", "dagster-prepare", "odoo", "odoo-init"):
            assert f"postgres-ca:{ca_dir}:ro" in body["volumes"], name
        for url in urls:
            assert postgres_url(url)["params"] == {"sslmode": "verify-full", "sslrootcert": instance.POSTGRES_CA}, name
    odoo = environment(services["odoo"])
    assert (odoo["PGSSLMODE"], odoo["PGSSLROOTCERT"]) == ("verify-full", instance.POSTGRES_CA)
    assert f"postgres-ca:{ca_dir}" in services["postgres"]["volumes"]  # the subscription's connection verifies too


def test_the_dagster_services_load_the_code_location_pyproject_names(compose: dict[str, Any]) -> None:
    dagster = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["dagster"]
    workspace = yaml.safe_load((ROOT / "docker" / "dagster" / "workspace.yaml").read_text())
    grpc = workspace["load_from"][0]["grpc_server"]
    assert grpc == {"host": "dagster-code", "port": 4000, "location_name": dagster["code_location_name"]}
    health = compose["services"]["dagster-code"]["healthcheck"]["test"]
    assert health[-2:] == ["--port", str(grpc["port"])]
    for name in ("dagster-webserver", "dagster-daemon"):
        command = compose["services"][name]["command"]
        assert command[command.index("-w") + 1] == "/opt/dagster/workspace.yaml"


FEATURE_SECRETS = {"HYBRID_WEBHOOK_SECRET"}  # empty turns a feature off (the webhook service refuses to start)


def test_no_secret_is_written_in_the_compose_file() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    credential = re.compile(r"(PASSWORD|PASS|SECRET|KEY|TOKEN|HASH|_URL|_URI)$")
    required = re.compile(r"(PASSWORD|PASS|SECRET|KEY|HASH)$")
    for service, body in raw_compose()["services"].items():
        for name, value in environment(body).items():
            if credential.search(name):  # the value is one variable from .env, nothing written here
                assert re.fullmatch(r"\$\{[A-Z0-9_]+(:[?-][^}]*)?\}", value), f"{service}.{name} = {value!r}"
            if required.search(name) and name not in FEATURE_SECRETS:  # a required secret: Compose stops when
                # it is empty
                assert re.fullmatch(r"\$\{[A-Z0-9_]+:\?[^}]+\}", value), f"{service}.{name} = {value!r}"
    assert not re.search(r"://[^:/\s]+:[^@$\s]+@", text), "a connection string with a literal password"
