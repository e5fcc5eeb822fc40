"""What an audit row keeps of a tool's arguments: secrets never, the rest as given."""

from __future__ import annotations

from dagster_project.mcp.audit import scrub


def test_secrets_are_removed_from_the_arguments() -> None:
    arguments = {"env": "local", "password": "hunter2", "api_token": "abc", "query": "SELECT 1",
                 "source": "postgresql://odoo:s3cret@db:5432/odoo", "nested": {"dsn": "x", "rows": [{"key": "k"}]}}
    assert scrub(arguments) == {"env": "local", "password": "***", "api_token": "***", "query": "SELECT 1",
                                "source": "postgresql://odoo:***@db:5432/odoo",
                                "nested": {"dsn": "***", "rows": [{"key": "***"}]}}
