"""`hybrid ocr ingest|status`: the OCR pipeline from the command line (backfills) and the inbox's state."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dagster_project.cli.common import (
    EXIT_CONFIG,
    EXIT_UNHEALTHY,
    emit_json,
    env_option,
    failing_with,
    handle_errors,
    output_option,
    progress,
    resolve_env,
)
from dagster_project.config import database
from dagster_project.config.environ import SettingError
from dagster_project.ocr.settings import load_settings

# A bad OCR_* variable: the message names it and the fix.
settings_errors = failing_with(EXIT_CONFIG, SettingError)


@click.group()
def ocr() -> None:
    """Scanned vendor invoices into the warehouse's `ocr` schema. The `ocr_arrivals` sensor loads what lands in
    the inbox (OCR_INBOX_DIR, default <state dir>/ocr/inbox) within seconds; see docs/ocr.md.

    \b
    Example:
      hybrid ocr ingest ~/scans/2026-03 --env local && hybrid ocr status --env local
    """


@ocr.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@env_option
@output_option
@click.option("--notify/--no-notify", default=False, show_default=True,
              help="Post the Mattermost summary and the large-invoice alerts, as the sensor's runs do.")
@handle_errors
@settings_errors
def ingest(paths: tuple[Path, ...], env_name: str, output: str, notify: bool) -> None:
    """Load documents (pdf, png, jpg, jpeg, tif, tiff) and OCR JSON files now, through the sensor's pipeline:
    hash, OCR (OCR_SERVICE_URL, else local Tesseract) unless `<stem>.json` comes with the document, validate,
    load in one transaction per chunk, file. For backfills.

    What happens to the originals: files inside the inbox are moved to the archive or to quarantine (with a
    `<name>.reason.json`), as the sensor would. Files anywhere else stay where they are: a copy is archived
    or quarantined. Running it again over the same files changes nothing (same bytes: "duplicate delivery",
    no second copy). Directories are read recursively (hidden folders, hidden and `.part`/`.tmp` files
    skipped). Progress goes to stderr. Exit status 1 when a file was quarantined or left for later (OCR
    service unreachable).

    \b
    Example:
      hybrid ocr ingest ~/scans/2026-03 invoice-0042.pdf --env staging --output json
    """
    from dagster_project.ocr.inbox import collect
    from dagster_project.ocr.notify import notify as post_notifications
    from dagster_project.ocr.pipeline import STATUS_TEXT, BatchReport, process

    env = resolve_env(env_name)
    dsn = env.value("supabase", "ocr_url")
    settings = load_settings()
    settings.ensure_dirs()
    arrivals = collect(paths)
    progress(f"{len(arrivals)} documents to ingest into {env.name}")
    total = BatchReport()
    done = 0

    def show(outcome: Any) -> None:
        nonlocal done
        done += 1
        why = f": {outcome.problem.reason}: {outcome.problem.message}" if outcome.problem else \
            (f": {outcome.error}" if outcome.error else "")
        progress(f"[{done}/{len(arrivals)}] {STATUS_TEXT[outcome.status]:<19} {outcome.name}{why}")

    for keep in (False, True):  # inbox files are moved, the others copied
        part = [a for a in arrivals if _inside(a.folder, settings.inbox) != keep]
        for start in range(0, len(part), settings.batch_size):
            batch = part[start:start + settings.batch_size]
            total.outcomes += process(batch, settings, dsn, keep_originals=keep, on_outcome=show).outcomes
    if notify:
        delivery = post_notifications(total, f"backfill `hybrid ocr ingest` ({env.name})", settings.alert_threshold)
        for failure in delivery.failures:
            progress(f"warning: Mattermost notification failed: {failure}")
    _print_ingest(env.name, total, output)
    if total.of("quarantined") or total.of("deferred"):
        sys.exit(EXIT_UNHEALTHY)


def _inside(folder: Path, root: Path) -> bool:
    return folder == root or root in folder.parents


def _print_ingest(env_name: str, report: Any, output: str) -> None:
    from dagster_project.ocr.pipeline import STATUS_TEXT

    if output == "json":
        emit_json({"env": env_name, **report.as_dict()})
        return
    counts = report.counts()
    click.echo(", ".join(f"{count} {STATUS_TEXT[status]}" for status, count in counts.items()))
    for outcome in report.of("quarantined"):
        problem = outcome.problem
        click.echo(f"quarantined  {outcome.name}: {problem.reason} ({problem.field or 'file'}): {problem.message}")
        click.echo(f"             fix: {problem.fix}; reason file {outcome.destination}.reason.json")
    for outcome in report.of("deferred"):
        click.echo(f"left         {outcome.name}: {outcome.error}")


@ocr.command()
@env_option
@output_option
@handle_errors
@settings_errors
def status(env_name: str, output: str) -> None:
    """The inbox's state: files waiting, batches claimed by the sensor and not yet filed, files in quarantine,
    and the documents, invoices and lines loaded in the environment's warehouse. Exit status 1 when the
    quarantine holds files (they need a person: read each `<name>.reason.json`).

    \b
    Example:
      hybrid ocr status --env production --output json
    """
    from dagster_project.ocr import inbox, load

    env = resolve_env(env_name)
    settings = load_settings()
    batches = inbox.claimed_batches(settings.claimed)
    with database.connect(env.value("supabase", "ocr_url"), source=env.origin("supabase", "ocr_url")) as conn:
        warehouse = load.counts(conn)
    document = {
        "env": env.name,
        "inbox": str(settings.inbox), "archive": str(settings.archive), "quarantine": str(settings.quarantine),
        "waiting": _count(settings.inbox, lambda name: inbox.is_candidate(name)),
        "claimed_batches": len(batches),
        "claimed_files": sum(len(inbox.batch_files(settings.claimed, b)) for b in batches),
        "quarantined_files": _count(settings.quarantine, lambda name: not name.endswith(".reason.json")),
        "warehouse": warehouse,
    }
    if output == "json":
        emit_json(document)
    else:
        click.echo(f"inbox       {document['inbox']}: {document['waiting']} waiting, {document['claimed_files']} "
                   f"in {document['claimed_batches']} claimed batches")
        click.echo(f"quarantine  {document['quarantine']}: {document['quarantined_files']} files")
        click.echo(f"archive     {document['archive']}")
        click.echo(f"warehouse   {env.name}: {warehouse['loaded']} documents loaded, {warehouse['quarantined']} "
                   f"quarantined, {warehouse['invoices']} invoices, {warehouse['invoice_lines']} lines")
    if document["quarantined_files"]:
        sys.exit(EXIT_UNHEALTHY)


def _count(folder: Path, wanted: Callable[[str], bool]) -> int:
    try:
        with os.scandir(folder) as entries:
            return sum(1 for e in entries if e.is_file(follow_symlinks=False) and wanted(e.name))
    except FileNotFoundError:
        return 0
