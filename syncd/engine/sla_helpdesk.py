"""The helpdesk's own SLA on the dev team's clock: pure rules, the caller brings the time.

A route's ``sla.helpdesk_sla`` names the helpdesk SLAs the clock follows (the customer's
promise, e.g. a time to resolution). The SLA check reads them from each linked ticket's
helpdesk and :func:`record` keeps them on the clock (``clock["helpdesk"]``: ticket -> goals,
only what changes when the helpdesk's answer changes, so an unchanged answer writes
nothing). :func:`helpdesk_readings` turns them into readings of kind ``helpdesk`` that
:func:`syncd.engine.sla.plan_sla` plans like the dev team's own: a followed SLA that
breaches before the dev team's time to resolve (or the clock has none) goes at risk at the
policy's share of its goal and breached at its breach time, so the dev team hears of it
before the customer's promise is broken. One reading per followed name: of the linked
tickets, the one whose promise is closest to breaking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from syncd.connector_sla import HelpdeskSla
from syncd.engine.sla import Level, Reading
from syncd.workflow import SlaPolicy

# the worst first: the reading a followed name gets when several tickets carry it
_ORDER: dict[str, int] = {"breached": 0, "at_risk": 1, "ok": 2, "paused": 3, "met": 4}


def followed(goals: Iterable[HelpdeskSla], policy: SlaPolicy) -> list[HelpdeskSla]:
    """The goals whose name the policy follows (any case)."""
    names = {n.casefold() for n in policy.helpdesk_sla}
    return [g for g in goals if g.name.casefold() in names]


def _seconds(d: timedelta | None) -> int | None:
    return None if d is None else int(d.total_seconds())


def entry(goal: HelpdeskSla) -> dict[str, Any]:
    """One goal as the clock keeps it (JSON)."""
    return {
        "name": goal.name,
        "goal_seconds": _seconds(goal.goal),
        "breach_at": goal.breach_at.isoformat() if goal.breach_at else None,
        "breached": goal.breached,
        "paused": goal.paused,
        "completed": goal.completed,
        "remaining_seconds": _seconds(goal.remaining) if goal.breach_at is None else None,
    }


def record(
    clock: dict[str, Any], ticket: str, goals: Sequence[HelpdeskSla], policy: SlaPolicy
) -> dict[str, Any]:
    """The clock with ``ticket``'s followed goals as just read (none: forgotten)."""
    kept = dict(clock.get("helpdesk") or {})
    found = [entry(g) for g in followed(goals, policy)]
    if found:
        kept[ticket] = found
    else:
        kept.pop(ticket, None)
    out = {**clock}
    if kept:
        out["helpdesk"] = kept
    else:
        out.pop("helpdesk", None)
    return out


def forget(clock: dict[str, Any], tickets: Iterable[str]) -> dict[str, Any]:
    """The clock without the goals of tickets no longer linked."""
    held = clock.get("helpdesk") or {}
    keep = set(tickets)
    if not set(held) - keep:
        return clock
    kept = {t: g for t, g in held.items() if t in keep}
    out = {k: v for k, v in clock.items() if k != "helpdesk"}
    return {**out, "helpdesk": kept} if kept else out


def level_of(e: dict[str, Any], policy: SlaPolicy, now: datetime) -> Level:
    """Where one recorded goal stands at ``now``."""
    breach = datetime.fromisoformat(e["breach_at"]) if e.get("breach_at") else None
    running = not e.get("completed") and not e.get("paused")
    if e.get("breached") or (running and breach is not None and now >= breach):
        return "breached"
    if e.get("completed"):
        return "met"
    if e.get("paused"):
        return "paused"
    goal = timedelta(seconds=e["goal_seconds"]) if e.get("goal_seconds") else None
    if breach is not None and goal is not None and now >= breach - goal * (1 - policy.at_risk):
        return "at_risk"
    return "ok"


def _reading(ticket: str, e: dict[str, Any], policy: SlaPolicy, now: datetime) -> Reading:
    breach = datetime.fromisoformat(e["breach_at"]) if e.get("breach_at") else None
    goal = timedelta(seconds=e.get("goal_seconds") or 0)
    if breach is not None:
        elapsed = goal - (breach - now)
    else:
        elapsed = goal - timedelta(seconds=e.get("remaining_seconds") or 0)
    return Reading(
        kind="helpdesk",
        limit=goal,
        elapsed=max(timedelta(0), elapsed),
        deadline=breach,
        level=level_of(e, policy, now),
        name=str(e["name"]),
        ticket=ticket,
    )


def helpdesk_readings(
    clock: dict[str, Any], policy: SlaPolicy, now: datetime, dev: Sequence[Reading]
) -> list[Reading]:
    """The followed helpdesk SLAs that bind the dev team at ``now``: those that breach
    before its time to resolve runs out (all of them when it has none running); none once
    the issue is resolved, the dev team's part is done."""
    if clock.get("resolved_at"):
        return []
    resolve = next((r for r in dev if r.kind == "resolve" and r.level != "met"), None)
    before = resolve.deadline if resolve is not None else None
    best: dict[str, Reading] = {}
    for ticket, entries in sorted((clock.get("helpdesk") or {}).items()):
        for e in entries:
            r = _reading(ticket, e, policy, now)
            if before is not None and not _first(r, before):
                continue  # the dev team's own deadline comes first: it warns
            name = str(e["name"]).casefold()
            held = best.get(name)
            if held is None or _worse(r, held):
                best[name] = r
    return [best[n] for n in sorted(best)]


def _first(r: Reading, before: datetime) -> bool:
    """The customer's promise breaks before ``before`` (or broke when nobody can tell)."""
    if r.deadline is None:
        return r.level == "breached"
    return r.deadline < before


def _worse(a: Reading, b: Reading) -> bool:
    if _ORDER[a.level] != _ORDER[b.level]:
        return _ORDER[a.level] < _ORDER[b.level]
    far = datetime.max.replace(tzinfo=UTC)
    return (a.deadline or far) < (b.deadline or far)
