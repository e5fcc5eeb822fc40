"""Superset's configuration in docker-compose.yml (docker/superset/Dockerfile puts it on Superset's PYTHONPATH).

The same settings as the local stack's generated config (dagster_project/stack/superset_runtime.py), read from the same
variables, plus what serving behind the TLS proxy needs; tests/deploy compares the two. No secret in this file.
"""

import os

SECRET_KEY = os.environ["HYBRID_SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["HYBRID_SUPERSET_META_DB_URL"]
WTF_CSRF_ENABLED = True  # the API client follows the real CSRF flow
SQLLAB_TIMEOUT = 120
SUPERSET_WEBSERVER_TIMEOUT = 120

# Served over HTTPS by the Caddy proxy: trust its X-Forwarded-* headers, keep Talisman's security headers on,
# send the session cookie over HTTPS only.
ENABLE_PROXY_FIX = True
TALISMAN_ENABLED = True
SESSION_COOKIE_SECURE = True
