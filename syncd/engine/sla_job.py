"""The periodic SLA check: read each followed issue's clock, ask the pure rules, write back.

Runs on the service's scheduler (``every("sla", ...)``) and from tests with a frozen ``now``.
One clock per issue, keyed by its first link, counted from that link's escalation.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import structlog
from prometheus_client import Counter

from syncd.engine.calendar import span_for
from syncd.engine.rules import Rules, ctx
from syncd.engine.sla import human, new_clock, observe, plan_sla, readings
from syncd.engine.worker import link_view
from syncd.model import Issue
from syncd.store import outbox
from syncd.store.repository import LinkRow, Store, Tx

log = structlog.get_logger("syncd.sla")
SLA_EVENTS = Counter(
    "syncd_sla_transitions_total",
    "SLA clocks that went at risk or were breached, by route and kind",
    ["event", "route", "kind"],
)


def check(store: Store, rules: Rules, now: datetime) -> int:
    """Check every clock of routes with an SLA; return how many events were raised."""
    routes = [r.name for r in rules.routes if r.sla is not None]
    if not routes:
        return 0
    with store.tx() as tx:
        rows = store.links_in(tx, routes, ["active"])
    by_issue: dict[str, list[LinkRow]] = defaultdict(list)
    for row in rows:
        by_issue[row.issue_ref].append(row)
    raised = 0
    for issue_ref, linked in by_issue.items():
        with store.tx() as tx:
            raised += _check_issue(store, tx, rules, issue_ref, linked, now)
    return raised


def _check_issue(
    store: Store, tx: Tx, rules: Rules, issue_ref: str, linked: list[LinkRow], now: datetime
) -> int:
    first = min(linked, key=lambda r: r.id)
    route = rules.route(first.route)
    if route is None or route.sla is None:
        return 0
    seen = store.shadow(tx, issue_ref).observed
    if seen is None:
        return 0
    issue = Issue.model_validate(seen)
    clock = store.sla_clock(tx, first.id) or new_clock(first.created_at, route.name)
    clock = observe(clock, issue, route.sla, now)
    span = span_for(route.sla.calendar, dict(rules.calendars))
    found = readings(clock, route.sla, span, now)
    views = [link_view(store, tx, r) for r in linked]
    notes: dict[str, str] = {}
    for r in found:
        if r.level in ("at_risk", "breached"):
            c = ctx(views[0], route, rules, kind=r.kind, limit=human(r.limit))
            c["deadline"] = r.deadline.strftime("%Y-%m-%d %H:%M UTC") if r.deadline else "-"
            notes[f"{r.kind}:{r.level}"] = rules.templates.render(
                f"sla_{r.level}", route.templates, **c
            )
    planned = plan_sla(views[0].issue, views, clock, found, notes)
    store.put_sla_clock(tx, first.id, planned.clock)
    if planned.actions:
        outbox.add(tx, [a.row() for a in planned.actions])
    for event, detail in planned.events:
        store.audit(
            tx,
            event,
            link_id=first.id,
            ticket_ref=first.ticket_ref,
            issue_ref=issue_ref,
            **detail,
        )
        SLA_EVENTS.labels(event, route.name, detail["kind"]).inc()
        log.warning(event, issue=issue_ref, **detail)
    return len(planned.events)
