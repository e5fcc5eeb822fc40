"""The webhook service: signed OCR and Odoo callbacks and Mattermost slash commands, each turned into a Dagster
run on the same library functions as the CLI (docs/webhooks.md)."""
