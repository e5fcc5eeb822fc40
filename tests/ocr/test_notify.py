"""Mattermost notifications after a run, received by a real HTTP listener standing in for the webhook."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dagster import DagsterInstance, Definitions, build_sensor_context

from dagster_project.ocr.sensors import SENSOR_NAME
from dagster_project.ocr.settings import OcrSettings
from tests.ocr.helpers import Warehouse, drop, execute, files_under, invoice
from tests.webhook import Webhook, listening_webhook


@pytest.fixture()
def webhook() -> Iterator[Webhook]:
    with listening_webhook("/hooks/ocr") as hook:
        yield hook


def run_batch(defs: Definitions, instance: DagsterInstance) -> list:
    result = defs.resolve_sensor_def(SENSOR_NAME)(build_sensor_context(instance=instance, definitions=defs))
    return [execute(defs, instance, request) for request in result.run_requests]


def test_summary_and_one_alert_per_invoice_at_or_above_the_threshold(
        ocr_defs: Definitions, instance: DagsterInstance, ocr_env: OcrSettings, db: Warehouse, webhook: Webhook,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATTERMOST_WEBHOOK_URL", webhook.url)
    drop(ocr_env.inbox, "big.json", invoice("BIG-77", "12345.67", vendor="Luzon Steel Corp."))
    drop(ocr_env.inbox, "exact.json", invoice("EXACT-10K", "10000.00"))
    drop(ocr_env.inbox, "small.json", invoice("SMALL-1", "999.99"))
    drop(ocr_env.inbox, "small-again.json", invoice("SMALL-1", "999.99"))
    drop(ocr_env.inbox, "unsure.json", invoice("LOW-1", "500", confidence=0.41))

    [result] = run_batch(ocr_defs, instance)

    assert result.success
    summary, *alerts = webhook.texts()
    assert summary.startswith("OCR batch ") and "3 loaded, 1 duplicate delivery, 1 quarantined" in summary
    assert "`unsure.json`: low confidence: confidence 0.41 is below the threshold 0.80" in summary
    assert sorted(alerts) == sorted([
        "OCR invoice at or above 10,000.00: Luzon Steel Corp. invoice BIG-77 of 2026-03-02, total 12,345.67 PHP "
        f"(file `big.json`, sha256 {_sha(db, 'BIG-77')[:12]})",
        "OCR invoice at or above 10,000.00: Mabuhay Office Supplies Inc. invoice EXACT-10K of 2026-03-02, total "
        f"10,000.00 PHP (file `exact.json`, sha256 {_sha(db, 'EXACT-10K')[:12]})",
    ])
    metadata = result.asset_materializations_for_node("ocr_load")[0].metadata
    assert metadata["notifications_posted"].value == 3


def test_the_threshold_comes_from_the_environment(ocr_defs: Definitions, instance: DagsterInstance,
                                                  ocr_env: OcrSettings, webhook: Webhook,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATTERMOST_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("OCR_ALERT_THRESHOLD", "500")
    drop(ocr_env.inbox, "a.json", invoice("A-1", "560.00"))
    run_batch(ocr_defs, instance)
    texts = webhook.texts()
    assert len(texts) == 2 and "invoice A-1" in texts[1] and "500.00" in texts[1]


def test_a_failing_webhook_does_not_hold_back_the_load(ocr_defs: Definitions, instance: DagsterInstance,
                                                       ocr_env: OcrSettings, db: Warehouse, webhook: Webhook,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATTERMOST_WEBHOOK_URL", webhook.url)
    webhook.status = 500
    drop(ocr_env.inbox, "big.json", invoice("BIG-1", "20000.00"))
    [result] = run_batch(ocr_defs, instance)
    assert result.success and len(webhook.received) == 2  # both attempted
    assert db.scalar("SELECT count(*) FROM ocr.invoices") == 1 and len(files_under(ocr_env.archive)) == 1
    errors = [r.user_message for r in instance.all_logs(result.run_id) if r.level >= 40]  # logging.ERROR
    assert any("Mattermost notification failed: OCR summary" in m and "500" in m for m in errors), errors
    # The webhook URL is the secret: no event of the run holds its path.
    events = [str(r.user_message) + str(r.dagster_event) for r in instance.all_logs(result.run_id)]
    assert events and not [e for e in events if "/hooks/ocr" in e]


def _sha(db: Warehouse, number: str) -> str:
    return db.scalar("SELECT content_sha256 FROM ocr.invoices WHERE invoice_number = %s", number)
