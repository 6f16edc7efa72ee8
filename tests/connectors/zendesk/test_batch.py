"""Updates of many tickets at once: ``update_many`` jobs against the emulator, followed to
their end, each ticket's result mapped, at most 100 ids a request, the key found again."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from connectors.zendesk import factory
from connectors.zendesk.emulator import ZendeskEmulator
from connectors.zendesk.jobs import FIRST_LOOK, next_look, results_of
from syncd.connector import BatchUpdates, Capability
from syncd.errors import NotFound, PermanentError, TransientError
from syncd.model import Ref, TicketStatus

from .conftest import INSTANCE, SAMPLES, ZendeskHarness, settings_for
from .test_emulator_schema import check

MANY = "PUT /api/v2/tickets/update_many.json"
LOOKS = "GET /api/v2/job_statuses/"
RESOLVED = "Good news: the problem you reported has been fixed."


def tickets(harness: ZendeskHarness, n: int) -> list[Ref]:
    emu = harness.emu
    return [Ref.ticket(INSTANCE, emu.create_ticket(f"Crash {i}")) for i in range(n)]


def keyed(refs: list[Ref]) -> dict[Ref, str]:
    return {ref: f"status:{n}:done:t1" for n, ref in enumerate(refs)}


def requests(harness: ZendeskHarness, prefix: str) -> int:
    return harness.emu.control.total(prefix)


def test_declared_as_a_capability(harness: ZendeskHarness) -> None:
    conn = harness.connector
    assert Capability.BATCH_UPDATE in conn.capabilities
    assert isinstance(conn, BatchUpdates)
    assert conn.batch_limit() == 100


def test_job_followed_to_its_end_each_ticket_told_once_with_its_key(
    harness: ZendeskHarness,
) -> None:
    refs = tickets(harness, 3)
    keys = keyed(refs)
    sent = harness.emu.control.webhooks.total
    puts, looks = requests(harness, MANY), requests(harness, LOOKS)
    result = harness.connector.update_tickets(
        keys, status=TicketStatus.SOLVED, comment=RESOLVED, public=True
    )
    assert result.done == frozenset(refs) and not result.failed
    assert requests(harness, MANY) - puts == 1
    assert requests(harness, LOOKS) - looks >= 1  # the job ran in the background
    for ref in refs:
        assert harness.emu.ticket(int(ref.key))["status"] == "solved"
        told = [c for c in harness.connector.comments(ref) if c.body == RESOLVED]
        assert len(told) == 1 and told[0].public
        assert told[0].marker == keys[ref]
        assert harness.connector.find_comment(ref, keys[ref]) == told[0]
    # the same webhooks as single updates: the status change and the comment, per ticket
    # (sent by the emulator's sender as the job runs: they may trail its end)
    wanted = {f"zen:event-type:ticket.{e}" for e in ("status_changed", "comment_added")}

    def kinds(ref: Ref) -> set[str]:
        captured = harness.emu.control.webhooks.since(sent)
        hooks = [json.loads(body) for _, _, body in captured]
        return {h["type"] for h in hooks if h["subject"] == f"zen:ticket:{ref.key}"}

    deadline = time.monotonic() + 30
    while not all(wanted <= kinds(r) for r in refs) and time.monotonic() < deadline:
        time.sleep(0.05)
    for ref in refs:
        assert wanted <= kinds(ref)


def test_status_alone_needs_no_comment(harness: ZendeskHarness) -> None:
    refs = tickets(harness, 2)
    result = harness.connector.update_tickets(keyed(refs), status=TicketStatus.ON_HOLD)
    assert result.done == frozenset(refs)
    assert {harness.emu.ticket(int(r.key))["status"] for r in refs} == {"hold"}


def test_a_ticket_the_job_cannot_update_fails_alone(harness: ZendeskHarness) -> None:
    closed, fine, other = tickets(harness, 3)
    harness.emu.set_status(int(closed.key), "closed")
    missing = harness.missing()
    keys = keyed([closed, fine, missing, other])
    result = harness.connector.update_tickets(
        keys, status=TicketStatus.SOLVED, comment=RESOLVED, public=True
    )
    assert result.done == frozenset({fine, other})
    closed_error = result.error(closed)
    assert isinstance(closed_error, PermanentError) and "closed" in str(closed_error)
    assert isinstance(result.error(missing), NotFound)
    assert harness.emu.ticket(int(fine.key))["status"] == "solved"
    assert not [c for c in harness.connector.comments(closed) if c.body == RESOLVED]


def test_at_most_100_ids_a_request(harness: ZendeskHarness) -> None:
    refs = tickets(harness, 250)
    puts = requests(harness, MANY)
    result = harness.connector.update_tickets(
        keyed(refs), status=TicketStatus.SOLVED, comment=RESOLVED, public=True
    )
    assert result.done == frozenset(refs)
    assert requests(harness, MANY) - puts == 3
    assert {harness.emu.ticket(int(r.key))["status"] for r in refs} == {"solved"}


def test_every_request_past_the_first_asks_its_pace(harness: ZendeskHarness) -> None:
    refs = tickets(harness, 150)
    conn = factory(INSTANCE, settings_for(harness.url, job_timeout=0.5), harness.http)
    asked: list[str] = []

    def pace(op: str) -> float:
        asked.append(op)
        return 0.0 if op == "read" else 30.0  # looks may go; a second update_many may not

    looks, puts = requests(harness, LOOKS), requests(harness, MANY)
    result = conn.update_tickets(keyed(refs), comment=RESOLVED, public=True, pace=pace)
    assert result.done == frozenset(refs[:100])  # the first hundred went
    assert all(isinstance(result.error(r), TransientError) for r in refs[100:])
    assert requests(harness, MANY) - puts == 1
    assert asked.count("read") == requests(harness, LOOKS) - looks >= 1  # each look asked
    assert "update_tickets" in asked


def test_tickets_a_failed_job_did_not_reach_are_unknown(harness: ZendeskHarness) -> None:
    refs = tickets(harness, 4)
    harness.emu.state.jobs.fail_after = 2
    result = harness.connector.update_tickets(
        keyed(refs), status=TicketStatus.SOLVED, comment=RESOLVED, public=True
    )
    assert result.done == frozenset(refs[:2])
    assert all(isinstance(result.error(r), TransientError) for r in refs[2:])
    assert [harness.emu.ticket(int(r.key))["status"] for r in refs] == ["solved"] * 2 + ["new"] * 2


def test_a_refused_request_is_every_tickets_error(harness: ZendeskHarness) -> None:
    refs = tickets(harness, 2)
    harness.emu.control.faults.add("status", status=503, path="update_many")
    result = harness.connector.update_tickets(
        keyed(refs), status=TicketStatus.SOLVED, comment=RESOLVED, public=True
    )
    assert not result.done
    assert all(isinstance(result.error(r), TransientError) for r in refs)
    assert {harness.emu.ticket(int(r.key))["status"] for r in refs} == {"new"}


def test_a_job_that_will_not_end_leaves_its_tickets_unknown(
    harness: ZendeskHarness,
) -> None:
    refs = tickets(harness, 2)
    conn = factory(INSTANCE, settings_for(harness.url, job_timeout=0.3), harness.http)
    jobs = harness.emu.state.jobs
    jobs.held.set()
    try:
        result = conn.update_tickets(keyed(refs), comment="held", public=False)
    finally:
        jobs.held.clear()
    assert all(isinstance(result.error(r), TransientError) for r in refs)


def settled(emu: ZendeskEmulator) -> None:
    """Wait until no job is queued or working (the next test has the whole job limit)."""
    while any(job.active for job in list(emu.state.jobs.jobs.values())):
        time.sleep(0.01)


def test_job_limit_answers_429(served: tuple[ZendeskEmulator, str]) -> None:
    emu, url = served
    ticket = emu.create_ticket("Busy account")
    agent = httpx.Client(base_url=url, auth=("syncd@example.com/token", "syncd-token"))
    body = {"ticket": {"comment": {"body": "queued", "public": False}}}
    emu.state.jobs.held.set()
    try:
        answers = [
            agent.put("/api/v2/tickets/update_many.json", params={"ids": ticket}, json=body)
            for _ in range(31)
        ]
    finally:
        emu.state.jobs.held.clear()
        agent.close()
        settled(emu)
    assert [a.status_code for a in answers] == [200] * 30 + [429]
    assert answers[-1].json()["error"] == "TooManyJobs" and "Retry-After" in answers[-1].headers


def test_more_than_100_ids_refused(served: tuple[ZendeskEmulator, str]) -> None:
    _, url = served
    with httpx.Client(base_url=url, auth=("syncd@example.com/token", "syncd-token")) as agent:
        answer = agent.put(
            "/api/v2/tickets/update_many.json",
            params={"ids": ",".join(str(i) for i in range(1, 102))},
            json={"ticket": {"status": "open"}},
        )
    assert answer.status_code == 400


@pytest.mark.vendor_samples
def test_job_status_shapes_match_zendesk(
    served: tuple[ZendeskEmulator, str], harness: ZendeskHarness
) -> None:
    emu, url = served
    (ref,) = tickets(harness, 1)
    with httpx.Client(base_url=url, auth=("syncd@example.com/token", "syncd-token")) as agent:
        queued = agent.put(
            "/api/v2/tickets/update_many.json",
            params={"ids": ref.key},
            json={"ticket": {"status": "open"}},
        ).json()
        check(queued, "/api/v2/tickets/update_many", "put")
        job = harness.connector.jobs.follow(queued["job_status"])
        shown = agent.get(f"/api/v2/job_statuses/{job['id']}.json").json()
    check(shown, "/api/v2/job_statuses/{job_status_id}")
    assert shown["job_status"]["status"] == "completed"
    assert shown["job_status"]["results"] == [
        {"id": int(ref.key), "action": "update", "status": "Updated", "success": True}
    ]
    assert emu.ticket(int(ref.key))["status"] == "open"


@pytest.mark.vendor_samples
@pytest.mark.parametrize("name", ["ShowJobStatusResponseExample", "JobStatusResponseExample"])
def test_zendesks_own_job_examples_map(name: str) -> None:
    path = SAMPLES / "zendesk" / "openapi" / "examples" / f"{name}.json"
    job: dict[str, Any] = json.loads(path.read_text())["value"]["job_status"]
    outcomes = results_of(job)
    assert outcomes and all(error is None for error in outcomes.values())


def test_failed_results_map_to_errors() -> None:
    job = {
        "status": "completed",
        "results": [
            {"id": 1, "action": "update", "status": "Updated", "success": True},
            {"id": 2, "action": "update", "success": False, "errors": "Ticket is closed"},
            {"id": 3, "action": "update", "success": False, "error": "RecordNotFound"},
        ],
    }
    outcomes = results_of(job)
    assert outcomes[1] is None
    assert isinstance(outcomes[2], PermanentError) and "closed" in str(outcomes[2])
    assert isinstance(outcomes[3], NotFound)


def test_a_working_job_is_looked_at_again_when_its_pace_says_it_is_done() -> None:
    working = {"status": "working", "total": 100, "progress": 80}
    # 80 tickets in 0.8 s: the last 20 in 0.2 s more, sooner than the doubling's 1.6 s
    assert next_look(working, 0.8, 1.6) == pytest.approx(0.2)
    # never sooner than the first look, never later than the doubling
    assert next_look({**working, "progress": 99}, 0.8, 1.6) == FIRST_LOOK
    assert next_look({**working, "progress": 1}, 0.8, 1.6) == 1.6
    # queued (no progress yet), or a job without figures: the doubling
    assert next_look({"status": "queued", "total": 100, "progress": None}, 0.4, 0.8) == 0.8
    assert next_look({"status": "working"}, 0.4, 0.8) == 0.8
