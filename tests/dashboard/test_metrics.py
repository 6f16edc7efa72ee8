"""``/metrics`` parses as Prometheus text and its counters move as a scenario runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from syncd.model import IssueStatus, Ref
from syncd.testing.sandbox import Sandbox


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(folder=tmp_path, webhooks=True, poll_interval=3600.0)
    box.start()
    try:
        yield box
    finally:
        box.stop()


def scrape(sb: Sandbox) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of ``/metrics`` by name and labels."""
    text = httpx.get(sb.url + "/metrics").text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }


def total(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def _issue(sb: Sandbox, ticket: Ref) -> Ref | None:
    assert sb.service is not None
    with sb.service.store.tx() as tx:
        link = sb.service.store.link_for_ticket(tx, str(ticket))
    return Ref.parse(link.issue_ref) if link else None


def test_counters_move_as_a_ticket_escalates_and_resolves(sb: Sandbox) -> None:
    before = scrape(sb)
    ticket = sb.helpdesk.create_ticket("Export crashes", "Every time.", tags=["escalate"])
    issue = sb.wait("issue created", lambda: _issue(sb, ticket))
    sb.tracker.set_status(issue, IssueStatus.DONE)
    sb.wait("resolved", lambda: sb.helpdesk.ticket(ticket).status.value == "solved")
    sb.settle()
    after = scrape(sb)

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert moved("syncd_webhooks_total", connector="zendesk", outcome="accepted") >= 1
    assert moved("syncd_webhooks_total", connector="github", outcome="accepted") >= 1
    assert moved("syncd_changes_processed_total", connector="zendesk") >= 1
    assert moved("syncd_actions_total", kind="create_issue", result="done") == 1
    assert moved("syncd_actions_total", result="done") >= 4  # issue, note, hand-off, resolved
    assert moved("syncd_api_requests_total", connector="github", operation="create_issue") >= 1
    assert moved("syncd_sync_lag_seconds_count", connector="github") >= 1
    assert total(after, "syncd_queue_depth", queue="inbox") == 0
    assert total(after, "syncd_connector_healthy", connector="github") == 1
    assert total(after, "syncd_rate_budget_limit", connector="github") > 0
    assert total(after, "syncd_rate_budget_remaining", connector="github") > 0
    # label sets stay bounded: no ticket or issue id in any label value
    for (_name, labels), _ in after.items():
        for _k, v in labels:
            assert ticket.key not in v and "#" not in v, labels


def test_sla_gauges_and_dead_letters(sb: Sandbox) -> None:
    from syncd.demo.history import seed_sandbox

    seed_sandbox(sb, tickets=120)
    samples = scrape(sb)
    sla = {(dict(ls)["state"]) for (n, ls), v in samples.items() if n == "syncd_sla_links" and v}
    assert sla <= {"at_risk", "breached"} and sla
    api = httpx.get(sb.url + "/api/dashboard/overview", params={"days": 3660}).json()
    assert total(samples, "syncd_sla_links", state="breached") == api["sla"]["breached"]
    assert total(samples, "syncd_sla_links", state="at_risk") == api["sla"]["at_risk"]
