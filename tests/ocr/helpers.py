"""Helpers of the OCR tests: documents as the OCR service answers them, delivery as a sender should do it,
running a sensor's request as the daemon would, and reading the warehouse."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from dagster import DagsterInstance, Definitions, RunRequest

from dagster_project.ocr.sensors import JOB_NAME, SENSOR_NAME


def execute(defs: Definitions, instance: DagsterInstance, request: RunRequest) -> Any:
    """Run a sensor's request as the daemon would launch it: its run config and tags (and run key tag)."""
    tags = {**request.tags, "dagster/run_key": request.run_key, "dagster/sensor_name": SENSOR_NAME}
    return defs.resolve_job_def(JOB_NAME).execute_in_process(run_config=request.run_config, instance=instance,
                                                              tags=tags, raise_on_error=False)


def invoice(number: str, total: str | Decimal, *, vendor: str = "Mabuhay Office Supplies Inc.",
            vat: str | None = "008-123-456-000", lines: int = 2, confidence: float = 0.97,
            invoice_date: str = "2026-03-02") -> dict[str, Any]:
    """An OCR JSON document as the service answers it: line amounts before tax sum to amount_untaxed."""
    total = Decimal(str(total))
    untaxed = (total / Decimal("1.12")).quantize(Decimal("0.01"))
    share = (untaxed / lines).quantize(Decimal("0.01"))
    amounts = [share] * (lines - 1) + [untaxed - share * (lines - 1)]
    return {
        "vendor": {"name": vendor, "vat": vat}, "bill_to": {"name": "Hybrid Finance Corp.", "vat": None},
        "invoice_number": number, "invoice_date": invoice_date, "due_date": "2026-04-01", "currency": "PHP",
        "amount_untaxed": float(untaxed), "tax": float(total - untaxed), "total": float(total),
        "confidence": confidence, "engine": "json", "extracted_at": "2026-03-02T08:00:00Z",
        "lines": [{"description": f"Item {i + 1}", "quantity": 1, "unit_price": float(a), "tax_rate": 0.12,
                   "amount": float(a), "confidence": 0.95} for i, a in enumerate(amounts)],
    }


def drop(folder: Path, name: str | bytes, content: bytes | dict[str, Any]) -> Path:
    """Write a complete file as a sender should: under a hidden name, then renamed into place."""
    data = json.dumps(content).encode() if isinstance(content, dict) else content
    target = os.path.join(os.fsencode(folder), name if isinstance(name, bytes) else os.fsencode(name))
    staging = os.path.join(os.fsencode(folder), b".incoming.part")
    with open(staging, "wb") as handle:
        handle.write(data)
    os.rename(staging, target)
    return Path(os.fsdecode(target))


def files_under(folder: Path, *, reasons: bool = False) -> list[Path]:
    """Every regular file below `folder` (the reason files only when asked)."""
    found = [Path(root) / name for root, _, names in os.walk(folder) for name in names]
    return sorted(p for p in found if reasons or not p.name.endswith(".reason.json"))


@dataclass
class Warehouse:
    dsn: str

    def scalar(self, query: str, *params: object) -> Any:
        with psycopg.connect(self.dsn) as conn:
            return conn.execute(query, params).fetchone()[0]

    def rows(self, query: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.dsn) as conn:
            return conn.execute(query, params).fetchall()
