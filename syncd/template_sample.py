"""The sample context every template is checked and previewed with (``syncd templates render``,
``syncd config check``): a ticket, an issue, a route, an SLA and each optional value."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# when the sample ticket was escalated: a Monday morning (business calendars start there)
SAMPLE_TIME = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

SAMPLE: dict[str, Any] = {
    "ticket": {
        "ref": {"key": "1234"},
        "subject": "Export fails",
        "description": "It fails.",
        "url": "https://help.example.com/tickets/1234",
        "organization": "Acme",
        "requester": "Ada",
        "status": "open",
        "priority": "high",
        "tags": ["escalate"],
        "group": "Support L2",
        "fields": {},
    },
    "issue": {
        "ref": {"key": "acme/widgets#42"},
        "url": "https://example.com/acme/widgets/42",
        "title": "Export fails",
        "status": "done",
        "priority": "high",
        "milestone": "4.3",
        "labels": ["from-support"],
        "assignee": "dev-alice",
        "fields": {"fixVersions": "4.3"},
        "dates": {"milestone": "2027-01-14", "fixVersions": "2027-01-14"},
    },
    "route": {
        "name": "widgets",
        "mode": "pending",
        "comment_prefix": "/dev",
        "redirect_to": None,
        "target": {"connector": "tracker", "project": "acme/widgets"},
    },
    "comment": {"author": "dev-alice", "body": "Found it.", "public": False},
    "body": "Please look at the logs.",
    "sender": "dev-alice (engineering)",
    "reason": "issue deleted",
    "tier": "L2",
    "sla": {
        "any": True,
        "calendar": "business",
        "acknowledge": {"limit": "4h", "deadline": "2026-11-24 13:00 UTC", "level": "ok"},
        "resolve": {"limit": "40h", "deadline": "2026-12-01 17:00 UTC", "level": "ok"},
    },
    "dev_priority": "high",
    "progress": "started",
    "kind": "resolve",
    "helpdesk_sla": None,  # the helpdesk's SLA a line was crossed on (kind helpdesk)
    "limit": "40h",
    "deadline": "2026-12-01 17:00 UTC",
    "candidates": [
        {
            "url": "https://example.com/acme/widgets/41",
            "key": "acme/widgets#41",
            "title": "CSV export crashes",
            "score": 0.71,
        }
    ],
    "redacted": {
        "summary": "2 e-mail addresses and 1 phone number",
        "total": 3,
        "counts": {"email": 2, "phone": 1},
        "fields": ["title", "description"],
        "where": "title and description",
        "project": "acme/widgets",
        "public": True,
    },
    "change": {
        "direction": "raised",
        "priority": "urgent",
        "written": True,
        "closed": False,
        "again": False,
        "was_closed": True,
        "policy": "reopen",
        "what": "close",
        "why": "6 tickets (the route raises it at 5)",
        "fields": "customfield_10020 = '4.3'",
        "where": "issue",
    },
    "fields": {},
    "history": {
        "entries": [
            {
                "author": "Ada",
                "when": "2026-11-23 08:40 UTC",
                "public": True,
                "body": "Export fails since the update.",
                "attachments": ["export.log"],
            },
            {
                "author": "Sam (support)",
                "when": "2026-11-23 08:55 UTC",
                "public": False,
                "body": "Customer runs 4.2 on Windows.",
                "attachments": [],
            },
        ],
        "replies": 1,
        "notes": 1,
        "collapsible": True,
        "request_prefix": "/history",
        "url": "https://syncd.example.com/history/7?exp=1795510800&sig=0f3a",
        "expires": "2026-11-30 09:00 UTC",
        "ttl": "7d",
    },
    "files": [
        {
            "name": "screenshot.png",
            "size": 48213,
            "url": "https://syncd.example.com/files/7/eyJj?exp=1795510800&sig=0f3a",
            "reason": "larger than 20 MB",
            "direction": "from",
        }
    ],
    "expires": "2026-11-30 09:00 UTC",
    "origin": "ticket",
    "impact": {
        "tickets": 3,
        "open": 2,
        "organizations": ["Acme", "Globex"],
        "highest_customer_tier": "enterprise",
        "support_tiers": ["L1", "L2"],
        "oldest": "2026-11-20",
        "refs": [],
        "label": "impact:2-5",
    },
}


class SampleFields(dict[str, Any]):
    """Any mapped field's sample (``fields["Fix version"].value``), as a route names it."""

    def __missing__(self, key: str) -> dict[str, Any]:
        return {"ticket": "4.3", "issue": "4.3", "value": "4.3", "due": "2027-01-14"}


def sample(route: Any = None) -> dict[str, Any]:
    """The sample context, with a real route's settings when one is given."""
    data = {**SAMPLE, "fields": SampleFields()}
    if route is not None:
        data["route"] = route.model_dump()
        if route.target.connector is None:  # a third party: there is no issue to point at
            data["issue"] = {"ref": {"key": ""}, "url": "", "title": "", "status": "todo"}
    return data
