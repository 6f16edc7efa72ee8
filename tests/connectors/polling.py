"""Polling helpers of the connector tests: the cursors a connector must refuse (garbage,
wrong shapes and versions, other connectors' cursors), and polling until a page says there
is no more (:func:`drain`, :func:`drain_pages`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from syncd.connector import Capability, Connector, PollCursors

# cursors as each kind of connector writes them, to be refused by every other kind
FOREIGN_CURSORS = {
    "github": json.dumps(
        {
            "v": 1,
            "repos": {
                "acme/widgets": {
                    "issues": {"since": "2024-05-01T10:00:00Z", "etag": None},
                    "comments": {"since": "2024-05-01T10:00:00Z", "etag": None},
                }
            },
        }
    ),
    "zendesk": json.dumps(
        {"v": 1, "tickets": {"start": 1714557600}, "events": {"start": 1714557600, "seen": []}}
    ),
    "jira": json.dumps({"v": 1, "hw": "2024-05-01T10:00:00Z", "seen": {}}),
    "rt": "4242",
    "redmine": json.dumps(
        {"v": 1, "updated_on": "2024-05-01T10:00:00Z", "issues": {"42": "2024-05-01T10:00:00Z"}}
    ),
    "email": json.dumps({"v": 1, "validity": 1714557600, "uid": 42}),
    "gitlab": json.dumps(
        {"v": 1, "projects": {"acme/widgets": {"after": "2024-05-01T10:00:00.000Z", "seen": {}}}}
    ),
    "freshdesk": json.dumps({"v": 1, "since": "2024-05-01T10:00:00Z", "page": 1, "seen": [42]}),
    "jsm": json.dumps({"v": 1, "hw": "2024-05-01T10:00:00Z", "seen": {}, "projects": ["HELP"]}),
}
UNREADABLE = [
    "garbage",
    "empty",
    "json-null",
    "json-list",
    "json-number-text",
    "wrong-shape",
    "wrong-types",
    "truncated",
    "wrong-version",
    "newer-version",
    "version-as-text",
    "foreign",
]


def poll_cursors(connector: Connector) -> PollCursors:
    if Capability.POLL not in connector.capabilities:
        pytest.skip("connector does not poll")
    assert Capability.CURSOR_SINCE in connector.capabilities, "a polling connector makes cursors"
    assert isinstance(connector, PollCursors)
    return connector


def unreadable_cursors(connector: Connector, case: str) -> list[str]:
    """Cursors of the kind ``case`` that ``connector`` cannot read, built from its own."""
    own = poll_cursors(connector).cursor_since(datetime.now(UTC))
    try:
        data = json.loads(own)
    except ValueError:
        data = None
    shaped = isinstance(data, dict)
    body = {k: v for k, v in data.items() if k != "v"} if isinstance(data, dict) else {}
    kind = str(getattr(getattr(connector, "settings", None), "kind", ""))
    return {
        "garbage": ["not a cursor at all", "\x00\xff", "{{{{"],
        "empty": ["", " "],
        "json-null": ["null", "true"],
        "json-list": ["[1, 2, 3]", "[]"],
        "json-number-text": ['"4242"', "-5", "1.5", "1e3", "0x10", "1_000", "\u0661\u0662"],
        "wrong-shape": ['{"v": 1, "cursor": {"position": 7}}', '{"v": 1}', "{}"],
        "wrong-types": [
            json.dumps({"v": 1, **{k: [v] for k, v in body.items()}}),
            json.dumps({"v": 1, **{k: "x" for k in body}}),
        ]
        if shaped
        else ['{"v": 1, "after": "12"}'],
        "truncated": [own[: len(own) // 2], own[:-1]] if shaped else ['{"v": 1, "after": 12'],
        "wrong-version": [json.dumps({**data, "v": -1}), json.dumps({**data, "v": 1.5})]
        if shaped
        else ['{"v": -1}'],
        "newer-version": [json.dumps({**data, "v": data["v"] + 1}), json.dumps({**data, "v": 99})]
        if shaped
        else ['{"v": 99}'],
        "version-as-text": [json.dumps({**data, "v": "1"}), json.dumps({**data, "v": True})]
        if shaped
        else ["12x", " 12"],
        "foreign": [c for k, c in FOREIGN_CURSORS.items() if k != kind],
    }[case]


def drain_pages(
    connector: Connector, cursor: str | None, most: int = 50
) -> tuple[list[Any], str | None, int]:
    """Poll from ``cursor`` until a page says there is no more (``most`` pages at the most):
    the changes, the last cursor, and how many pages it took."""
    changes: list[Any] = []
    pages = 0
    for _ in range(most):
        page = connector.poll(cursor)
        pages += 1
        changes.extend(page.changes)
        cursor = page.cursor
        if not page.more:
            break
    return changes, cursor, pages


def drain(connector: Connector, cursor: str | None, most: int = 50) -> tuple[list[Any], str | None]:
    """The changes and the last cursor of :func:`drain_pages`."""
    changes, cursor, _ = drain_pages(connector, cursor, most)
    return changes, cursor
