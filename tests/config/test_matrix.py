"""The instance matrix loader: resolution, aliases, and errors that name the file, key and variable."""

from pathlib import Path

import pytest

from dagster_project.config.matrix import MatrixError, MissingVariable, load_matrix

MATRIX = Path(__file__).resolve().parents[2] / "config" / "instance-matrix.yaml"


def test_every_environment_has_the_three_services_and_their_variables() -> None:
    matrix = load_matrix(MATRIX)
    assert list(matrix.environments) == ["local", "staging", "production"]
    for name, env in matrix.environments.items():
        suffix = name.upper()
        assert env.odoo.variables["db_url"][0] == f"ODOO_DB_URL_{suffix}"
        assert env.supabase.variables["db_url"][0] == f"SUPABASE_DB_URL_{suffix}"
        assert env.superset.variables["meta_db_url"][0] == f"SUPERSET_META_DB_URL_{suffix}"
        assert {"url", "admin_user", "admin_pass"} <= set(env.superset.variables)
    assert matrix.environments["production"].protected
    assert not matrix.environments["local"].protected


@pytest.mark.parametrize(("alias", "canonical"), [("dev", "local"), ("prod", "production"), ("staging", "staging")])
def test_aliases_resolve(alias: str, canonical: str) -> None:
    assert load_matrix(MATRIX).resolve(alias).name == canonical


def test_unknown_environment_is_named_with_the_known_ones() -> None:
    with pytest.raises(MatrixError) as info:
        load_matrix(MATRIX).resolve("qa")
    message = str(info.value)
    assert "unknown environment 'qa'" in message
    assert str(MATRIX) in message
    assert "local, staging, production, dev (= local), prod (= production)" in message


def test_missing_variable_names_environment_key_and_variable() -> None:
    env = load_matrix(MATRIX).resolve("prod")
    with pytest.raises(MissingVariable) as info:
        env.value("supabase", "db_url", environ={})
    message = str(info.value)
    assert "SUPABASE_DB_URL_PRODUCTION" in message
    assert "environments.production.supabase.env.db_url" in message
    assert "export SUPABASE_DB_URL_PRODUCTION=" in message


def test_first_set_variable_of_a_list_wins() -> None:
    env = load_matrix(MATRIX).resolve("local")
    assert env.value("superset", "url", {"SUPERSET_URL": "http://b"}) == "http://b"
    assert env.value("superset", "url", {"SUPERSET_URL_LOCAL": "http://a", "SUPERSET_URL": "http://b"}) == "http://a"


def test_environment_variables_override_the_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env.local"
    env_file.write_text("ODOO_DB_URL_LOCAL=postgresql://from-file/odoo_local\n")
    monkeypatch.setenv("HYBRID_ENV_FILE", str(env_file))
    monkeypatch.delenv("ODOO_DB_URL_LOCAL", raising=False)
    env = load_matrix(MATRIX).resolve("local")
    assert env.value("odoo", "db_url") == "postgresql://from-file/odoo_local"
    monkeypatch.setenv("ODOO_DB_URL_LOCAL", "postgresql://from-env/odoo_local")
    assert env.value("odoo", "db_url") == "postgresql://from-env/odoo_local"


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "matrix.yaml"
    bad.write_text("version: 1\nenvironments:\n  local:\n    odoo: [unclosed\n")
    with pytest.raises(MatrixError) as info:
        load_matrix(bad)
    assert f"{bad}:5" in str(info.value) or f"{bad}:4" in str(info.value)
    assert "invalid YAML" in str(info.value)


def test_missing_key_is_named_with_its_path(tmp_path: Path) -> None:
    text = MATRIX.read_text().replace("        meta_db_url: SUPERSET_META_DB_URL_STAGING\n", "")
    bad = tmp_path / "matrix.yaml"
    bad.write_text(text)
    with pytest.raises(MatrixError) as info:
        load_matrix(bad)
    assert "environments.staging.superset.env.meta_db_url is missing" in str(info.value)


def test_alias_to_unknown_environment_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "matrix.yaml"
    bad.write_text(MATRIX.read_text().replace("prod: production", "prod: prodution"))
    with pytest.raises(MatrixError, match="aliases.prod points at unknown environment 'prodution'"):
        load_matrix(bad)
