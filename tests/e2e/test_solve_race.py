"""A customer who reopens a ticket while syncd records its own solve is not lost.

syncd solves a ticket when its issue is done, and marks the link ``resolved`` once Zendesk
has answered. A customer who reopens the ticket between that answer and the record would be
read under the link as it was (still waiting on the developers), where reopening means
nothing, and then the link would say ``resolved`` over an open ticket. The daemon is driven by
hand (``tests/e2e/driven.py``): the reopen is made, delivered and worked on inside
that window, exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from syncd.engine.actions import Action
from syncd.model import IssueStatus, LinkState, TicketStatus
from tests.e2e.driven import Driven


def test_a_reopen_while_the_solve_is_recorded_reopens_the_link(
    driven: Callable[[str], Driven],
) -> None:
    d = driven("race")
    ticket = d.escalate()
    d.work()
    issue = d.issue(ticket)
    performed = d.service.runner.performer
    reopened: list[str] = []

    def solve_then_reopen(action: Action, *args: Any, **kw: Any) -> Any:
        done = performed(action, *args, **kw)
        if action.link_state == LinkState.RESOLVED:
            # Zendesk has solved the ticket; syncd has not recorded it yet
            d.zendesk.set_status(int(ticket.key), "open", author=d.requester(ticket))
            d.delivered()
            d.service.worker.drain(peek=False)
            reopened.append(action.key)
        return done

    d.service.runner.performer = solve_then_reopen
    d.sb.tracker.set_status(issue, IssueStatus.DONE)
    d.work()
    d.service.runner.performer = performed
    d.work()
    assert reopened, "the solve was never performed"

    assert d.sb.helpdesk.ticket(ticket).status == TicketStatus.OPEN
    with d.service.store.tx() as tx:
        link = d.service.store.link_for_ticket(tx, str(ticket))
    assert link is not None and link.state == LinkState.ACTIVE  # waits on the developers again
    told = [c.body for c in d.sb.tracker.comments(issue) if "reopened" in c.body]
    assert len(told) == 1, told
    assert d.service.store.depth() == {"inbox": 0, "outbox": 0, "dead": 0}
