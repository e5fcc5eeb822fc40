"""The DBML files: the declaration reads, a wrong one is refused naming its place, and the generated files
(marts, Odoo) are current and read back as the shapes they were generated from."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dagster_project.cli.main import cli
from dagster_project.warehouse.contracts import read_contracts
from dagster_project.warehouse.declared import DeclarationError, read_declaration
from dagster_project.warehouse.generated import generated_files
from dagster_project.warehouse.shape import IDENTITY, SERIAL, canonical_type


def test_the_declaration_holds_the_platform_tables_with_their_keys() -> None:
    declared = read_declaration()
    assert {t.schema for t in declared.values()} == {"ops", "ocr"}
    lines = declared["ocr.invoice_lines"]
    assert lines.primary_key == ("invoice_id", "line_number")
    assert {(fk.target, fk.on_delete) for fk in lines.foreign_keys} == {("ocr.invoices", "CASCADE")}
    assert declared["ocr.invoices"].columns["id"].generated == IDENTITY
    assert declared["ops.health_log"].columns["id"].generated == SERIAL
    assert declared["ops.invoice_alerts"].indexes["invoice_alerts_pending"].where == "(status = 'pending'::text)"
    assert all(t.note for t in declared.values())


@pytest.mark.parametrize(("text", "message"), [
    ("Table ops.x {\n  id integer [pk\n}\n", r"broken\.dbml:\d+:\d+: not valid DBML"),
    ("Table ops.x {\n  id \"integer; DROP TABLE y\"\n}\n", r"ops\.x\.id: type .* is not a Postgres type name"),
    ("Table ops.x {\n  state text [default: 'new']\n}\n", r"ops\.x\.state: write the default 'new' as a backtick"),
    ("Table x {\n  id integer\n}\n", r"name the schema \(`Table ops\.x`\)"),
    ("Table ops.x {\n  id integer\n  indexes {\n    id\n  }\n}\n", r"needs \[name: '\.\.\.'\]"),
])
def test_a_wrong_declaration_names_the_file_and_the_fix(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "broken.dbml").write_text(text)
    with pytest.raises(DeclarationError, match=message):
        read_declaration(tmp_path)


def test_types_are_compared_as_postgres_spells_them() -> None:
    assert canonical_type("timestamptz") == ("timestamp with time zone", None)
    assert canonical_type("numeric(12, 1)") == ("numeric(12,1)", None)
    assert canonical_type("varchar(3)") == ("character varying(3)", None)
    assert canonical_type("bigserial") == ("bigint", SERIAL)
    assert canonical_type("timestamp(3) with time zone") == ("timestamp(3) with time zone", None)


def test_the_generated_dbml_is_current_and_reads_back_as_the_contracts(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["warehouse", "dbml", "--check"])
    assert result.exit_code == 0, result.output
    marts_file = next(path for path in generated_files() if path.name == "marts.dbml")
    (tmp_path / "marts.dbml").write_text(marts_file.read_text())
    read_back = read_declaration(tmp_path)
    contracts = read_contracts()
    assert {name: [(c.name, c.type) for c in t.columns.values()] for name, t in read_back.items()} == \
           {name: [(c.name, c.type) for c in t.columns.values()] for name, t in contracts.items()}
