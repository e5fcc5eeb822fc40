"""The OCR part of the code location: the ocr/* assets, the `ocr_ingest` job and the `ocr_arrivals` sensor.

`ocr_ingest` selects the ocr assets and everything downstream of them (the dbt staging model and the bill
matching mart, the Superset dataset and dashboard that read it), so a run that loaded new invoices ends
with the OCR dashboard refreshed. When nothing new was loaded the downstream steps are skipped.

The job runs its steps in the run's own process: a step process per op would import the code location again
for each of the four steps (seconds each), on the path from a dropped file to the refreshed dashboard.
"""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from dagster_project.config.matrix import Environment
from dagster_project.ocr.assets import OCR_KEYS, build_ocr_assets
from dagster_project.ocr.sensors import JOB_NAME, build_ocr_sensor
from dagster_project.reports.defs import GROUP as REPORTS


def ocr_definitions(env: Environment) -> Definitions:
    # Not the monthly reports: a past month is rebuilt by its partition, not by every batch of documents.
    job = define_asset_job(JOB_NAME,
                           selection=AssetSelection.assets(*OCR_KEYS).downstream() - AssetSelection.groups(REPORTS),
                           executor_def=in_process_executor,
                           description="Load one batch of OCR inbox files, then refresh what reads ocr.invoices.")
    return Definitions(assets=[build_ocr_assets(env)], jobs=[job], sensors=[build_ocr_sensor()])
