"""What the JSM connector does beyond the shared contract, against both flavours: statuses
through the request's workflow (customer transitions through the service desk API, the
agent's through the platform), internal comments customers never see, participants, request
types, SLA, polling and webhooks of the service projects only, and the service desk API's
failures."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.jira.emulator import build
from connectors.jira.emulator.servicedesk import DESK
from syncd.connector import Capability
from syncd.connector_sla import HelpdeskSlas
from syncd.errors import ConfigError, NotFound, PermanentError, RateLimited, TransientError
from syncd.model import ChangeKind, Ref, TicketStatus
from tests.connectors.jsm.conftest import Served
from tests.connectors.jsm.test_contract import Harness
from tests.emulated import ManualClock
from tests.emulated import served as emulated


def _requests(served: Served, pattern: str) -> int:
    found = re.compile(pattern)
    return sum(n for k, n in served.emu.control.requests.items() if found.fullmatch(k))


def test_statuses_go_through_the_workflow(served: Served) -> None:
    h = Harness(served)
    conn = h.connector
    ref = h.human_create("Printer jams")
    sd_moves = rf"POST /rest/servicedeskapi/request/{ref.key}/transition"
    agent_moves = rf"POST /rest/api/.*/issue/{ref.key}/transitions"
    # on-hold: "Pending", an agent's transition (not one customers see)
    assert conn.update_ticket(ref, status=TicketStatus.ON_HOLD).status == TicketStatus.ON_HOLD
    assert served.emu.servicedesk.request(ref.key).status == "10012"
    assert _requests(served, agent_moves) == 1 and _requests(served, sd_moves) == 0
    # solved: "Resolve this issue", a customer transition, through the service desk API
    assert conn.update_ticket(ref, status=TicketStatus.SOLVED).status == TicketStatus.SOLVED
    assert _requests(served, sd_moves) == 1
    # solved again: already there, nothing moves
    conn.update_ticket(ref, status=TicketStatus.SOLVED)
    assert _requests(served, sd_moves) == 1 and _requests(served, agent_moves) == 1
    # back to waiting for support (reopen), then waiting for the customer
    assert conn.update_ticket(ref, status=TicketStatus.OPEN).status == TicketStatus.OPEN
    assert conn.update_ticket(ref, status=TicketStatus.PENDING).status == TicketStatus.PENDING


def test_a_status_that_means_the_same_is_kept(served: Served) -> None:
    h = Harness(served)
    ref = h.human_create("Escalated by hand")
    h.connector.update_ticket(ref, status=TicketStatus.ON_HOLD)
    served.emu.transition("bob", ref.key, "881")  # the agent escalates it: on-hold too
    moves = rf"POST /rest/.*{ref.key}/transitions?"
    before = _requests(served, moves)
    assert (
        h.connector.update_ticket(ref, status=TicketStatus.ON_HOLD).status == TicketStatus.ON_HOLD
    )
    assert _requests(served, moves) == before
    assert served.emu.servicedesk.request(ref.key).status == "10013"  # still Escalated


def test_a_status_the_workflow_cannot_reach_is_refused_for_good(served: Served) -> None:
    h = Harness(served)
    ref = h.human_create("Cancelled one")
    h.agent.post(f"request/{ref.key}/transition", json={"id": "931"}).raise_for_status()
    conn = served.connector(write_status={"pending": "Nowhere"})
    with pytest.raises(PermanentError, match="Nowhere"):
        conn.update_ticket(ref, status=TicketStatus.PENDING)


def test_internal_comments_stay_internal(served: Served) -> None:
    h = Harness(served)
    conn = h.connector
    ref = h.human_create("VPN drops")
    conn.add_comment(ref, "dev says: **race** in the client", public=False, key="k-int")
    conn.add_comment(ref, "We found the cause.", public=True, key="k-pub")
    seen = {c.marker: c for c in conn.comments(ref)}
    assert not seen["k-int"].public and seen["k-pub"].public
    assert seen["k-int"].parent == ref and seen["k-int"].by_syncd
    # the customer's own view: the public answer only
    shown = h.customer.get(f"request/{ref.key}/comment").json()["values"]
    assert [c["body"] for c in shown] == ["We found the cause."]
    agent = h.agent.get(f"request/{ref.key}/comment?public=false").json()["values"]
    assert len(agent) == 1 and agent[0]["public"] is False and "race" in agent[0]["body"]
    # an edit keeps it internal
    edited = conn.edit_comment(seen["k-int"].ref, ref, "dev says: fixed")
    assert not edited.public and edited.marker == "k-int"
    # a customer cannot write internal comments
    refused = h.customer.post(f"request/{ref.key}/comment", json={"body": "x", "public": False})
    assert refused.status_code == 403 and "errorMessage" in refused.json()


def test_participants_request_types_and_sla(served: Served) -> None:
    h = Harness(served)
    conn = h.connector
    ref = h.human_create("Need a laptop")
    grace = served.emu.store.users["grace"]
    who = grace.account_id if served.flavour == "cloud" else grace.name
    field = "accountIds" if served.flavour == "cloud" else "usernames"
    h.agent.post(f"request/{ref.key}/participant", json={field: [who]}).raise_for_status()
    assert conn.participants(ref) == ["Grace Hopper"]
    assert conn.request_types("HELP") == ["Get IT help", "Report a system problem"]
    slas = {s.name: s for s in conn.sla(ref)}
    first = slas["Time to first response"]
    assert first.ongoing is not None and not first.breached and first.ongoing.goal_ms == 14_400_000
    conn.add_comment(ref, "On it.", public=True, key=f"k-{uuid.uuid4().hex}")
    first = {s.name: s for s in conn.sla(ref)}["Time to first response"]
    assert first.ongoing is None and first.met and first.completed[0].stop is not None
    # an internal comment is no answer to the customer
    other = h.human_create("Need a mouse")
    conn.add_comment(other, "internal", public=False, key=f"k-{uuid.uuid4().hex}")
    assert {s.name: s for s in conn.sla(other)}["Time to first response"].ongoing is not None


def test_the_requests_own_sla_goals_as_the_core_reads_them(served: Served) -> None:
    h = Harness(served)
    conn = h.connector
    assert Capability.HELPDESK_SLA in conn.capabilities and isinstance(conn, HelpdeskSlas)
    ref = h.human_create("Need a screen")
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    served.emu.servicedesk.set_sla(
        ref.key, "Time to resolution", goal=timedelta(hours=8), breach_at=due
    )
    goals = {g.name: g for g in conn.helpdesk_slas(ref)}
    resolution = goals["Time to resolution"]
    assert resolution.goal == timedelta(hours=8) and resolution.breach_at == due
    assert not (resolution.breached or resolution.paused or resolution.completed)
    served.emu.servicedesk.set_sla(ref.key, "Time to resolution", paused=True)
    paused = {g.name: g for g in conn.helpdesk_slas(ref)}["Time to resolution"]
    assert paused.paused and paused.breach_at is None and paused.remaining is not None
    conn.add_comment(ref, "On it.", public=True, key=f"k-{uuid.uuid4().hex}")
    first = {g.name: g for g in conn.helpdesk_slas(ref)}["Time to first response"]
    assert first.completed and first.met


def test_check_refuses_a_project_that_is_no_service_desk(served: Served) -> None:
    assert served.connector().check()
    with pytest.raises(ConfigError, match="WID"):
        served.connector(projects=["HELP", "WID"]).check()


def test_tickets_of_other_projects_are_not_found(served: Served) -> None:
    key = served.emu.human_create("a developer's issue")  # WID, not a service project
    with pytest.raises(NotFound):
        served.connector().get_ticket(Ref.ticket("jsm", key))


def test_poll_reads_comments_with_their_visibility(served: Served) -> None:
    h = Harness(served)
    conn = h.connector
    cursor = conn.cursor_since(served.emu.store.now())
    time.sleep(1.1)
    ref = h.human_create("Mail bounces")
    h.human_comment(ref, "checking the relay", public=False)
    h.human_comment(ref, "Could you send a bounce?", public=True)
    served.emu.human_create("not a request")
    changes: list[Any] = []
    for _ in range(10):
        page = conn.poll(cursor)
        changes += page.changes
        cursor = page.cursor
        if not page.more:
            break
    assert {c.ref.key.split("-")[0] for c in changes} == {"HELP"}
    # the request type (the group) is the service desk API's: a poll leaves it to a read
    upserts = [c for c in changes if c.kind == ChangeKind.UPSERT]
    assert upserts and all(c.partial == {"group"} and c.ticket.group is None for c in upserts)
    assert conn.get_ticket(ref).group == "Get IT help"
    comments = {c.comment.body: c.comment for c in changes if c.kind == ChangeKind.COMMENT}
    assert comments["checking the relay"].public is False
    assert comments["Could you send a bounce?"].public is True
    again = conn.poll(cursor)
    assert not [c for c in again.changes if c.kind == ChangeKind.COMMENT]


def test_webhooks_of_requests_only(served: Served) -> None:
    h = Harness(served)
    conn = h.connector
    captured = served.emu.control.webhooks.captured
    served.emu.human_create("a developer's issue")
    headers, body = captured[-1][1], captured[-1][2]
    assert conn.parse_webhook(headers, body).changes == []
    ref = h.human_create("Screen flickers")
    made = [c for c in conn.parse_webhook(captured[-1][1], captured[-1][2]).changes]
    assert made and made[0].kind == ChangeKind.UPSERT and made[0].ticket is not None
    assert made[0].ticket.status == TicketStatus.OPEN and made[0].ticket.requester == "Ada Lovelace"
    h.human_comment(ref, "internal thought", public=False)
    events = [(json.loads(b)["webhookEvent"], hd, b) for _, hd, b in captured[-2:]]
    kinds = [c.kind for _, hd, b in events for c in conn.parse_webhook(hd, b).changes]
    comments = [
        c.comment
        for _, hd, b in events
        for c in conn.parse_webhook(hd, b).changes
        if c.kind == ChangeKind.COMMENT
    ]
    if served.flavour == "cloud":  # jsdPublic says it: taken as it comes
        assert comments and all(c is not None and not c.public for c in comments)
    else:  # no visibility in the delivery: the request is read again
        assert ChangeKind.TOUCHED in kinds and not comments


def test_service_desk_failures_map_to_syncd_errors(served: Served) -> None:
    h = Harness(served)
    conn = h.connector
    ref = h.human_create("Flaky")
    served.emu.control.faults.add("status", status=503, path=r"/rest/servicedeskapi/request/.*/sla")
    with pytest.raises(TransientError):
        conn.sla(ref)
    served.emu.control.faults.add(
        "status", status=429, path=r"/rest/servicedeskapi/request/.*/participant"
    )
    with pytest.raises(RateLimited):
        conn.participants(ref)
    served.emu.control.faults.clear()
    with pytest.raises(NotFound):
        conn.client.sd_get("request/HELP-99999")
    assert h.agent.get(f"servicedesk/{DESK}").json()["projectKey"] == "HELP"


def test_the_service_desk_api_shares_the_site_budget() -> None:
    clock = ManualClock()
    emu = build("datacenter", limits={"requests": 3, "seconds": 60}, clock=clock)
    bearer = {"Authorization": "Bearer bob-token"}
    with emulated(emu.app) as http:
        assert http.get("/rest/api/2/myself", headers=bearer).status_code == 200
        answers = [http.get("/rest/servicedeskapi/servicedesk", headers=bearer) for _ in range(2)]
        assert [a.status_code for a in answers] == [200, 200]
        assert answers[-1].headers["X-RateLimit-Remaining"] == "0"
        clock.advance(15)
        refused = http.get("/rest/servicedeskapi/request/HELP-1", headers=bearer)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "45"
        assert "errorMessage" in refused.json()  # the service desk API's own error shape
        clock.advance(45)
        assert http.get("/rest/servicedeskapi/info", headers=bearer).status_code == 200
