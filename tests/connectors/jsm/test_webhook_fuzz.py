"""Signed, structurally random Jira deliveries about service requests at ``POST
/webhooks/jsm``: never a 5xx, nothing stored from a refused one, and the daemon healthy
afterwards. The payloads are the Jira fuzz's, moved into the service project HELP, with a
customer as reporter and comments that say (Cloud) or do not say (Data Center) whether the
customer sees them."""

from __future__ import annotations

import copy
from typing import Any

from connectors.jsm.emulator.actor import config
from tests.connectors.jira.test_webhook_fuzz import PAYLOADS as JIRA_PAYLOADS
from tests.connectors.jira.test_webhook_fuzz import fuzz

SECRET = "fuzz-jsm-secret"
CUSTOMER = {"name": "ada", "key": "ada", "displayName": "Ada Lovelace", "active": True}


def _request(payload: dict[str, Any], public: bool | None) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    issue = out["issue"]
    issue["key"] = "HELP-14"
    if "reporter" in issue.get("fields", {}) or len(issue.get("fields", {})) > 2:
        issue["fields"]["reporter"] = CUSTOMER
        issue["fields"]["status"] = {
            "name": "Waiting for support",
            "statusCategory": {"key": "new", "id": 2},
        }
    if "comment" in out:
        out["comment"].pop("jsdPublic", None)
        if public is not None:
            out["comment"]["jsdPublic"] = public
    return out


PAYLOADS = [_request(p, public) for p in JIRA_PAYLOADS for public in (None, True, False)]


def test_random_deliveries_never_get_a_5xx_and_refusals_store_nothing(store_url: str) -> None:
    fuzz(store_url, "jsm", config("datacenter")("http://127.0.0.1:9", SECRET), PAYLOADS)
