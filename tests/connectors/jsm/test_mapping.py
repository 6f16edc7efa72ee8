"""JSM statuses both ways, table-driven, and the settings' own checks."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from connectors.jsm import mapping
from connectors.jsm.settings import JsmSettings
from syncd.model import IssueStatus, TicketStatus

BASE: dict[str, Any] = {
    "kind": "jsm",
    "base_url": "https://acme.atlassian.net",
    "email": "bot@acme.example",
    "api_token": "t",
    "projects": ["help"],
}


@pytest.mark.parametrize(
    ("name", "category", "expected"),
    [
        ("Waiting for support", "new", TicketStatus.OPEN),
        ("Waiting for customer", "indeterminate", TicketStatus.PENDING),
        ("Pending", "indeterminate", TicketStatus.ON_HOLD),
        ("Escalated", "indeterminate", TicketStatus.ON_HOLD),
        ("Work in progress", "indeterminate", TicketStatus.OPEN),
        ("RESOLVED", "done", TicketStatus.SOLVED),
        ("Closed", "done", TicketStatus.CLOSED),
        ("Canceled", "done", TicketStatus.CLOSED),
        ("Awaiting approval", "new", TicketStatus.NEW),  # unknown: by its category
        ("Under review", "indeterminate", TicketStatus.OPEN),
        ("Shipped", "done", TicketStatus.SOLVED),
    ],
)
def test_status_names_and_categories(name: str, category: str, expected: TicketStatus) -> None:
    names = JsmSettings.model_validate(BASE).statuses()
    status = {"name": name, "statusCategory": {"key": category}}
    assert mapping.status_of(status, names) == expected


def test_a_workflow_of_its_own() -> None:
    s = JsmSettings.model_validate(
        BASE | {"status_map": {"Under Review": "on_hold"}, "write_status": {"on_hold": "Escalated"}}
    )
    review = {"name": "under review", "statusCategory": {"key": "indeterminate"}}
    assert mapping.status_of(review, s.statuses()) == TicketStatus.ON_HOLD
    assert s.write_statuses()[TicketStatus.ON_HOLD] == "Escalated"
    assert s.write_statuses()[TicketStatus.SOLVED] == "Resolved"  # the stock one stays


def test_a_transition_by_status_name_else_by_category() -> None:
    listed = [
        {"id": "1", "to": {"name": "Escalated", "statusCategory": {"key": "indeterminate"}}},
        {"id": "2", "to": {"name": "Pending", "statusCategory": {"key": "indeterminate"}}},
        {"id": "3", "to": {"name": "Resolved", "statusCategory": {"key": "done"}}},
    ]
    assert mapping.pick_transition(listed, TicketStatus.ON_HOLD, "Pending")["id"] == "2"
    assert mapping.pick_transition(listed, TicketStatus.SOLVED, "Done")["id"] == "3"
    assert mapping.pick_transition(listed, TicketStatus.OPEN, "Waiting for support") is None
    assert mapping.category_of(TicketStatus.PENDING) == IssueStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"projects": []}, "at least 1"),
        ({"projects": ["HELP DESK"]}, "not a Jira project key"),
        ({"projects": ["1HELP"]}, "not a Jira project key"),
        ({"api_token": None}, "api_token"),
        ({"flavour": "datacenter"}, "Data Center needs `pat`"),
        ({"status_map": {"Pending": "waiting"}}, "status_map"),
    ],
)
def test_settings_say_what_is_wrong(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        JsmSettings.model_validate(BASE | over)
    assert JsmSettings.model_validate(BASE).projects == ["HELP"]
