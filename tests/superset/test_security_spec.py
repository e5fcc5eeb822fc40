"""security/roles.yaml and the companies of the values are read through typed models: a wrong file fails
`hybrid validate` naming the field by its place in the file and the line, and a misspelt key is an error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dagster_project import paths
from dagster_project.superset.security import load_security
from dagster_project.superset.templates import AssetError, load_sources

GOOD = ("  - name: company_ph_group_viewer             # the PH parent company with its Cebu branch\n"
        "    companies: [ph, cebu]\n")


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    target = tmp_path / "superset_assets"
    shutil.copytree(paths.PROJECT_ROOT / "superset_assets", target)
    return target


def _load(root: Path) -> None:
    sources = load_sources("local", root)
    load_security(sources, [])


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_the_checked_in_file_loads_into_its_roles(assets: Path) -> None:
    security = load_security(load_sources("local", assets), ["ar_aging"])
    assert security is not None and security.column == "company_id"
    assert {role.logical: role.companies for role in security.roles}["company_ph_group_viewer"] == (1, 3)
    assert ("can_read", "Dashboard") in security.permissions and security.exempt == {}


def test_a_role_without_companies_is_named_by_its_place_and_line(assets: Path) -> None:
    roles = assets / "security" / "roles.yaml"
    _edit(roles, GOOD, "  - name: company_ph_group_viewer\n    companies: []\n")
    with pytest.raises(AssetError) as failed:
        _load(assets)
    assert failed.value.message.startswith("roles.")
    assert ".companies: List should have at least 1 item" in failed.value.message
    assert roles.read_text().splitlines()[failed.value.line - 1].strip().startswith("companies:")


def test_a_misspelt_key_and_an_unsafe_column_are_refused(assets: Path) -> None:
    roles = assets / "security" / "roles.yaml"
    _edit(roles, "permissions:\n", "permisions:\n")
    with pytest.raises(AssetError, match=r"permisions: Extra inputs are not permitted"):
        _load(assets)
    _edit(roles, "permisions:\n", "permissions:\n")
    _edit(roles, "column: company_id\n", "column: \"company_id; drop table x\"\n")
    with pytest.raises(AssetError, match=r"^.*roles.yaml:\d+: column: String should match pattern"):
        _load(assets)


def test_a_company_id_that_is_not_an_integer_names_the_values_file(assets: Path) -> None:
    values = assets / "environments" / "local.yaml"
    text = values.read_text()
    first_id = next(line for line in text.splitlines() if "id:" in line and "code" in line)
    _edit(values, first_id, first_id.replace("id: 1", "id: '1'"))
    with pytest.raises(AssetError) as failed:
        _load(assets)
    assert failed.value.path == values
    assert failed.value.message.startswith("companies.0.id: Input should be a valid integer")
