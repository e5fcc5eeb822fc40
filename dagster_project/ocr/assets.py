"""`ocr/documents`, `ocr/invoices`, `ocr/invoice_lines`: one op loads a batch of inbox files into all three
(one transaction per chunk of documents), files the originals and posts the Mattermost summary."""

from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)
from pydantic import Field

from dagster_project.config.matrix import Environment
from dagster_project.ocr import load
from dagster_project.ocr.inbox import from_token, group, remove_if_empty
from dagster_project.ocr.notify import notify
from dagster_project.ocr.pipeline import BatchReport, Outcome, process
from dagster_project.ocr.settings import load_settings
from dagster_project.resources.postgres import PostgresResource

GROUP = "ocr"
LOAD_OP = "ocr_load"
DOCUMENTS = AssetKey(["ocr", "documents"])
INVOICES = AssetKey(["ocr", "invoices"])
LINES = AssetKey(["ocr", "invoice_lines"])
OCR_KEYS = (DOCUMENTS, INVOICES, LINES)
LISTED = 100  # outcomes listed in the run's metadata


class OcrBatchConfig(Config):
    """What one run loads: set by the `ocr_arrivals` sensor, or by hand from the launchpad."""

    batch: str = Field(default="", description="The batch folder the sensor claimed (<inbox>/.claimed/<batch>); "
                                               "empty means the inbox itself.")
    files: list[str] = Field(default_factory=list, description="File names in that folder; '%' is written %25 and "
                                                               "a byte that is not UTF-8 %XX.")


def ocr_asset_specs(env: Environment) -> list[AssetSpec]:
    where = f"schema ocr of the {env.name} warehouse ({env.supabase.variables['ocr_url'][0]})"
    return [
        AssetSpec(DOCUMENTS, group_name=GROUP, kinds={"postgres"}, metadata={"dagster/table_name": "ocr.documents"},
                  description=f"Every document received, loaded or quarantined, keyed by content SHA-256; {where}."),
        AssetSpec(INVOICES, deps=[DOCUMENTS], group_name=GROUP, kinds={"postgres"}, skippable=True,
                  metadata={"dagster/table_name": "ocr.invoices"},
                  description=f"One row per valid extracted vendor invoice (unique per document hash); {where}."),
        AssetSpec(LINES, deps=[INVOICES], group_name=GROUP, kinds={"postgres"}, skippable=True,
                  metadata={"dagster/table_name": "ocr.invoice_lines"},
                  description=f"The line items of the invoices in ocr.invoices; {where}."),
    ]


def build_ocr_assets(env: Environment) -> AssetsDefinition:
    @multi_asset(specs=ocr_asset_specs(env), name=LOAD_OP,
                 description="Hash, extract, validate and load a batch of inbox files; archive or quarantine them.")
    def ocr_load(context: AssetExecutionContext, config: OcrBatchConfig,
                 ocr_warehouse: PostgresResource) -> Iterator[MaterializeResult]:
        settings = load_settings()
        settings.ensure_dirs()
        if "/" in config.batch or config.batch.startswith("."):
            raise Failure(f"batch {config.batch!r} is not a folder name under {settings.claimed}; leave it empty to "
                          "name files in the inbox itself")
        folder = settings.claimed / config.batch if config.batch else settings.inbox
        arrivals = group(folder, [from_token(token) for token in config.files])
        context.log.info(f"{len(arrivals)} arrivals in {folder}")
        report = process(arrivals, settings, ocr_warehouse.dsn, run_id=context.run.run_id,
                         on_outcome=lambda outcome: _log(context, outcome))
        if config.batch:
            remove_if_empty(folder)
        label = f"batch {config.batch or 'from the inbox'} (run {context.run.run_id[:8]})"
        delivery = notify(report, label, settings.alert_threshold)
        for failure in delivery.failures:
            context.log.error(f"Mattermost notification failed: {failure}")
        with ocr_warehouse.connect() as conn:
            totals = load.counts(conn)
        yield from _results(report, totals, delivery.posted)
        deferred = report.of("deferred")
        if deferred:
            raise Failure(description=f"{len(deferred)} documents left in the inbox: {deferred[0].error}; the "
                                      "ocr_arrivals sensor requests them again",
                          metadata={"deferred": MetadataValue.json([o.as_dict() for o in deferred[:LISTED]])})

    return ocr_load


def _log(context: AssetExecutionContext, outcome: Outcome) -> None:
    if outcome.status == "quarantined":
        problem = outcome.problem
        context.log.warning(f"quarantined {outcome.name}: {problem.reason}: {problem.message} (fix: {problem.fix})")
    elif outcome.status == "deferred":
        context.log.warning(f"left in the inbox {outcome.name}: {outcome.error}")


def _results(report: BatchReport, totals: dict[str, int], posted: int) -> Iterator[MaterializeResult]:
    counts = report.counts()
    yield MaterializeResult(asset_key=DOCUMENTS, metadata={
        **{f"documents_{status}": count for status, count in counts.items()},
        "dagster/row_count": totals["loaded"] + totals["quarantined"],
        "quarantined": MetadataValue.json([o.as_dict() for o in report.of("quarantined")[:LISTED]]),
        "notifications_posted": posted,
    })
    if counts["loaded"] or counts["recovered"]:
        yield MaterializeResult(asset_key=INVOICES, metadata={
            "invoices_loaded": counts["loaded"] + counts["recovered"], "dagster/row_count": totals["invoices"]})
        yield MaterializeResult(asset_key=LINES, metadata={"dagster/row_count": totals["invoice_lines"]})
