#!/bin/sh
# One-shot start-up of Superset's metadata (the compose `superset-init` service), as the local stack's first start
# does (dagster_project/stack/superset_runtime.py): schema upgrade, the admin user of the instance matrix, the default
# roles and permissions. Each step is idempotent, so it runs on every `docker compose up`.
set -eu
: "${SUPERSET_ADMIN_USER:?set SUPERSET_ADMIN_USER_STAGING in .env}"
: "${SUPERSET_ADMIN_PASS:?set SUPERSET_ADMIN_PASS_STAGING in .env}"
echo "Superset: upgrading the metadata database"
superset db upgrade
echo "Superset: admin user ${SUPERSET_ADMIN_USER}"
# The password goes through the environment (click's FLASK_ prefix), never the command line.
FLASK_FAB_CREATE_ADMIN_PASSWORD="$SUPERSET_ADMIN_PASS" superset fab create-admin --username "$SUPERSET_ADMIN_USER" \
    --firstname Hybrid --lastname Admin --email "${SUPERSET_ADMIN_USER}@localhost"
echo "Superset: default roles and permissions"
superset init
