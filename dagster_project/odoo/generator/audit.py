"""The columns every Odoo table starts with (id and who created and last wrote the row, when), named once."""

from __future__ import annotations

from dagster_project.odoo.generator.specs import ADMIN_UID

AUDIT_COLUMNS = ("id", "create_uid", "create_date", "write_uid", "write_date")


def audit(created: str) -> tuple[object, ...]:
    """The four audit columns of a row created (and last written) by the administrator at ``created``."""
    return (ADMIN_UID, created, ADMIN_UID, created)
