"""What a copy's echo costs: a developer's comment copied to the ticket comes back as
Zendesk's ``comment_added`` delivery (syncd's note and the ticket as it now is). Both are
syncd's own update, so both stop at the intake: the worker handles the one real change."""

from __future__ import annotations

from syncd import metrics
from syncd.model import Ref
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import escalate, notes


def _echoes(name: str) -> float:
    value = metrics.REGISTRY.get_sample_value("syncd_echoes_dropped_total", {"connector": name})
    return value or 0.0


def test_the_echo_of_a_copied_comment_never_reaches_the_worker(hooked: Sandbox) -> None:
    sb = hooked
    assert sb.service is not None
    ticket, issue = escalate(sb, ["escalate"])
    sb.settle()
    processed, echoes = sb.service.worker.processed, _echoes("zendesk")

    sb.tracker.comment(issue, "Found the cause: a null in the export path.")
    sb.wait("the copy", lambda: notes(sb, ticket, public=False, text="null in the export"))
    sb.settle()

    assert sb.service.worker.processed - processed == 1, "only the developer's comment"
    assert _echoes("zendesk") - echoes == 2, "the copy and the ticket's snapshot"
    # and a person's comment on the ticket still arrives whole: snapshot and comment
    processed = sb.service.worker.processed
    sb.helpdesk.comment(ticket, "/dev The customer sees it on every export.", public=False)
    sb.wait("the agent's note copied", lambda: _commented(sb, issue, "on every export"))
    sb.settle()
    assert sb.service.worker.processed - processed == 2


def _commented(sb: Sandbox, issue: Ref, text: str) -> bool:
    return any(text in c.body for c in sb.tracker.comments(issue))
