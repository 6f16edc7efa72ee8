"""SLA clocks agreed with dev teams: pure rules, the caller brings the time.

One clock per issue, started when its first ticket was escalated. ``observe`` folds an issue
snapshot into the clock (pauses while the issue waits on support, acknowledged when assigned
or in progress, resolved when closed); ``readings`` says where each SLA stands at ``now``;
``plan_sla`` turns a reading that crossed a line into labels, internal notes and audit events.
Readings of kind ``helpdesk`` (the ticket's own SLA in the helpdesk, the customer's promise)
come from :mod:`syncd.engine.sla_helpdesk` and are planned the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.calendar import Span
from syncd.model import Issue, IssueStatus, Ref
from syncd.workflow import SlaPolicy

Kind = Literal["acknowledge", "resolve", "helpdesk"]  # helpdesk: the ticket's own SLA
Level = Literal["ok", "at_risk", "breached", "met", "paused"]
AT_RISK_LABEL = "sla:at-risk"
BREACHED_LABEL = "sla:breached"


def _t(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def new_clock(start: datetime, route: str) -> dict[str, Any]:
    """A clock started at ``start`` (the escalation)."""
    return {
        "start": start.isoformat(),
        "route": route,
        "priority": None,
        "paused": [],
        "paused_since": None,
        "acknowledged_at": None,
        "resolved_at": None,
        "fired": {},
    }


def waiting_on_support(issue: Issue, policy: SlaPolicy) -> bool:
    """The issue is in a state where the clock stops."""
    return issue.status in policy.pause_statuses or bool(
        set(policy.pause_labels) & set(issue.labels)
    )


def observe(clock: dict[str, Any], issue: Issue, policy: SlaPolicy, at: datetime) -> dict[str, Any]:
    """The clock after seeing ``issue`` as it stands at ``at``."""
    c = {**clock, "paused": [list(p) for p in clock["paused"]], "fired": dict(clock["fired"])}
    c["priority"] = issue.priority.value if issue.priority else None
    stamp = at.isoformat()
    closed = issue.status.is_closed
    if closed and not c["resolved_at"]:
        c["resolved_at"] = stamp
    elif not closed and c["resolved_at"]:
        # reopened: the time it spent closed does not count against the dev team
        c["paused"].append([c["resolved_at"], stamp])
        c["resolved_at"] = None
    triaged = issue.assignee or issue.status in (IssueStatus.IN_PROGRESS,) or closed
    if triaged and not c["acknowledged_at"]:
        c["acknowledged_at"] = stamp
    paused = waiting_on_support(issue, policy) and not closed
    if paused and not c["paused_since"]:
        c["paused_since"] = stamp
    elif not paused and c["paused_since"]:
        c["paused"].append([c["paused_since"], stamp])
        c["paused_since"] = None
    return c


@dataclass(frozen=True)
class Reading:
    """Where one SLA stands."""

    kind: Kind
    limit: timedelta
    elapsed: timedelta
    deadline: datetime | None
    level: Level
    name: str | None = None  # helpdesk: the SLA's name in the helpdesk
    ticket: str | None = None  # helpdesk: the ticket whose SLA it is

    @property
    def share(self) -> float:
        return self.elapsed / self.limit if self.limit else 1.0

    @property
    def key(self) -> str:
        """What the clock remembers a fired line under: the kind, or the helpdesk SLA."""
        if self.name is None:
            return self.kind
        return f"{self.kind}:{'-'.join(self.name.casefold().split())}"

    def detail(self, route: str) -> dict[str, Any]:
        """The audit detail agreed with the dashboard."""
        out = {
            "kind": self.kind,
            "route": route,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "limit_seconds": int(self.limit.total_seconds()),
            "elapsed_seconds": int(self.elapsed.total_seconds()),
        }
        if self.name is not None:
            out |= {"helpdesk_sla": self.name, "ticket": self.ticket}
        return out


def _counted(clock: dict[str, Any], span: Span, end: datetime) -> timedelta:
    start = _t(clock["start"])
    assert start is not None
    total = span.elapsed(start, end)
    pauses = [(_t(a), _t(b)) for a, b in clock["paused"]]
    if clock["paused_since"]:
        pauses.append((_t(clock["paused_since"]), end))
    for a, b in pauses:
        if a is not None and b is not None:
            total -= span.elapsed(max(a, start), min(b, end))
    return max(timedelta(0), total)


def readings(clock: dict[str, Any], policy: SlaPolicy, span: Span, now: datetime) -> list[Reading]:
    """Each SLA of the clock's priority, as it stands at ``now``."""
    from syncd.model import Priority

    prio = Priority(clock["priority"]) if clock.get("priority") else None
    times = policy.times(prio)
    if times is None:
        return []
    out: list[Reading] = []
    for kind, limit, met in (
        ("acknowledge", times.acknowledge, _t(clock["acknowledged_at"])),
        ("resolve", times.resolve, _t(clock["resolved_at"])),
    ):
        if limit is None:
            continue
        end = min(met, now) if met else now
        elapsed = _counted(clock, span, end)
        paused = bool(clock["paused_since"]) and not met
        # the deadline counts on from the last time the clock (re)started
        starts = [_t(clock["start"])] + [_t(b) for _, b in clock["paused"]]
        restart = max(s for s in starts if s is not None and s <= end)
        base = now if paused else restart
        deadline = span.add(base, limit - _counted(clock, span, base))
        if elapsed >= limit:
            level: Level = "breached"
        elif met:
            level = "met"
        elif paused:
            level = "paused"
        elif elapsed >= limit * policy.at_risk:
            level = "at_risk"
        else:
            level = "ok"
        out.append(Reading(kind, limit, elapsed, deadline, level))  # type: ignore[arg-type]
    return out


@dataclass(frozen=True)
class SlaPlan:
    """What one check of one issue's clock calls for."""

    actions: list[Action] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # audit rows
    clock: dict[str, Any] = field(default_factory=dict)


def plan_sla(
    issue: Ref,
    links: Sequence[LinkView],
    clock: dict[str, Any],
    found: Sequence[Reading],
    notes: dict[str, str],
) -> SlaPlan:
    """Labels, notes and audit events for readings that crossed a line since the last check.

    ``notes`` holds the rendered internal notes by reading and level (``resolve:at_risk``,
    ``helpdesk:time-to-resolution:breached``: ``Reading.key``, then the level)."""
    fired: dict[str, str] = dict(clock.get("fired", {}))
    actions: list[Action] = []
    events: list[tuple[str, dict[str, Any]]] = []
    route = str(clock.get("route", ""))
    lane = str(issue)  # the labels' own lane, behind no ticket's writes (the notes go in theirs)
    # breaches first: an issue past one deadline carries sla:breached, never at-risk as well
    for r in sorted(found, key=lambda r: r.level != "breached"):
        if r.level not in ("at_risk", "breached") or fired.get(r.key) in (r.level, "breached"):
            continue
        breached_before = "breached" in fired.values()
        fired[r.key] = r.level
        events.append((f"sla_{r.level}", r.detail(route)))
        label = BREACHED_LABEL if r.level == "breached" else AT_RISK_LABEL
        if not (r.level == "at_risk" and breached_before):
            actions.append(
                Action(
                    kind=ActionKind.UPDATE_ISSUE,
                    key=f"sla:{issue}:{r.key}:{r.level}:label",
                    lane=lane,
                    target=issue,
                    link_id=links[0].id if links else None,
                    add_tags=(label,),
                    remove_tags=(AT_RISK_LABEL,) if r.level == "breached" else (),
                    message=f"sla_{r.level}_label",
                )
            )
        actions += [
            Action(
                kind=ActionKind.ADD_COMMENT,
                key=f"sla:{issue}:{r.key}:{r.level}:note:{link.ticket}",
                lane=str(link.ticket),
                target=link.ticket,
                link_id=link.id,
                public=False,
                body=notes.get(f"{r.key}:{r.level}", ""),
                message=f"sla_{r.level}_note",
            )
            for link in links
        ]
    return SlaPlan(actions=actions, events=events, clock={**clock, "fired": fired})


def sla_context(found: Sequence[Reading]) -> dict[str, Any]:
    """What templates see as ``sla``."""
    out: dict[str, Any] = {"any": bool(found), "acknowledge": None, "resolve": None}
    for r in found:
        out[r.kind] = {
            "limit": human(r.limit),
            "deadline": r.deadline.strftime("%Y-%m-%d %H:%M UTC") if r.deadline else "",
            "level": r.level,
            "share": round(r.share, 2),
        }
    return out


def human(d: timedelta) -> str:
    """``4h``, ``2d``, ``30m``."""
    hours = d.total_seconds() / 3600
    if hours >= 48 and hours % 24 == 0:
        return f"{int(hours // 24)}d"
    return f"{hours:g}h" if hours >= 1 else f"{int(d.total_seconds() // 60)}m"
