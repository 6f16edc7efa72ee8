"""Replicas of ``syncd run`` on one PostgreSQL database, as separate processes: one replica
leads each poll and a killed leader is replaced; a replica killed with SIGKILL in the middle
of an action loses nothing and repeats nothing; a replica that restarts takes its own work
back at once; an action slower than its lease is performed once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.model import Ref
from syncd.store.tables import outbox
from tests.chaos.harness import Case, verify
from tests.cluster.harness import Replicas, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]
CREATE_ISSUE = r"/repos/[^/]+/[^/]+/issues$"


def _escalate(r: Replicas, n: int) -> Case:
    assert r.sb is not None
    case = Case(n, Ref.ticket("zendesk", "0"))
    case.ticket = r.sb.helpdesk.create_ticket(case.subject, "It breaks.", tags=["escalate"])
    return case


def _done(r: Replicas, cases: list[Case]) -> bool:
    assert r.sb is not None
    return verify(r.sb, cases).ok


def _running(r: Replicas) -> list[str]:
    """The replicas holding a running action now."""
    q = outbox.select().where(outbox.c.state == "running")
    return r.read(lambda tx: [str(row.claimed_by) for row in tx.execute(q)])


def _slow_creates(r: Replicas, seconds: float) -> None:
    """The tracker answers every issue creation ``seconds`` late (the work is done)."""
    assert r.sb is not None
    faults = r.sb.sides["github"].emulator.control.faults
    faults.add("latency", path=CREATE_ISSUE, method="POST", times=None, seconds=seconds)


def _creates(r: Replicas) -> int:
    assert r.sb is not None
    return r.sb.sides["github"].emulator.control.total("POST /repos/acme/widgets/issues")


def test_one_replica_leads_each_role_and_a_killed_leader_is_replaced(r3: Replicas) -> None:
    r = r3
    roles = {"poll:zendesk", "poll:github", "jobs"}
    leaders = wait_for("every role led", lambda: (got := r.leaders()).keys() >= roles and got)
    holder, token = leaders["poll:zendesk"]
    r.daemons[r.index(holder)].kill()
    after = wait_for(
        "poll:zendesk led by another replica",
        lambda: (got := r.leaders().get("poll:zendesk")) and got[0] != holder and got,
    )
    assert after[1] > token  # the new leader's token fences the old one's writes
    cases = [_escalate(r, 1)]  # found by the new leader's poll, filed once
    wait_for("the escalation synced", lambda: _done(r, cases))
    r.daemons[r.index(holder)].start()  # back as a follower: the role stays where it is
    assert r.leaders()["poll:zendesk"][0] == after[0]


@pytest.fixture
def r3(tmp_path: Path, pg_url: str) -> Iterator[Replicas]:
    r = Replicas(tmp_path, pg_url, n=3, webhooks=False)
    try:
        yield r.start()
    finally:
        r.stop()
    assert not r.errors(), r.errors()


def test_a_replica_killed_mid_action_loses_nothing_and_repeats_nothing(r3: Replicas) -> None:
    r = r3
    _slow_creates(r, 1.5)
    cases = [_escalate(r, n) for n in range(1, 7)]
    holder = wait_for("an issue creation under way", lambda: _running(r))[0]
    r.daemons[r.index(holder)].kill()  # not restarted: the others take its work over
    wait_for("every escalation synced", lambda: _done(r, cases), timeout=120)
    assert r.sb is not None
    verdict = verify(r.sb, cases)
    assert verdict.ok, verdict
    assert len(r.sb.tracker.issues("acme/widgets")) == len(cases)


def test_a_restarted_replica_takes_its_own_work_back_at_once(tmp_path: Path, pg_url: str) -> None:
    # a claim lease far longer than the test may wait: only the restart explains the finish
    lease = {"claim_lease": 600.0, "leader_lease": 2.0, "heartbeat": 0.3}
    r = Replicas(tmp_path, pg_url, n=2, webhooks=False, cluster=lease).start()
    try:
        _slow_creates(r, 2.0)
        cases = [_escalate(r, 1)]
        holder = wait_for("the issue creation under way", lambda: _running(r))[0]
        daemon = r.daemons[r.index(holder)]
        daemon.kill()
        daemon.start()
        wait_for("the escalation synced", lambda: _done(r, cases), timeout=60)
        text = (daemon.logs / f"run-{daemon.starts:04d}.log").read_text()
        said = [json.loads(line) for line in text.splitlines() if "cluster.reclaimed" in line]
        assert [e["claims"] for e in said] == [1], text[-2000:]
        assert r.sb is not None and len(r.sb.tracker.issues("acme/widgets")) == 1
    finally:
        r.stop()
    assert not r.errors(), r.errors()


def test_an_action_slower_than_its_lease_is_performed_once(tmp_path: Path, pg_url: str) -> None:
    lease = {"claim_lease": 1.0, "leader_lease": 2.0, "heartbeat": 0.2}
    r = Replicas(tmp_path, pg_url, n=2, webhooks=False, cluster=lease).start()
    try:
        _slow_creates(r, 3.0)  # three leases long: the heartbeat keeps the claim
        cases = [_escalate(r, 1)]
        wait_for("the escalation synced", lambda: _done(r, cases), timeout=60)
        assert _creates(r) == 1  # one request, not one per replica that saw a lapsed lease
    finally:
        r.stop()
    assert not r.errors(), r.errors()
