"""The local stack: Postgres (Odoo, warehouse, Superset metadata, Dagster storage), Superset and Dagster.

`up` is idempotent (a second `up` changes nothing), `down` keeps every byte of data, and `status`
reports each service with its state, URL and DSN (passwords masked).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

from dagster_project import paths
from dagster_project.config import database
from dagster_project.config.dotenv import write_env_file
from dagster_project.config.matrix import load_matrix
from dagster_project.config.redact import mask_dsn
from dagster_project.config.roles import READER_DATABASE, READER_ROLE
from dagster_project.config.webhooks import DEFAULT_PORT, PORT_VARIABLE, SECRET_VARIABLE, SLASH_TOKEN_VARIABLE
from dagster_project.dbt.env import dbt_env
from dagster_project.deploy.instance import write_local
from dagster_project.stack import secrets
from dagster_project.stack.errors import StackError
from dagster_project.stack.postgres import HOST, LocalPostgres
from dagster_project.stack.process import BackgroundProcess, ProcessSpec
from dagster_project.stack.provision import provision
from dagster_project.stack.superset_runtime import SupersetRuntime, SupersetSettings
from dagster_project.superset.client import SupersetClient, SupersetError
from dagster_project.superset.templates import load_values

Progress = Callable[[str], None]
WAREHOUSE_DATABASE = "warehouse"  # the Superset database that reads the warehouse as superset_reader
DATABASE_SERVICES = (
    ("odoo-db", "odoo", "odoo_local"),
    ("warehouse", "ops", "postgres"),
    ("superset-meta", "superset", "superset_meta"),
    ("dagster-storage", "dagster", "dagster"),
)


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    state: str
    url: str | None
    dsn: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


class LocalStack:
    def __init__(self, state_dir: Path | None = None, port: int | None = None, dagster_port: int = 3000,
                 superset_port: int | None = None, webhooks_port: int | None = None):
        self.state_dir = (state_dir or paths.state_dir()).resolve()
        # The project's .env.local belongs to the default stack; a scratch stack (tests, benchmarks) keeps
        # its own so it never overwrites the developer's.
        self.env_file = paths.env_file() if state_dir is None else self.state_dir / ".env.local"
        self.postgres = LocalPostgres(self.state_dir, port)
        self.superset = SupersetRuntime(self.state_dir, superset_port)
        self.dagster_port = dagster_port
        self.webhooks_port = webhooks_port or int(os.environ.get(PORT_VARIABLE) or DEFAULT_PORT)
        self.dagster_home = self.state_dir / "dagster_home"

    # -- connection strings ----------------------------------------------------------------------
    def dsn(self, role: str, dbname: str) -> str:
        password = secrets.load_or_create(self.state_dir)[role]
        return f"postgresql://{role}:{password}@{HOST}:{self.postgres.port}/{dbname}"

    def env_values(self) -> dict[str, str]:
        """The local instance-matrix variables, named as the matrix names them."""
        local = load_matrix().resolve("local")
        admin_user, admin_pass = self.superset_admin()
        creds = secrets.load_or_create(self.state_dir)
        first = {(svc, purpose): names[0] for svc in ("odoo", "supabase", "superset")
                 for purpose, names in local.services[svc].variables.items()}
        return {
            first["odoo", "db_url"]: self.dsn("odoo", "odoo_local"),
            first["odoo", "replication_url"]: self.dsn("odoo_replicator", "odoo_local"),
            first["supabase", "db_url"]: self.dsn("postgres", "postgres"),
            first["supabase", "dbt_url"]: self.dsn("dbt", "postgres"),
            first["supabase", "ocr_url"]: self.dsn("ocr", "postgres"),
            first["supabase", "ops_url"]: self.dsn("ops", "postgres"),
            first["supabase", "agent_url"]: self.dsn("agent", "postgres"),
            first["superset", "meta_db_url"]: self.dsn("superset", "superset_meta"),
            first["superset", "url"]: f"http://localhost:{self.superset.port}",
            first["superset", "admin_user"]: admin_user,
            first["superset", "admin_pass"]: admin_pass,
            "DAGSTER_HOME": str(self.dagster_home),
            "DAGSTER_PG_URL": self.dsn("dagster", "dagster"),
            "DAGSTER_WEBSERVER_URL": f"http://127.0.0.1:{self.dagster_port}",
            "HYBRID_STATE_DIR": str(self.state_dir),
            "HYBRID_PG_PORT": str(self.postgres.port),
            # what the bundle's database reads (superset_assets/environments/local.yaml's database.uri_env)
            load_values(paths.PROJECT_ROOT / "superset_assets", "local")["database"]["uri_env"]:
                self.warehouse_reader_uri(),
            SECRET_VARIABLE: creds["webhook_secret"],
            SLASH_TOKEN_VARIABLE: creds["mattermost_slash_token"],
            # plain `dbt` in dbt/ after `set -a; . ../.env.local; set +a` (hybrid dbt derives the same itself)
            **dbt_env(local, {first["supabase", "dbt_url"]: self.dsn("dbt", "postgres")}),
        }

    def superset_admin(self) -> tuple[str, str]:
        """The matrix variables (SUPERSET_ADMIN_USER_LOCAL, ...) when set, else `admin` and the generated
        password."""
        local = load_matrix().resolve("local")
        return (local.optional_value("superset", "admin_user", os.environ) or "admin",
                local.optional_value("superset", "admin_pass", os.environ)
                or secrets.load_or_create(self.state_dir)["superset_admin"])

    def warehouse_reader_uri(self) -> str:
        """How Superset reaches the warehouse: the read-only role, over TCP, through psycopg2."""
        password = quote(secrets.load_or_create(self.state_dir)[READER_ROLE], safe="")
        return f"postgresql+psycopg2://{READER_ROLE}:{password}@{HOST}:{self.postgres.port}/{READER_DATABASE}"

    # -- lifecycle -------------------------------------------------------------------------------
    def up(self, *, with_dagster: bool = True, with_superset: bool = True, progress: Progress = print) -> None:
        """Everything by default, as `make up` wants; tests and benchmarks switch off what they do not use."""
        creds = secrets.load_or_create(self.state_dir)
        if not self.postgres.state().initialized:
            progress(f"initialising a PostgreSQL 17 cluster in {self.postgres.data}")
            self.postgres.init(creds["postgres"])
        if self.postgres.start(progress):
            progress(f"started Postgres on {HOST}:{self.postgres.port} (wal_level=logical)")
        else:
            progress(f"Postgres already running on {HOST}:{self.postgres.port}")
        self.postgres.wait_ready(creds["postgres"])
        for item in provision(self.postgres.admin_dsn(creds["postgres"]), creds):
            progress(f"created {item}")
        write_env_file(self.env_file, self.env_values(),
                       "Written by `hybrid stack up` for the local environment. Do not commit.")
        progress(f"wrote {self.env_file}")
        write_local(self.dagster_home)
        if with_superset:
            self.up_superset(progress)
        if self.live_installed():
            self.start_live(progress)
        if with_dagster:
            self._prepare_dagster(progress)
            for process in self._dagster_processes():
                if process.start(progress=progress):
                    progress(f"started {process.spec.name} (log: {process.log})")
                else:
                    progress(f"{process.spec.name} already running")
            webhooks = self.webhooks()
            if webhooks.start(progress=progress):
                progress(f"started the webhook service on {webhooks.spec.ready_url.removesuffix('/health')} "
                         f"(log: {webhooks.log})")

    def up_superset(self, progress: Progress = print) -> None:
        """Start Superset (installing it on first use) and register the warehouse in it."""
        creds = secrets.load_or_create(self.state_dir)
        user, password = self.superset_admin()
        settings = SupersetSettings(creds["superset_secret_key"], self.dsn("superset", "superset_meta"), user,
                                    password)
        if not self.superset.up(settings, progress):
            progress(f"Superset already running on {self.superset.url}")
        try:
            with SupersetClient(self.superset.url, user, password) as client:
                pk = client.ensure_database(WAREHOUSE_DATABASE, self.warehouse_reader_uri())
        except SupersetError as exc:
            raise StackError(f"registering the warehouse in Superset failed: {exc}",
                             f"read {self.superset.log}; a failed login means the admin password changed after "
                             "the first start (see docs/superset.md)") from exc
        progress(f"Superset database '{WAREHOUSE_DATABASE}' (id {pk}) reads the warehouse as {READER_ROLE}")

    def live_worker(self) -> BackgroundProcess:
        """`hybrid live run --env local`: the marts follow the replica (docs/marts.md#live-marts)."""
        argv = [str(Path(sys.executable).parent / "hybrid"), "live", "run", "--env", "local"]
        return BackgroundProcess(ProcessSpec("live-worker", argv, self.env_values(), paths.PROJECT_ROOT),
                                 self.state_dir)

    def webhooks(self) -> BackgroundProcess:
        """`hybrid webhooks serve --env local` (docs/webhooks.md): it launches runs, so it starts with Dagster."""
        argv = [str(Path(sys.executable).parent / "hybrid"), "webhooks", "serve", "--env", "local", "--host",
                "127.0.0.1", "--port", str(self.webhooks_port)]
        return BackgroundProcess(ProcessSpec("webhooks", argv, self.env_values(), paths.PROJECT_ROOT,
                                             ready_url=f"http://127.0.0.1:{self.webhooks_port}/health"),
                                 self.state_dir)

    def live_installed(self) -> bool:
        """Whether `hybrid live setup` has put the change record into the local warehouse."""
        if not self.postgres.state().running:
            return False
        with database.connect(self.dsn("dbt", "postgres"), source="the local stack's role dbt") as conn:
            return conn.execute("SELECT to_regclass('live.state') IS NOT NULL").fetchone()[0]

    def start_live(self, progress: Progress = print) -> None:
        worker = self.live_worker()
        if worker.start(progress=progress):
            progress(f"started the live worker (log: {worker.log})")

    def down(self, progress: Progress = print) -> None:
        if self.webhooks().stop():
            progress("stopped the webhook service")
        if self.live_worker().stop():
            progress("stopped the live worker")
        for process in reversed(self._dagster_processes()):
            if process.stop():
                progress(f"stopped {process.spec.name}")
        if self.superset.down():
            progress("stopped Superset")
        if self.postgres.stop():
            progress("stopped Postgres (data kept in " + str(self.postgres.data) + ")")
        else:
            progress("Postgres was not running")

    def status(self) -> list[ServiceStatus]:
        pg = self.postgres.state()
        pg_state = "running" if pg.running else ("stopped" if pg.initialized else "not initialised")
        creds = secrets.load_or_create(self.state_dir)
        statuses = [ServiceStatus("postgres", pg_state, f"postgresql://{HOST}:{pg.port}",
                                  mask_dsn(self.postgres.admin_dsn(creds["postgres"])))]
        for name, role, db in DATABASE_SERVICES:
            statuses.append(ServiceStatus(name, self._database_state(pg.running, role, db), None,
                                          mask_dsn(self.dsn(role, db))))
        for process in self._dagster_processes():
            url = process.spec.ready_url.removesuffix("/server_info") if process.spec.ready_url else None
            statuses.append(ServiceStatus(process.spec.name, "running" if process.pid() else "stopped", url,
                                          mask_dsn(self.dsn("dagster", "dagster"))))
        webhooks = self.webhooks()
        statuses.append(ServiceStatus("webhooks", "running" if webhooks.pid() else "stopped",
                                      f"http://127.0.0.1:{self.webhooks_port}", mask_dsn(self.dsn("ops", "postgres"))))
        statuses.append(ServiceStatus("live-worker", "running" if self.live_worker().pid() else "stopped", None,
                                      mask_dsn(self.dsn("dbt", "postgres"))))
        statuses.append(ServiceStatus("superset", self.superset.state(), self.superset.url,
                                      mask_dsn(self.dsn("superset", "superset_meta"))))
        return statuses

    # -- helpers ---------------------------------------------------------------------------------
    def _database_state(self, server_running: bool, role: str, dbname: str) -> str:
        if not server_running:
            return "stopped"
        try:
            with database.connect(self.dsn(role, dbname), source=f"the local stack's role {role}",
                                  connect_timeout_s=3) as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError:
            return "unreachable"
        return "running"

    def _prepare_dagster(self, progress: Progress) -> None:
        """Storage schema and concurrency pool limits, before the daemon runs anything (deploy/prepare.py)."""
        result = subprocess.run([sys.executable, "-m", "dagster_project.deploy.prepare", "--dagster-home",
                                 str(self.dagster_home)], env={**os.environ, **self.env_values()},
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise StackError(f"preparing the Dagster instance failed: {result.stderr.strip()[-800:]}",
                             "read the message above; the instance lives in the `dagster` database")
        progress(result.stderr.strip().splitlines()[-1])

    def _dagster_processes(self) -> list[BackgroundProcess]:
        bin_dir = Path(sys.executable).parent
        workspace = str(paths.PROJECT_ROOT / "workspace.yaml")
        env = self.env_values()
        webserver = ProcessSpec(
            "dagster-webserver",
            [str(bin_dir / "dagster-webserver"), "-w", workspace, "-h", "127.0.0.1", "-p", str(self.dagster_port)],
            env, paths.PROJECT_ROOT, ready_url=f"http://127.0.0.1:{self.dagster_port}/server_info",
        )
        daemon = ProcessSpec("dagster-daemon", [str(bin_dir / "dagster-daemon"), "run", "-w", workspace],
                             env, paths.PROJECT_ROOT)
        return [BackgroundProcess(webserver, self.state_dir), BackgroundProcess(daemon, self.state_dir)]
