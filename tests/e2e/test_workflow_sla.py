"""SLA and re-prioritisation stories through the emulators: a dev-side priority change seen by
support, and an SLA going at risk then breached under a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from syncd.engine import sla_job
from syncd.model import Priority
from tests.store.conftest import statements_sent

from .workflow_helpers import audit, gh_key, issue_of, link_of, notes, sandbox

ROUTES = [
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "target": {"connector": "github", "project": "acme/widgets"},
        "priority_map": {"urgent": "high"},
        "dev_priority": {"set_ticket_priority": True},
        "sla": {
            "at_risk": 0.8,
            "by_priority": {"high": {"acknowledge": "4h", "resolve": "2d"}},
            "pause_labels": ["waiting-for-support"],
        },
    }
]


def test_dev_reprioritisation_is_seen_by_support(tmp_path: Path) -> None:
    with sandbox(tmp_path, ROUTES) as sb:
        hd, tr = sb.helpdesk, sb.tracker
        t = hd.create_ticket(
            "Sync stalls", "Nothing syncs.", tags=["escalate"], priority=Priority.URGENT
        )
        issue = sb.wait("issue", lambda: issue_of(sb, t))
        assert tr.issue(issue).priority == Priority.HIGH  # the dev team's scale
        sb.settle()
        repo, number = gh_key(issue)
        # the developers decide it is less pressing: priority: low
        tr.emulator.edit_issue_as(tr.login, repo, number, labels=["priority: low", "from-support"])
        sb.wait(
            "internal note, dev-priority tag and ticket priority",
            lambda: (
                notes(sb, t, "to **low**", public=False)
                and "dev_priority_low" in hd.ticket(t).tags
                and hd.ticket(t).priority == Priority.LOW
            ),
        )
        assert not notes(sb, t, "low", public=True)  # the customer sees no note about it
        sb.wait(
            "priority change audited",
            lambda: [r.detail.get("status") for r in audit(sb, "dev_priority_changed")] == [None],
        )
        sb.settle()
        # syncd's own write to the ticket does not bounce back to the issue
        assert tr.issue(issue).priority == Priority.LOW


def test_sla_goes_at_risk_then_breached_under_a_frozen_clock(tmp_path: Path) -> None:
    with sandbox(tmp_path, ROUTES) as sb:
        hd, tr = sb.helpdesk, sb.tracker
        assert sb.service is not None
        service = sb.service
        t = hd.create_ticket("Crash", "It crashes.", tags=["escalate"], priority=Priority.URGENT)
        issue = sb.wait("issue", lambda: issue_of(sb, t))
        body = tr.issue(issue).body
        assert "acknowledge within 4h" in body and "resolve within 2d" in body
        sb.settle()
        link = link_of(sb, t)
        assert link is not None
        start = link.created_at
        frozen = {"now": start + timedelta(hours=1)}
        service.clock = lambda: frozen["now"]

        assert service.check_sla() == 0  # an hour in: fine
        frozen["now"] = start + timedelta(hours=3, minutes=20)  # 83% of 4 h to acknowledge
        assert service.check_sla() == 1
        sb.wait("at-risk label", lambda: "sla:at-risk" in tr.issue(issue).labels)
        sb.wait("at-risk note", lambda: notes(sb, t, "SLA at risk", public=False))
        (risk,) = audit(sb, "sla_at_risk")
        assert risk.detail["kind"] == "acknowledge" and risk.detail["route"] == "widgets"
        deadline = datetime.fromisoformat(risk.detail["deadline"])
        assert abs(deadline - (start + timedelta(hours=4))) < timedelta(seconds=1)
        assert service.check_sla() == 0  # raised once only

        frozen["now"] = start + timedelta(hours=4, minutes=1)
        assert service.check_sla() == 1
        sb.wait(
            "breached label replaces at-risk",
            lambda: (
                "sla:breached" in (labels := tr.issue(issue).labels) and "sla:at-risk" not in labels
            ),
        )
        sb.wait("breach note", lambda: notes(sb, t, "SLA breached", public=False))
        sb.wait(
            "breach audited",
            lambda: [r.detail["kind"] for r in audit(sb, "sla_breached")] == ["acknowledge"],
        )
        assert not notes(sb, t, "SLA", public=True)  # never told to the customer

        # the developer picks it up and asks support for logs: the resolve clock pauses
        repo, number = gh_key(issue)
        tr.emulator.edit_issue_as(tr.login, repo, number, assignees=[tr.login])
        tr.emulator.label_as(tr.login, repo, number, "waiting-for-support")
        sb.settle()
        frozen["now"] = start + timedelta(hours=5)
        service.check_sla()
        frozen["now"] = start + timedelta(hours=60)  # past 2 days, but the clock is paused
        assert service.check_sla() == 0
        assert [r.detail["kind"] for r in audit(sb, "sla_breached")] == ["acknowledge"]
        assert start < datetime.now(UTC) + timedelta(minutes=1)


def test_a_check_that_changes_nothing_writes_nothing(tmp_path: Path) -> None:
    with sandbox(tmp_path, ROUTES) as sb:
        assert sb.service is not None
        service = sb.service
        t = sb.helpdesk.create_ticket(
            "Slow", "It is slow.", tags=["escalate"], priority=Priority.URGENT
        )
        sb.wait("issue", lambda: issue_of(sb, t))
        sb.settle()
        link = link_of(sb, t)
        assert link is not None
        service.clock = lambda: link.created_at + timedelta(hours=1)
        assert service.check_sla() == 0  # the first check starts the clock: one write
        with statements_sent(service.store, lambda s: "sla_clocks" in s) as sent:
            assert service.check_sla() == 0
        # read, judged unchanged, not written: no write lock taken for it either
        assert sent and not [s for s, _ in sent if not s.lstrip().upper().startswith("SELECT")]


def test_a_clock_moved_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    with sandbox(tmp_path, ROUTES) as sb:
        assert sb.service is not None
        store, rules = sb.service.store, sb.service.rules
        t = sb.helpdesk.create_ticket(
            "Stuck", "It is stuck.", tags=["escalate"], priority=Priority.URGENT
        )
        issue = sb.wait("issue", lambda: issue_of(sb, t))
        sb.settle()
        link = link_of(sb, t)
        assert link is not None
        at_risk = link.created_at + timedelta(hours=3, minutes=20)
        with store.peek() as tx:
            plan = sla_job._plan(store, tx, rules, str(issue), [link], at_risk)
        assert plan is not None and plan.planned.events  # it would raise "at risk"
        with store.tx() as tx:  # meanwhile another replica checked it
            store.put_sla_clock(tx, link.id, {**plan.planned.clock, "by": "another replica"})
        with store.tx() as tx:
            assert sla_job._apply(store, tx, str(issue), plan) == 0
        with store.peek() as tx:
            assert (store.sla_clock(tx, link.id) or {}).get("by") == "another replica"
        assert not audit(sb, "sla_at_risk")
