"""The Dagster instance configuration (dagster.yaml) of the local stack and of a deployment, from one place.

Both share the run queue, run monitoring, concurrency pools and tick retention (`shared_settings`); they differ
in storage (the local `dagster` database by URL; Supabase's direct connection, its server certificate verified
against the CA file at POSTGRES_CA). Runs execute as subprocesses of the code server in both: the deployment
needs no Docker socket (which is root on the host) and only the code server holds the jobs' credentials.
deploy/dagster/dagster.yaml is rendered from `deploy_instance()`; `hybrid stack up`
writes `local_instance()` into DAGSTER_HOME. No secret is ever in either file: credentials are `env:`
references resolved by each process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dagster_project import paths
from dagster_project.deploy.pools import DEFAULT_POOL_LIMIT

DEPLOY_FILE = paths.PROJECT_ROOT / "deploy" / "dagster" / "dagster.yaml"

# The deployment's instance storage, one variable per field (dagster-postgres `postgres_db`).
STORAGE_VARIABLES = {
    "hostname": "DAGSTER_PG_HOST",
    "port": "DAGSTER_PG_PORT",
    "username": "DAGSTER_PG_USER",
    "password": "DAGSTER_PG_PASSWORD",
    "db_name": "DAGSTER_PG_DB",
}
# Compute logs and artifacts, shared by the webserver (which shows them) and the code server (whose runs write them).
STORAGE_VOLUME, STORAGE_DIR = "hybrid_dagster_storage", "/opt/dagster/storage"
# The CA that signed the Postgres server's certificate (docker/postgres/make-certs.sh; Supabase's CA for Supabase).
POSTGRES_CA = "/etc/hybrid/tls/postgres-ca.crt"

MAX_CONCURRENT_RUNS = 4


def shared_settings() -> dict[str, Any]:
    """What the local and the deployed instance have in common."""
    return {
        # Dequeue every second, not every 5: a sensor-triggered run starts sooner (end-to-end freshness).
        "run_coordinator": {"module": "dagster.core.run_coordinator", "class": "QueuedRunCoordinator",
                            "config": {"dequeue_interval_seconds": 1}},
        "concurrency": {
            "runs": {"max_concurrent_runs": MAX_CONCURRENT_RUNS},
            # Pool limits apply per op across all runs; each pool's own limit is set by deploy.pools.
            "pools": {"default_limit": DEFAULT_POOL_LIMIT, "granularity": "op"},
        },
        "run_monitoring": {
            "enabled": True,
            "start_timeout_seconds": 300,  # pulling an image and starting a container on a busy host
            "cancel_timeout_seconds": 180,
            "poll_interval_seconds": 60,
            # A crashed run worker fails its run (the failure sensor alerts) instead of resuming silently.
            "max_resume_run_attempts": 0,
            # Without this a cancelled or crashed run keeps its pool slots and blocks dbt until a restart.
            "free_slots_after_run_end_seconds": 30,
        },
        "retention": {
            "schedule": {"purge_after_days": 90},
            # Sensors tick every 30 s: keep the ticks that did something, drop the empty ones fast.
            "sensor": {"purge_after_days": {"skipped": 1, "success": 14, "failure": 30}},
            "auto_materialize": {"purge_after_days": {"skipped": 1, "success": 14, "failure": 30}},
        },
        "telemetry": {"enabled": False},
    }


def local_instance() -> dict[str, Any]:
    """The local stack's instance: storage in the stack's `dagster` database (URL in DAGSTER_PG_URL)."""
    return {"storage": {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}}, **shared_settings()}


def deploy_instance() -> dict[str, Any]:
    """Staging and production: storage on a verified TLS connection, runs in the code server's container."""
    storage = {field: {"env": variable} for field, variable in STORAGE_VARIABLES.items()}
    storage["params"] = {"sslmode": "verify-full", "sslrootcert": POSTGRES_CA, "connect_timeout": 10,
                         "application_name": "dagster"}
    return {
        "storage": {"postgres": {"postgres_db": storage}},
        "run_launcher": {"module": "dagster._core.launcher", "class": "DefaultRunLauncher"},
        "local_artifact_storage": {
            "module": "dagster._core.storage.root",
            "class": "LocalArtifactStorage",
            "config": {"base_dir": STORAGE_DIR},
        },
        "compute_logs": {
            "module": "dagster._core.storage.local_compute_log_manager",
            "class": "LocalComputeLogManager",
            "config": {"base_dir": f"{STORAGE_DIR}/compute_logs"},
        },
        **shared_settings(),
    }


def render(document: dict[str, Any], header: str) -> str:
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comments + yaml.safe_dump(document, sort_keys=False, default_flow_style=False)


def render_deploy() -> str:
    return render(deploy_instance(), (
        "The Dagster instance of staging and production (docker-compose.yml mounts it as DAGSTER_HOME/dagster.yaml).\n"
        "Generated from dagster_project/deploy/instance.py by `python -m dagster_project.deploy.render`;\n"
        "edit that module, not this file (tests/deploy checks they agree). Credentials are env references only."))


def write_local(dagster_home: Path) -> Path:
    """Write the local instance's dagster.yaml into DAGSTER_HOME."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    target = dagster_home / "dagster.yaml"
    target.write_text(render(local_instance(), (
        "Generated by `hybrid stack up` from dagster_project/deploy/instance.py; edits are overwritten.\n"
        "Storage URL from DAGSTER_PG_URL (never written here).")))
    return target
