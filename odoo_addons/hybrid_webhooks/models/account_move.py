"""After a posting commits, one signed POST per move to HYBRID_WEBHOOK_URL (the Odoo process's environment,
with HYBRID_WEBHOOK_SECRET; neither is stored in the database). Odoo's own "Send Webhook Notification" action
cannot add headers, so it cannot sign. Sent after the commit, so the replica already holds what the call
announces; a failed call is logged and never undoes the posting."""

import logging
import os

import requests
from odoo import models

from ..signing import signed_request

_logger = logging.getLogger(__name__)
TIMEOUT_S = 5


def _notify(url, secret, move_ids):
    for move_id in move_ids:
        body, headers = signed_request(secret, "account.move", move_id)
        try:
            requests.post(url, data=body, headers=headers, timeout=TIMEOUT_S).raise_for_status()
        except requests.RequestException as exc:
            _logger.warning("hybrid webhook for account.move %s failed: %s", move_id, exc)


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft)
        url, secret = os.environ.get("HYBRID_WEBHOOK_URL"), os.environ.get("HYBRID_WEBHOOK_SECRET")
        if url and secret and posted:
            move_ids = list(posted.ids)
            self.env.cr.postcommit.add(lambda: _notify(url, secret, move_ids))
        return posted
