"""The emulator answers in the shapes of Zendesk's published API description, and Zendesk's
own examples map to the expected canonical values.

Relaxations, all because the published description is stricter than the service: every
typed value may also be null (Zendesk sends ``"priority": null``, ``"assignee_id": null``,
... although the description does not say ``nullable``), ``format`` is not checked, and
``oneOf`` is read as ``anyOf`` (an audit event ``value`` of null matches both branches).
The description types ``ticket_events`` items as ticket *metric* events; the ticket event
export's own fields (``child_events``, ``updater_id`` ...) are not described there, so only
the shared ones (``id``, ``ticket_id``) are really checked. Every test that reads the
description or its examples is marked ``vendor_samples``.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

import httpx
import jsonschema
import pytest

from connectors.zendesk.emulator import ZendeskEmulator
from connectors.zendesk.mapping import Context, Names, ticket_from_raw
from connectors.zendesk.mapping_comments import (
    comment_from_raw,
    comments_from_audits,
    comments_from_ticket_events,
)
from syncd.model import Comment, FileRef, Priority, Ref, Ticket, TicketStatus

from .conftest import SAMPLES

OPENAPI = SAMPLES / "zendesk" / "openapi"


def _relax(node: Any) -> Any:
    if isinstance(node, list):
        return [_relax(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _relax(v) for k, v in node.items() if k not in ("format", "example", "examples")}
    if isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    if "oneOf" in out:
        out["anyOf"] = out.pop("oneOf")
    return out


@cache
def spec() -> dict[str, Any]:
    return json.loads((OPENAPI / "zendesk-spec.sync-subset.json").read_text())


def response_schema(path: str, method: str, status: str) -> dict[str, Any]:
    op = spec()["paths"][path][method]
    schema = op["responses"][status]["content"]["application/json"]["schema"]
    root = _relax(copy.deepcopy(schema))
    root["components"] = {"schemas": _relax(copy.deepcopy(spec()["components"]["schemas"]))}
    return root


def check(body: Any, path: str, method: str = "get", status: str = "200") -> None:
    jsonschema.Draft7Validator(response_schema(path, method, status)).validate(body)


@pytest.fixture
def agent(served: tuple[ZendeskEmulator, str]) -> httpx.Client:
    _, url = served
    return httpx.Client(base_url=url, auth=("syncd@example.com/token", "syncd-token"), timeout=5)


@pytest.mark.vendor_samples
def test_every_endpoint_the_connector_calls(
    served: tuple[ZendeskEmulator, str], agent: httpx.Client
) -> None:
    emu, _ = served
    start = int(datetime.now(UTC).timestamp()) - 1
    created = agent.post(
        "/api/v2/tickets.json",
        json={
            "ticket": {
                "subject": "schema",
                "comment": {"body": "check **me**"},
                "requester_id": emu.customer.id,
                "priority": "normal",
                "group_id": 360001,
                "tags": ["a"],
            }
        },
    )
    assert created.status_code == 201 and created.headers["Location"].endswith(".json")
    check(created.json(), "/api/v2/tickets", "post", "201")
    tid = created.json()["ticket"]["id"]
    put = agent.put(
        f"/api/v2/tickets/{tid}.json",
        json={
            "ticket": {
                "status": "hold",
                "priority": "high",
                "comment": {"body": "note", "public": False},
                "metadata": {"syncd_key": "k"},
            }
        },
    )
    check(put.json(), "/api/v2/tickets/{ticket_id}", "put")
    shown = agent.get(f"/api/v2/tickets/{tid}.json", params={"include": "users,groups"})
    check(shown.json(), "/api/v2/tickets/{ticket_id}")
    me = agent.get("/api/v2/users/me.json").json()
    check(me, "/api/v2/users/me")
    check(agent.get(f"/api/v2/users/{me['user']['id']}.json").json(), "/api/v2/users/{user_id}")
    audits = agent.get(f"/api/v2/tickets/{tid}/audits.json", params={"per_page": 1}).json()
    check(audits, "/api/v2/tickets/{ticket_id}/audits")
    assert audits["count"] == 2 and audits["next_page"].endswith("page=2&per_page=1")
    assert agent.get(audits["next_page"]).json()["audits"][0]["metadata"]["custom"] == {
        "syncd_key": "k"
    }
    comments = agent.get(f"/api/v2/tickets/{tid}/comments.json").json()
    check(comments, "/api/v2/tickets/{ticket_id}/comments")
    assert [c["public"] for c in comments["comments"]] == [True, False]
    export = agent.get(
        "/api/v2/incremental/tickets/cursor.json", params={"start_time": start}
    ).json()
    check(export, "/api/v2/incremental/tickets/cursor")
    assert export["end_of_stream"] and tid in [t["id"] for t in export["tickets"]]
    events = agent.get(
        "/api/v2/incremental/ticket_events.json",
        params={"start_time": start, "include": "comment_events"},
    ).json()
    check(events, "/api/v2/incremental/ticket_events")


def test_error_bodies(agent: httpx.Client, served: tuple[ZendeskEmulator, str]) -> None:
    _, url = served
    missing = agent.get("/api/v2/tickets/1.json")
    assert missing.status_code == 404
    assert missing.json() == {"error": "RecordNotFound", "description": "Not found"}
    denied = httpx.get(f"{url}/api/v2/users/me.json", auth=("x@example.com/token", "nope"))
    assert denied.status_code == 401 and denied.json() == {"error": "Couldn't authenticate you"}
    invalid = agent.post("/api/v2/tickets.json", json={"ticket": {"subject": "no body"}})
    assert invalid.status_code == 422
    assert invalid.json()["error"] == "RecordInvalid" and "description" in invalid.json()["details"]
    ok = agent.get("/api/v2/users/me.json")
    assert int(ok.headers["X-Rate-Limit-Remaining"]) < int(ok.headers["X-Rate-Limit"])


def example(name: str) -> dict[str, Any]:
    return json.loads((OPENAPI / "examples" / f"{name}.json").read_text())["value"]


CTX = Context(
    connector="zd",
    base_url="https://company.zendesk.com",
    custom_fields={"cost": 27642, "approved": 27648},
)
PRINTER = Ticket(
    ref=Ref.ticket("zd", 35436),
    subject="Help, my printer is on fire!",
    description="The fire is very colorful.",
    status=TicketStatus.OPEN,
    priority=Priority.HIGH,
    tags=frozenset({"enterprise", "other_tag"}),
    group="98738",
    organization="509974",
    requester="Printer Owner",
    fields={"cost": "745", "approved": "yes"},
    url="https://company.zendesk.com/agent/tickets/35436",
    created_at=datetime(2009, 7, 20, 22, 55, 29, tzinfo=UTC),
    updated_at=datetime(2011, 5, 5, 10, 38, 52, tzinfo=UTC),
)
NAMES = Names(users={20978392: "Printer Owner"})


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    ("name", "pick"),
    [
        ("TicketResponseExample", lambda v: [v["ticket"]]),
        ("TicketsResponseExample", lambda v: v["tickets"]),
        ("CursorBasedExportIncrementalTicketsResponseExample", lambda v: v["tickets"]),
    ],
)
def test_vendor_ticket_examples(name: str, pick: Any) -> None:
    assert [ticket_from_raw(t, CTX, NAMES) for t in pick(example(name))] == [PRINTER]


@pytest.mark.vendor_samples
def test_vendor_audits_example() -> None:
    parent = Ref.ticket("zd", 666)
    audits = example("TicketAuditsForTicketResponseExample")["audits"]
    when = datetime(2011, 9, 25, 22, 35, 44, tzinfo=UTC)
    assert comments_from_audits(audits, parent, Context(connector="zd", bot_id=5246746)) == [
        Comment(
            ref=Ref.comment("zd", 2127301148),
            parent=parent,
            author="5246746",
            body="This is a new private comment",
            public=False,
            created_at=when,
            updated_at=when,
            marker=None,
            by_syncd=True,
        )
    ]


@pytest.mark.vendor_samples
def test_vendor_comments_example() -> None:
    parent = Ref.ticket("zd", 1)
    (raw,) = example("TicketCommentsResponseExample")["comments"]
    got = comment_from_raw(raw, parent, CTX, Names(users={123123: "Requester"}))
    when = datetime(2009, 7, 20, 22, 55, 29, tzinfo=UTC)
    assert got == Comment(
        ref=Ref.comment("zd", 1274),
        parent=parent,
        author="Requester",
        body="Thanks for your help!",
        public=True,
        created_at=when,
        updated_at=when,
        attachments=("crash.log",),  # the example's attachment, by its file name
        files=(
            FileRef(
                id="498483",
                name="crash.log",
                content_type="text/plain",
                size=2532,
                url="https://company.zendesk.com/attachments/crash.log",
            ),
        ),
    )


@pytest.mark.vendor_samples
def test_vendor_ticket_events_example_has_no_comments() -> None:
    # Zendesk's example is a metric event without child_events: nothing to sync
    events = example("ExportIncrementalTicketEventsResponseExample")["ticket_events"]
    assert comments_from_ticket_events(events, CTX) == []
    # the sideload shape quoted in the same description gives one comment
    sideloaded = [
        {
            "id": 1,
            "ticket_id": 155,
            "created_at": "2009-06-25T10:15:18Z",
            "updater_id": 5031726587,
            "child_events": [
                {
                    "id": 91048994488,
                    "type": "Comment",
                    "author_id": 5031726587,
                    "body": "This is a comment",
                    "public": True,
                    "audit_id": 91048994468,
                    "created_at": "2009-06-25T10:15:18Z",
                    "event_type": "Comment",
                }
            ],
        }
    ]
    (comment,) = comments_from_ticket_events(sideloaded, CTX)
    assert comment.ref == Ref.comment("zd", 91048994488) and comment.parent == Ref.ticket("zd", 155)
    assert comment.public and comment.body == "This is a comment"
