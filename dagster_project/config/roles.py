"""Who may do what in the warehouse: one login role per job, and the statements that make the catalog say
exactly that and nothing more.

`provision()` runs these statements on the local stack and deploy/initdb.py renders the same ones into the
compose init script, so both grant the same privileges; tests/stack/test_privileges.py asserts the resulting
table of role x schema x action against a live server. The superuser keeps only provisioning and the
replication (it owns the subscription, so the replica schema stays its own).
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

WAREHOUSE_DATABASE = "postgres"
SUPERUSER = "postgres"
REPLICA_SCHEMA = "public"  # the Odoo replica: written by the subscription, which the superuser owns
WAREHOUSE_SCHEMAS = (REPLICA_SCHEMA, "analytics", "warehouse", "ocr", "ops")
# Postgres roles every warehouse role belongs to when it may read every company's rows (Postgres RLS on the
# marts; company roles see their own companies only: see dbt/macros/company_rls.sql).
ALL_COMPANIES = "warehouse_all_companies"


@dataclass(frozen=True)
class JobRole:
    """A login role of one job: the schemas it owns (creates and writes in) and those it may only read."""

    name: str
    purpose: str
    owns: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    read_only: bool = False  # transactions are read-only by default, a second guard beside the grants
    temporary: bool = False  # may create temporary tables (dbt's incremental models need them)
    all_companies: bool = False  # reads every company's rows of the marts

    def access(self, schema: str) -> str:
        """'owns', 'reads' or 'none': the column of docs/security.md's table for this schema."""
        return "owns" if schema in self.owns else "reads" if schema in self.reads else "none"


JOB_ROLES = (
    JobRole("dbt", "builds the staging views (analytics) and the marts (warehouse) from the replica and ocr",
            owns=("analytics", "warehouse"), reads=(REPLICA_SCHEMA, "ocr"), temporary=True, all_companies=True),
    JobRole("ocr", "loads OCR documents and the invoices read from them (it parses untrusted files)",
            owns=("ocr",)),
    JobRole("ops", "health log, invoice alerts, control-plane records; watches the replica and the marts",
            owns=("ops",), reads=(REPLICA_SCHEMA, "warehouse"), all_companies=True),
    JobRole("superset_reader", "Superset's dashboards: reads the marts, writes nothing",
            reads=("warehouse",), read_only=True, all_companies=True),
    JobRole("agent", "the MCP server's supabase_query: reads staging, marts, ocr and ops, writes nothing",
            reads=("analytics", "warehouse", "ocr", "ops"), read_only=True, all_companies=True),
)
ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT"


def job_role(name: str) -> JobRole:
    return next(role for role in JOB_ROLES if role.name == name)


def schema_owner(schema: str) -> str:
    return next((role.name for role in JOB_ROLES if schema in role.owns), SUPERUSER)


def create_role(role: str, attributes: str = ROLE_ATTRIBUTES) -> sql.Composed:
    return sql.SQL("CREATE ROLE {} " + attributes).format(sql.Identifier(role))  # attributes: constants


def database_access(database: str, connect: tuple[str, ...], temporary: tuple[str, ...] = ()) -> list[sql.Composed]:
    """Only the named roles (and the owner) may connect: no database is open to PUBLIC."""
    db = sql.Identifier(database)
    statements = [sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db)]
    statements += [sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, sql.Identifier(r)) for r in connect]
    statements += [sql.SQL("GRANT TEMPORARY ON DATABASE {} TO {}").format(db, sql.Identifier(r)) for r in temporary]
    return statements


def warehouse_statements() -> list[sql.Composed]:
    """Run in the warehouse database, in one transaction: owners, then exactly the read grants of each role.

    Every read privilege of a job role is revoked and the wanted ones granted again, so a privilege granted
    by an older version (superset_reader on analytics and ocr) is gone after the next provisioning, and no
    reader sees a moment without its grants.
    """
    statements = [sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(sql.Identifier(REPLICA_SCHEMA))]
    statements += _company_group()
    for role in JOB_ROLES:
        for schema in role.owns:
            statements += _take_ownership(schema, role.name)
    owners = sorted({SUPERUSER, *(r.name for r in JOB_ROLES if r.owns)})
    for role in JOB_ROLES:
        who = sql.Identifier(role.name)
        for schema in (s for s in WAREHOUSE_SCHEMAS if s not in role.owns):
            where = sql.Identifier(schema)
            statements += [sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(where, who),
                           sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(where, who)]
            statements += [sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} REVOKE ALL ON TABLES FROM {}")
                           .format(sql.Identifier(owner), where, who) for owner in owners if owner != role.name]
        for schema in role.reads:
            where, owner = sql.Identifier(schema), sql.Identifier(schema_owner(schema))
            statements += [
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(where, who),
                sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(where, who),
                sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT SELECT ON TABLES TO {}")
                .format(owner, where, who),
            ]
        if role.read_only:
            statements.append(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(who))
        membership = "GRANT {} TO {}" if role.all_companies else "REVOKE {} FROM {}"
        statements.append(sql.SQL(membership).format(sql.Identifier(ALL_COMPANIES), who))
    return statements


def _company_group() -> list[sql.Composed]:
    """The role the marts' row-level security lets through to every company (a group: nobody logs in as it)."""
    exists = sql.SQL("SELECT 1 FROM pg_roles WHERE rolname = {}").format(sql.Literal(ALL_COMPANIES))
    create = create_role(ALL_COMPANIES, "NOLOGIN")
    return [sql.SQL("DO $$ BEGIN IF NOT EXISTS ({}) THEN EXECUTE {}; END IF; END $$").format(
        exists, sql.Literal(create.as_string()))]


def _take_ownership(schema: str, role: str) -> list[sql.Composed]:
    """The schema and everything in it, whoever created it before (the superuser, in older versions)."""
    statement = sql.SQL("""DO $$
DECLARE item record;
BEGIN
    FOR item IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = {schema} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                  AND pg_get_userbyid(c.relowner) <> {role}
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
    LOOP
        EXECUTE format(CASE item.relkind WHEN 'm' THEN 'ALTER MATERIALIZED VIEW %I.%I OWNER TO %I'
                                         WHEN 'f' THEN 'ALTER FOREIGN TABLE %I.%I OWNER TO %I'
                                         ELSE 'ALTER TABLE %I.%I OWNER TO %I' END, {schema}, item.relname, {role});
    END LOOP;
END $$""").format(schema=sql.Literal(schema), role=sql.Literal(role))
    return [sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(sql.Identifier(schema), sql.Identifier(role)), statement]


def privilege_table() -> str:
    """The role x schema table of docs/security.md (tests/stack/test_privileges.py keeps the two equal)."""
    head = ["role", *WAREHOUSE_SCHEMAS, "what it is for"]
    rows = [[f"`{role.name}`", *(role.access(schema) for schema in WAREHOUSE_SCHEMAS), role.purpose]
            for role in JOB_ROLES]
    lines = [head, ["---"] * len(head), *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


@dataclass(frozen=True)
class DatabaseSpec:
    name: str
    owner: str
    schemas: tuple[str, ...] = ()
    connect: tuple[str, ...] = ()  # roles besides the owner that may connect (nobody else may)
    temporary: tuple[str, ...] = ()  # of those, the ones that may create temporary tables


LOGIN_ROLES = ("odoo", "superset", "dagster")  # the owners of their databases
# The subscription connects as this role: it may stream WAL and (granted by `hybrid replication setup`)
# read the published tables, nothing else.
REPLICATION_ROLES = ("odoo_replicator",)
REPLICATION_ATTRIBUTES = "LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE"
DATABASES = (
    DatabaseSpec("odoo_local", "odoo", connect=REPLICATION_ROLES),
    DatabaseSpec(WAREHOUSE_DATABASE, "postgres", WAREHOUSE_SCHEMAS, connect=tuple(r.name for r in JOB_ROLES),
                 temporary=tuple(r.name for r in JOB_ROLES if r.temporary)),
    DatabaseSpec("superset_meta", "superset"),
    DatabaseSpec("dagster", "dagster"),
)
# Superset reads the warehouse as this role (JOB_ROLES says what it may read).
READER_ROLE = "superset_reader"
READER_DATABASE = WAREHOUSE_DATABASE


def role_attributes() -> dict[str, str]:
    """Every login role the stack creates, with the attributes it is (re)set to."""
    return {**dict.fromkeys(LOGIN_ROLES, "LOGIN"), **dict.fromkeys(REPLICATION_ROLES, REPLICATION_ATTRIBUTES),
            **{role.name: ROLE_ATTRIBUTES for role in JOB_ROLES}}
