"""The periodic SLA check: read each followed issue's clock, ask the pure rules, write what moved.

Runs on the service's scheduler (``every("sla", ...)``) and from tests with a frozen ``now``.
One clock per issue, keyed by its first link, counted from that link's escalation. For a
route that follows the helpdesk's own SLAs (``sla.helpdesk_sla``) the linked tickets' SLAs
are read first, outside any transaction, from helpdesks that keep them and within their
rate budget; a read that fails or must wait is logged and the goals last read stand until
the next check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from prometheus_client import Counter

from syncd import metrics
from syncd.connector import Capability, Connector
from syncd.connector_sla import HelpdeskSla, HelpdeskSlas
from syncd.engine.calendar import span_for
from syncd.engine.rules import Rules, ctx
from syncd.engine.situations import link_view
from syncd.engine.sla import SlaPlan, human, new_clock, observe, plan_sla, readings
from syncd.engine.sla_helpdesk import forget, helpdesk_readings, record
from syncd.errors import RateLimited, RemoteError
from syncd.model import Issue, LinkState, Ref
from syncd.ratelimit import Budget
from syncd.store import outbox
from syncd.store.repository import LinkRow, Store, Tx

log = structlog.get_logger("syncd.sla")
SLA_EVENTS = Counter(
    "syncd_sla_transitions_total",
    "SLA clocks that went at risk or were breached, by route and kind",
    ["event", "route", "kind"],
)


def check(
    store: Store,
    rules: Rules,
    now: datetime,
    connectors: Mapping[str, Connector] | None = None,
    budgets: Mapping[str, Budget] | None = None,
) -> int:
    """Check every clock of routes with an SLA; return how many events were raised.
    ``connectors`` (with their ``budgets``) read the helpdesks' own SLAs; without them the
    goals last recorded on the clocks stand.

    Each issue is read and judged on a read-only connection, which takes no write lock, and
    written only when its clock moved or a line was crossed: most checks change nothing,
    and a check that held the write lock through every followed issue held up the webhooks'
    commits and the worker's batches for as long as it ran, once a minute."""
    routes = [r.name for r in rules.routes if r.sla is not None]
    if not routes:
        return 0
    with store.peek() as tx:
        rows = store.links_in(tx, routes, [LinkState.ACTIVE])
    by_issue: dict[str, list[LinkRow]] = defaultdict(list)
    for row in rows:
        by_issue[row.issue_ref].append(row)
    raised = 0
    for issue_ref, linked in by_issue.items():
        fresh = read_helpdesk(store, rules, linked, connectors or {}, budgets or {})
        with store.peek() as tx:
            plan = _plan(store, tx, rules, issue_ref, linked, now, fresh)
        if plan is not None:
            with store.tx() as tx:
                raised += _apply(store, tx, issue_ref, plan)
    return raised


@dataclass(frozen=True)
class _Plan:
    """What one issue's check would write, and the clock it was judged from."""

    first: LinkRow
    route: str
    stored: dict[str, Any] | None
    planned: SlaPlan


def read_helpdesk(
    store: Store,
    rules: Rules,
    linked: list[LinkRow],
    connectors: Mapping[str, Connector],
    budgets: Mapping[str, Budget],
) -> dict[str, list[HelpdeskSla]]:
    """The own SLAs of an issue's linked tickets (ticket -> goals) whose route follows them
    and whose helpdesk keeps them, while the clock runs; a ticket whose read failed or
    would overspend its helpdesk's budget is left out (logged; read at the next check)."""
    first = min(linked, key=lambda r: r.id)
    route = rules.route(first.route)
    if route is None or route.sla is None or not route.sla.helpdesk_sla:
        return {}
    with store.peek() as tx:
        if (store.sla_clock(tx, first.id) or {}).get("resolved_at"):
            return {}
    out: dict[str, list[HelpdeskSla]] = {}
    for row in linked:
        ref = Ref.parse(row.ticket_ref)
        conn = connectors.get(ref.connector)
        if conn is None or Capability.HELPDESK_SLA not in conn.capabilities:
            continue
        if not isinstance(conn, HelpdeskSlas):
            continue
        budget = budgets.get(ref.connector)
        wait = budget.take("read", row.ticket_ref) if budget is not None else None
        if wait is not None and wait.seconds > 0:
            log.info("sla.helpdesk_read_deferred", ticket=row.ticket_ref, limit=wait.limit)
            continue
        metrics.API_REQUESTS.labels(ref.connector, "read").inc()
        try:
            out[row.ticket_ref] = conn.helpdesk_slas(ref)
        except RemoteError as exc:
            if isinstance(exc, RateLimited) and budget is not None:
                budget.hold(exc.retry_after)  # the helpdesk says when to ask again
            log.warning("sla.helpdesk_read_failed", ticket=row.ticket_ref, error=str(exc))
    return out


def _plan(
    store: Store,
    tx: Tx,
    rules: Rules,
    issue_ref: str,
    linked: list[LinkRow],
    now: datetime,
    fresh: Mapping[str, list[HelpdeskSla]] | None = None,
) -> _Plan | None:
    """The writes one issue's clock needs at ``now`` (``fresh``: the linked tickets' own
    SLAs just read); None when there are none."""
    first = min(linked, key=lambda r: r.id)
    route = rules.route(first.route)
    if route is None or route.sla is None:
        return None
    seen = store.shadow(tx, issue_ref).observed
    if seen is None:
        return None
    issue = Issue.model_validate(seen)
    stored = store.sla_clock(tx, first.id)
    clock = observe(stored or new_clock(first.created_at, route.name), issue, route.sla, now)
    for ticket, goals in (fresh or {}).items():
        clock = record(clock, ticket, goals, route.sla)
    clock = forget(clock, [r.ticket_ref for r in linked])
    span = span_for(route.sla.calendar, dict(rules.calendars))
    found = readings(clock, route.sla, span, now)
    found += helpdesk_readings(clock, route.sla, now, found)
    crossing = [r for r in found if r.level in ("at_risk", "breached")]
    # the links' snapshots feed the notes' templates: read only when a line may be crossed
    views = [link_view(store, tx, r) for r in linked] if crossing else []
    notes: dict[str, str] = {}
    for r in crossing:
        c = ctx(views[0], route, rules, kind=r.kind, limit=human(r.limit), helpdesk_sla=r.name)
        c["deadline"] = r.deadline.strftime("%Y-%m-%d %H:%M UTC") if r.deadline else "-"
        notes[f"{r.key}:{r.level}"] = rules.templates.render(f"sla_{r.level}", route.templates, **c)
    planned = plan_sla(Ref.parse(issue_ref), views, clock, found, notes)
    if planned.clock == stored and not planned.actions and not planned.events:
        return None
    return _Plan(first, route.name, stored, planned)


def _apply(store: Store, tx: Tx, issue_ref: str, plan: _Plan) -> int:
    """Write ``plan`` unless the clock moved since it was read (another replica checked it
    meanwhile: the next check judges it again); return the events raised."""
    first, planned = plan.first, plan.planned
    if store.sla_clock(tx, first.id) != plan.stored:
        return 0
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
        SLA_EVENTS.labels(event, plan.route, detail["kind"]).inc()
        log.warning(event, issue=issue_ref, **detail)
    return len(planned.events)
