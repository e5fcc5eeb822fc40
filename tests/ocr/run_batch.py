"""Run one `ocr_ingest` request in a process of its own (the crash test kills it): `python -m tests.ocr.run_batch
REQUEST.json`, with DAGSTER_HOME naming the instance and the OCR_* variables the folders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dagster import DagsterInstance, Definitions

from dagster_project.ocr.defs import ocr_definitions
from dagster_project.ocr.sensors import JOB_NAME
from dagster_project.resources.postgres import PostgresResource, current_environment


def main(request_file: str) -> int:
    request = json.loads(Path(request_file).read_text())
    defs = Definitions.merge(ocr_definitions(current_environment()),
                             Definitions(resources={"ocr_warehouse": PostgresResource(dsn=request["warehouse"])}))
    with DagsterInstance.get() as instance:
        result = defs.resolve_job_def(JOB_NAME).execute_in_process(
            run_config=request["run_config"], tags=request["tags"], instance=instance, raise_on_error=False)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
