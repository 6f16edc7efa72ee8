"""The service's threads wake one another only for work: the worker asks the inbox whether
anything is due only when nobody said so, and it wakes the runner only when it planned
actions (an echo coming back, or a ticket no route takes, plans none)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.daemon.service import Service
from syncd.settings import parse
from syncd.testing.sandbox import Sandbox
from tests.store.conftest import statements_sent


@pytest.fixture
def idle(tmp_path: Path) -> Iterator[tuple[Sandbox, Service]]:
    """The emulators (no webhooks) and a service whose threads are not started."""
    sb = Sandbox(folder=tmp_path, webhooks=False, poll_interval=3600.0)
    svc = Service(parse(sb.start_emulators()))
    try:
        svc.check()
        svc.poller.poll_all()  # the first poll sets the cursors: later changes are taken in
        yield sb, svc
    finally:
        svc.stop(grace=0)
        svc.store.close()
        sb.stop()


def _on(table: str, sent: list[tuple[str, object]]) -> list[str]:
    """The statements on ``table``: PROBE for the "anything due?" query, else the verb."""
    kinds = []
    for statement, _ in sent:
        words = statement.split()
        if f"{table}.id" in words[1:2] and words[2:4] == ["FROM", table]:
            kinds.append("PROBE")
        elif f" {table}" in statement:
            kinds.append(words[0].upper())
    return kinds


def test_a_woken_worker_does_not_ask_first(idle: tuple[Sandbox, Service]) -> None:
    _, svc = idle
    with statements_sent(svc.store, lambda s: True) as sent:
        assert svc._work(100, False) == (0, False, False)
    assert _on("inbox", sent) == ["PROBE"]  # one probe, no write transaction
    with statements_sent(svc.store, lambda s: True) as sent:
        assert svc._work(100, True) == (0, False, False)
    # told there is work, it looks for due rows at once, with no probe before
    assert "PROBE" not in _on("inbox", sent) and "SELECT" in _on("inbox", sent)
    with statements_sent(svc.store, lambda s: True) as sent:
        assert svc._perform(100, False) == (0, False, False)
    assert _on("outbox", sent) == ["PROBE"]
    with statements_sent(svc.store, lambda s: True) as sent:
        assert svc._perform(100, True) == (0, False, False)
    assert "PROBE" not in _on("outbox", sent) and "SELECT" in _on("outbox", sent)


def test_the_runner_is_woken_only_for_planned_actions(idle: tuple[Sandbox, Service]) -> None:
    sb, svc = idle
    sb.helpdesk.create_ticket("How do I export?", "Where is the button?", tags=["question"])
    svc.poller.poll_all()
    n, queued, _ = svc._work(100, True)
    assert n >= 1 and not queued  # no route takes it: nothing for the runner
    ticket = sb.helpdesk.create_ticket("Export crashes", "Every time.", tags=["escalate"])
    svc.poller.poll_all()
    n, queued, _ = svc._work(100, True)
    assert n >= 1 and queued  # the issue to create
    n, _, more = svc._perform(100, True)
    assert n == 1 and more  # the issue made: its follow-ups (the ticket's note) are due now
    n, _, more = svc._perform(100, False)
    assert n >= 1 and not more  # they plan nothing further: the runner waits for its event
    svc.drain()
    assert svc.store.depth() == {"inbox": 0, "outbox": 0, "dead": 0}
    with svc.store.tx() as tx:
        assert svc.store.link_for_ticket(tx, str(ticket)) is not None
    svc.poller.poll_all()  # the issue and the ticket's link-back note come back as echoes
    n, queued, _ = svc._work(100, True)
    assert n >= 1 and not queued


def test_the_worker_looks_again_only_when_its_batch_was_full(
    idle: tuple[Sandbox, Service],
) -> None:
    sb, svc = idle
    for n in range(3):
        sb.helpdesk.create_ticket(f"Question {n}", "Where is the button?", tags=["question"])
    total = svc.poller.poll_all()  # each ticket and its first comment
    assert total >= 3
    n, _, more = svc._work(total - 1, True)
    assert (n, more) == (total - 1, True)  # stopped at its limit: it drains again at once
    n, _, more = svc._work(total - 1, False)
    assert (n, more) == (1, False)  # took the rest: it waits for the next event
