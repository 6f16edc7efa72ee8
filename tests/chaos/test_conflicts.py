"""Guarantee 4, conflicts: both sides change the same field before syncd sees either. The
route's per-field ownership decides (priority: support, status: dev by default): the leading
side's value ends on both sides, a losing value seen goes to the audit, and the result is the
same whatever the order of arrival."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from syncd.engine import ownership
from syncd.engine.actions import Action, ActionKind
from syncd.model import Priority, Ref, TicketStatus
from syncd.testing.sandbox import Sandbox, default_routes
from tests.chaos.harness import PROJECT

T = Ref.ticket("zendesk", "1")
ISSUE = Ref.issue("github", "acme/widgets#1")


@pytest.mark.parametrize(
    ("kind", "target", "source", "owners", "kept"),
    [
        # a dev-side change must not carry priority over support's (support owns priority)
        (ActionKind.UPDATE_TICKET, T, "dev", {}, {"status": "open", "priority": None}),
        # unless the route gives priority to the dev side
        (ActionKind.UPDATE_TICKET, T, "dev", {"priority": "dev"}, {"priority": "low"}),
        # support may not set the issue's status (dev owns it), priority crosses
        (ActionKind.UPDATE_ISSUE, ISSUE, "support", {}, {"status": None, "priority": "low"}),
        # a write back to the change's own side is never touched
        (ActionKind.UPDATE_TICKET, T, "support", {}, {"status": "open", "priority": "low"}),
    ],
)
def test_ownership_table(
    kind: ActionKind, target: Ref, source: str, owners: dict[str, str], kept: dict[str, object]
) -> None:
    a = Action(kind=kind, key="k", lane=str(T), target=target, status="open", priority=Priority.LOW)
    (out,), lost = ownership.resolve([a], source, owners)  # type: ignore[arg-type]
    for name, value in kept.items():
        got = getattr(out, name)
        assert (got.value if isinstance(got, Priority) else got) == value
    assert {o.field for o in lost} == {n for n, v in kept.items() if v is None}
    assert ownership.resolve([a], source, owners) == ownership.resolve([a], source, owners)


def _both_change(sb: Sandbox, first: str) -> tuple[Priority | None, Priority | None, list[str]]:
    assert sb.service is not None
    ticket = sb.helpdesk.create_ticket(
        "Who decides?", "x", tags=["escalate"], priority=Priority.NORMAL
    )
    sb.wait("hand-off", lambda: sb.helpdesk.ticket(ticket).status == TicketStatus.ON_HOLD)
    sb.settle()
    (issue,) = [i.ref for i in sb.tracker.issues(PROJECT)]
    for side in sb.sides.values():
        side.emulator.control.faults.drop_webhooks = 1.0  # syncd sees neither change yet
    time.sleep(1.1)  # the helpdesk's incremental export has one-second resolution
    sb.helpdesk.emulator.update(int(ticket.key), priority="urgent")
    repo, number = issue.key.split("#")
    sb.tracker.emulator.unlabel_as("dev-alice", repo, int(number), "priority: normal")
    sb.tracker.emulator.label_as("dev-alice", repo, int(number), "priority: low")
    order = ["zendesk", "github"] if first == "support" else ["github", "zendesk"]
    for name in order:
        sb.service.poller.poll(name)
        sb.settle()
    lost = [
        str(r.detail.get("lost"))
        for r in sb.service.store.audit_since(0, 10_000)
        if r.event == "conflict_overruled"
    ]
    return sb.helpdesk.ticket(ticket).priority, sb.tracker.issue(issue).priority, lost


@pytest.mark.parametrize("first", ["support", "dev"])
def test_priority_conflict_is_decided_by_ownership_in_any_order(tmp_path: Path, first: str) -> None:
    routes = default_routes("github", PROJECT)
    routes[1]["dev_priority"] = {"set_ticket_priority": True}  # dev priority would be written
    routes[1]["ownership"] = {"status": "dev", "priority": "support"}  # ...but support owns it
    sb = Sandbox(folder=tmp_path, webhooks=True, poll_interval=3600.0, routes=routes)
    sb.start()
    try:
        ticket_prio, issue_prio, lost = _both_change(sb, first)
    finally:
        sb.stop()
    print(f"\nconflict ({first} first): ticket {ticket_prio}, issue {issue_prio}, lost {lost}")
    assert ticket_prio == Priority.URGENT  # support leads priority: the agent's value stays
    assert issue_prio == Priority.URGENT  # ...and is written to the issue, in either order
    # the developers' value never reaches the ticket: seen first, it is audited as lost; seen
    # after support's write, it was already replaced on the issue
    assert lost == (["low"] if first == "dev" else [])
