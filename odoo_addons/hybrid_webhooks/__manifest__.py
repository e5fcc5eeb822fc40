{
    "name": "Hybrid platform webhooks",
    "summary": "Tell the hybrid webhook service when a journal entry is posted (HMAC-signed, after commit).",
    "version": "19.0.1.0.0",
    "license": "LGPL-3",
    "depends": ["account"],
    "data": [],
    "installable": True,
}
