"""Where a report is kept: its three files under the reports directory, and one row per file in `ops.reports`
(written as the ops role), so any past month's report is found again by month and scope."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from slugify import slugify

from dagster_project import paths
from dagster_project.config import schemas
from dagster_project.reports.models import MonthlyReport

SCHEMA = "ops"
TABLES = {
    "reports": "env text NOT NULL, month date NOT NULL, scope text NOT NULL, company_id integer, "
               "format text NOT NULL, path text NOT NULL, sha256 text NOT NULL, bytes bigint NOT NULL, "
               "insights integer NOT NULL, run_id text, created_at timestamptz NOT NULL DEFAULT now(), "
               "PRIMARY KEY (env, month, scope, format)",
}
DIR_VARIABLE = "HYBRID_REPORTS_DIR"
FORMATS = ("pdf", "html", "json")


@dataclass(frozen=True)
class StoredFile:
    format: str
    path: Path
    sha256: str
    bytes: int


@dataclass(frozen=True)
class StoredReport:
    report: MonthlyReport
    files: dict[str, StoredFile]

    @property
    def pdf(self) -> StoredFile:
        return self.files["pdf"]


def reports_dir() -> Path:
    return Path(os.environ.get(DIR_VARIABLE) or paths.state_dir() / "reports").resolve()


def file_stem(report: MonthlyReport) -> str:
    """`consolidated` or `company-<id>-<name>`: a company's name is Odoo's text, so only its slug is a path."""
    if report.company_id is None:
        return "consolidated"
    return f"company-{report.company_id}-{slugify(report.scope, max_length=60) or 'unnamed'}"


def relative_path(report: MonthlyReport, format_: str) -> str:
    return f"{report.env}/{report.month}/{file_stem(report)}.{format_}"


def write_files(report: MonthlyReport, contents: dict[str, bytes]) -> StoredReport:
    """Each file is written beside its final name and renamed into place, so an interrupted run leaves the
    previous version or the new one, never half a PDF."""
    files = {}
    for format_ in FORMATS:
        target = reports_dir() / relative_path(report, format_)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(contents[format_])
        partial.replace(target)
        files[format_] = StoredFile(format_, target, hashlib.sha256(contents[format_]).hexdigest(),
                                    len(contents[format_]))
    return StoredReport(report, files)


def record(conn: psycopg.Connection, stored: StoredReport, run_id: str | None) -> None:
    """One row per file; building a month again replaces its rows (the files were replaced too)."""
    schemas.ensure_tables(conn, SCHEMA, TABLES)  # once a month: no per-process cache needed
    report = stored.report
    statement = sql.SQL(
        "INSERT INTO {} (env, month, scope, company_id, format, path, sha256, bytes, insights, run_id) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (env, month, scope, format) DO UPDATE SET "
        "company_id = excluded.company_id, path = excluded.path, sha256 = excluded.sha256, bytes = excluded.bytes, "
        "insights = excluded.insights, run_id = excluded.run_id, created_at = now()"
    ).format(sql.Identifier(SCHEMA, "reports"))
    with conn.transaction():
        for file in stored.files.values():
            conn.execute(statement, (report.env, report.month + "-01", report.scope, report.company_id, file.format,
                                     str(file.path), file.sha256, file.bytes, len(report.insights), run_id))
