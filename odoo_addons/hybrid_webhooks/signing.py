"""The signature the hybrid webhook service checks (dagster_project/webhooks/signing.py), without Odoo imports so
the platform's tests can prove the two agree: HMAC-SHA256 over `timestamp + "." + body`."""

import hashlib
import hmac
import json
import time


def signed_request(secret, model, record_id, now=None):
    """(body, headers) of one notification."""
    body = json.dumps({"_model": model, "_id": record_id}, separators=(",", ":")).encode()
    timestamp = str(int(time.time() if now is None else now))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Hybrid-Timestamp": timestamp,
                  "X-Hybrid-Signature": "sha256=" + digest}
