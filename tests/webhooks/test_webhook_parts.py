"""The webhook service's parts that need no stack: signatures, slash-command words, the words-to-mart mapping
of /create-dashboard, and the branch a service commits to without touching the checkout."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from dulwich.object_store import iter_tree_contents
from dulwich.repo import Repo

from dagster_project import paths
from dagster_project.config.branch import BranchError, checkout_folder, commit_on_branch
from dagster_project.config.environ import SettingError
from dagster_project.config.webhooks import load_settings
from dagster_project.superset.generate import NoMart, design, templates, write
from dagster_project.superset.templates import load_sources
from dagster_project.webhooks import signing
from dagster_project.webhooks.odoo_refresh import OdooInvoice
from dagster_project.webhooks.slash import SlashCommand, words
from tests.gitrepo import committed_repo

SECRET = b"s" * 32
BODY = b'{"job_id": "J-1", "document": {}}'


def test_a_signature_over_timestamp_and_body_is_accepted_and_every_other_is_refused() -> None:
    headers = signing.signed_headers(SECRET, BODY, now=1_800_000_000)
    stamp, good = headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER]
    assert good.startswith("sha256=") and len(good) == 7 + 64
    signing.verify(SECRET, stamp, good, BODY, now=1_800_000_000 + 299)
    refusals = {
        "missing": (None, None, BODY, 1_800_000_000),
        "body changed": (stamp, good, BODY + b" ", 1_800_000_000),
        "other secret": (stamp, signing.signature(b"t" * 32, stamp, BODY), BODY, 1_800_000_000),
        "replayed": (stamp, good, BODY, 1_800_000_000 + 301),
        "from the future": (stamp, good, BODY, 1_800_000_000 - 301),
        "not a number": ("yesterday", good, BODY, 1_800_000_000),
    }
    messages = {}
    for case, (ts, sig, body, now) in refusals.items():
        with pytest.raises(signing.Unauthorized) as refused:
            signing.verify(SECRET, ts, sig, body, now=now)
        messages[case] = str(refused.value)
    assert "missing X-Hybrid-Timestamp" in messages["missing"]
    assert "does not match the body" in messages["body changed"] and "does not match" in messages["other secret"]
    assert "more than 300 s from now" in messages["replayed"] and "more than 300 s" in messages["from the future"]
    assert good.removeprefix("sha256=") not in "".join(messages.values()), "never the expected value"


def test_the_service_does_not_start_without_a_real_secret() -> None:
    with pytest.raises(SettingError, match="HYBRID_WEBHOOK_SECRET is not set"):
        load_settings("local", {})
    with pytest.raises(SettingError, match="has 5 characters"):
        load_settings("local", {"HYBRID_WEBHOOK_SECRET": "short"})
    settings = load_settings("local", {"HYBRID_WEBHOOK_SECRET": "x" * 16, "MATTERMOST_SLASH_TOKEN": "tok"})
    assert settings.secret == b"x" * 16 and settings.slash_token == "tok"


def _slash(command: str, text: str = "") -> SlashCommand:
    return SlashCommand(token="t", command=command, text=text)


def test_commands_are_their_own_trigger_words_or_words_after_hybrid() -> None:
    assert words(_slash("/drift-check", "all")) == ("drift-check", ["all"])
    assert words(_slash("/hybrid", "export-dashboard ar-aging staging")) == ("export-dashboard",
                                                                             ["ar-aging", "staging"])
    assert words(_slash("/hybrid")) == ("help", [])
    assert words(_slash("/create-dashboard", "  ar aging   by partner ")) == ("create-dashboard",
                                                                              ["ar", "aging", "by", "partner"])


@pytest.mark.parametrize(("text", "mart", "dimension"), [
    ("ar aging by partner", "ar_aging", "partner_name"),
    ("AP aging by vendor", "ap_aging", "partner_name"),
    ("revenue by month", "revenue_monthly", "month"),
    ("expenses by account", "expenses_monthly", "account_name"),
    ("ocr bills by status", "ocr_bill_matching", "match_status"),
    ("trial balance by account type", "trial_balance", "account_name"),
])
def test_words_map_to_one_mart_its_dimension_and_measures(text: str, mart: str, dimension: str) -> None:
    chosen = design(text, "warehouse")
    assert (chosen.mart.name, chosen.dimension.name) == (mart, dimension)
    assert chosen.measures and all(not c.name.endswith("_id") for c in chosen.measures)


def test_words_that_name_no_mart_get_the_list_of_marts() -> None:
    with pytest.raises(NoMart) as missed:
        design("weather in manila", "warehouse")
    assert "no mart matches 'weather in manila'" in str(missed.value)
    assert "ar_aging" in str(missed.value) and "trial_balance" in str(missed.value)


def test_generated_templates_reuse_the_mart_dataset_in_code_and_keep_words_as_data(tmp_path: Path) -> None:
    root = tmp_path / "superset_assets"
    shutil.copytree(paths.PROJECT_ROOT / "superset_assets", root)
    chosen = design("ar aging by partner [[ 7*7 ]]", "warehouse")
    files = templates(chosen, load_sources("local", root))
    assert "datasets/ar_aging.yaml" not in files, "code has a dataset on warehouse.ar_aging: reused"
    table = files["charts/ar_aging_by_partner_7_7_table.yaml"]
    assert table["dataset"] == "ar_aging" and table["groupby"] == ["partner_name"]
    assert table["metrics"] == ["total_residual", "open_items"]
    write(chosen, load_sources("local", root))
    rendered = load_sources("local", root).of("dashboards")["ar_aging_by_partner_7_7"].spec
    assert rendered["title"] == "Ar aging by partner [[ 7*7 ]]", "the words are data, never evaluated"
    assert rendered["slug"] == "ar-aging-by-partner-7-7"
    with pytest.raises(FileExistsError, match="exists already"):
        write(chosen, load_sources("local", root))


def test_a_branch_gets_one_commit_and_the_checkout_stays_as_it_was(tmp_path: Path) -> None:
    repo_dir = tmp_path / "repo"
    repo_dir.mkdir()
    shutil.copytree(paths.PROJECT_ROOT / "superset_assets" / "environments",
                    repo_dir / "superset_assets" / "environments")
    head = committed_repo(repo_dir)
    (repo_dir / "work-in-progress.txt").write_text("a person's uncommitted file")
    out = checkout_folder(repo_dir, "superset_assets", tmp_path / "scratch")
    assert sorted(p.name for p in (out / "environments").iterdir()) == ["local.yaml", "production.yaml", "staging.yaml"]
    commit = commit_on_branch(repo_dir, "export/partner-watch-1", {"superset_assets/dashboards/x.yaml": b"title: X\n"},
                              "Export x", "bot <bot@localhost>")
    with Repo(str(repo_dir)) as repo:
        made = repo[commit.encode()]
        assert made.parents == [head] and repo.head() == head, "HEAD did not move"
        assert repo.refs[b"refs/heads/export/partner-watch-1"] == commit.encode()
        before = {e.path: e.sha for e in iter_tree_contents(repo.object_store, repo[head].tree)}
        after = {e.path: e.sha for e in iter_tree_contents(repo.object_store, made.tree)}
        added = {path: repo[after[path]].as_raw_string() for path in after.keys() - before.keys()}
    assert added == {b"superset_assets/dashboards/x.yaml": b"title: X\n"}
    assert {path: after[path] for path in before} == before, "every other file as the parent has it"
    assert (repo_dir / "work-in-progress.txt").read_text() == "a person's uncommitted file"
    assert not (repo_dir / "superset_assets" / "dashboards").exists(), "the working tree is untouched"
    with pytest.raises(BranchError, match="exists already"):
        commit_on_branch(repo_dir, "export/partner-watch-1", {"a.yaml": b"x"}, "again", "bot <bot@localhost>")
    with pytest.raises(BranchError, match="not a branch name"):
        commit_on_branch(repo_dir, "../../etc", {"a.yaml": b"x"}, "bad", "bot <bot@localhost>")


def test_the_odoo_addon_signs_as_the_service_verifies() -> None:
    """odoo_addons/hybrid_webhooks/signing.py runs inside Odoo (no Odoo here): loaded by path, its request passes."""
    spec = importlib.util.spec_from_file_location("odoo_signing", paths.PROJECT_ROOT / "odoo_addons" /
                                                  "hybrid_webhooks" / "signing.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    body, headers = module.signed_request(SECRET.decode(), "account.move", 42, now=1_800_000_000)
    signing.verify(SECRET, headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER], body,
                   now=1_800_000_010)
    assert OdooInvoice.model_validate(json.loads(body)).id == 42
