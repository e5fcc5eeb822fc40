"""The operations variables: defaults, accepted spellings, and errors that name the variable and the fix."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dagster_project.config.environ import SettingError
from dagster_project.ops.settings import (
    big_invoice_threshold,
    failed_retention_days,
    retention_days,
    webserver_url,
)


def test_threshold_defaults_to_the_seeds_ten_thousand_and_reads_grouped_digits() -> None:
    assert big_invoice_threshold({}) == Decimal(10000)
    assert big_invoice_threshold({"BIG_INVOICE_THRESHOLD": " 25,000.50 "}) == Decimal("25000.50")
    assert big_invoice_threshold({"BIG_INVOICE_THRESHOLD": "1_000"}) == Decimal(1000)


@pytest.mark.parametrize("raw", ["ten thousand", "0", "-5", "NaN", "Infinity"])
def test_a_bad_threshold_names_the_variable_and_an_example(raw: str) -> None:
    with pytest.raises(SettingError, match=r"BIG_INVOICE_THRESHOLD=.* is not a positive amount.*=10000"):
        big_invoice_threshold({"BIG_INVOICE_THRESHOLD": raw})


def test_retention_days_default_and_failed_runs_are_never_kept_shorter() -> None:
    assert (retention_days({}), failed_retention_days({})) == (30, 90)
    assert failed_retention_days({"DAGSTER_RETENTION_DAYS": "120"}) == 120
    assert failed_retention_days({"DAGSTER_RETENTION_DAYS": "7", "DAGSTER_RETENTION_FAILED_DAYS": "14"}) == 14


@pytest.mark.parametrize("raw", ["thirty", "0", "-1", "1.5"])
def test_bad_retention_days_name_the_variable(raw: str) -> None:
    with pytest.raises(SettingError, match=r"DAGSTER_RETENTION_DAYS=.* is not a whole number of days"):
        retention_days({"DAGSTER_RETENTION_DAYS": raw})


def test_webserver_url_default_and_trailing_slash() -> None:
    assert webserver_url({}) == "http://localhost:3000"
    assert webserver_url({"DAGSTER_WEBSERVER_URL": "https://dagster.example.com/"}) == "https://dagster.example.com"
