"""The dashboard's figures, computed from links and their audit rows (no I/O here).

Stages, from the link's state and its audit:
- **Closed**: the link is ``resolved``, ``declined``, ``redirecting`` or ``redirected``.
- **On Hold**: the link is active and waits on support: the issue is unreachable (an
  ``issue_unreachable`` not followed by ``issue_reachable``), or the developers spoke last
  (a ``dev_comment`` with no ``support_comment`` after it).
- **In Progress**: active with developer activity (any of ``ACK_EVENTS``).
- **New**: active, no developer activity yet.

Time to acknowledge: link creation to the first developer activity (``ACK_EVENTS``: a dev
comment, priority change, assignment or work started, or the issue closed). Time to resolve:
link creation to its ``resolved`` event. Time to first developer contact: link creation to the
first reply a developer wrote to the customer (``dev_to_customer``). SLA now: an open link is
*breached* when it has an ``sla_breached`` event, *at risk* with an ``sla_at_risk`` event;
an acknowledge-SLA event no longer counts once the link was acknowledged.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from syncd.dashboard import schema as s
from syncd.engine.handoff import TO_CUSTOMER
from syncd.model import LinkState
from syncd.store.analytics import ACK_EVENTS, Event, Filters, LinkFacts, group

CLOSED = (
    LinkState.RESOLVED,
    LinkState.DECLINED,
    LinkState.REDIRECTING,
    LinkState.REDIRECTED,
)
CLOSING_EVENTS = ("resolved", "wont_do", "redirect")
BUCKETS = ("< 1 h", "1-4 h", "4-24 h", "1-3 d", "3-7 d", "> 7 d")
BOUNDS = (1.0, 4.0, 24.0, 72.0, 168.0)
IMPACT_TOP = 10


def _first(lf: LinkFacts, names: Iterable[str]) -> Event | None:
    wanted = set(names)
    return next((e for e in lf.events if e.event in wanted), None)


def stage(lf: LinkFacts) -> s.Stage:
    """The overview stage of one link (see the module docstring)."""
    if lf.link.state in CLOSED:
        return "closed"
    reach = [e.event for e in lf.events if e.event in ("issue_unreachable", "issue_reachable")]
    talk = [e.event for e in lf.events if e.event in ("dev_comment", "support_comment")]
    if (reach and reach[-1] == "issue_unreachable") or (talk and talk[-1] == "dev_comment"):
        return "on_hold"
    return "in_progress" if _first(lf, ACK_EVENTS) else "new"


def hours_to(lf: LinkFacts, names: Iterable[str]) -> float | None:
    """Hours from the link's creation to its first event among ``names``."""
    ev = _first(lf, names)
    if ev is None:
        return None
    return max(0.0, (ev.at - lf.link.created_at).total_seconds() / 3600.0)


def closed_at(lf: LinkFacts) -> datetime | None:
    """When the link was closed, from its audit (its last update when the audit is silent)."""
    if lf.link.state not in CLOSED:
        return None
    ev = _first(lf, CLOSING_EVENTS)
    return ev.at if ev else lf.link.updated_at


def sla_state(lf: LinkFacts) -> s.SlaState:
    """``breached``, ``at_risk`` or ``ok`` for an open link; closed links are ``ok``."""
    if lf.link.state in CLOSED:
        return "ok"
    acked = _first(lf, ACK_EVENTS)
    worst: s.SlaState = "ok"
    for e in lf.events:
        if e.event not in ("sla_at_risk", "sla_breached"):
            continue
        if e.detail.get("kind") == "acknowledge" and acked is not None:
            continue
        if e.event == "sla_breached":
            return "breached"
        worst = "at_risk"
    return worst


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def _p90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def duration(key: str, values: Sequence[float]) -> s.Duration:
    """Count, median, 90th percentile (nearest rank) and bucket counts of hour values."""
    buckets = [0] * len(BUCKETS)
    for v in values:
        buckets[sum(1 for b in BOUNDS if v >= b)] += 1
    return s.Duration(
        key=key,
        count=len(values),
        median_hours=_round(statistics.median(values)) if values else None,
        p90_hours=_round(_p90(values)),
        buckets=buckets,
    )


def _durations(facts: list[LinkFacts], names: Sequence[str]) -> s.DurationStats:
    def values(items: list[LinkFacts]) -> list[float]:
        return [h for lf in items if (h := hours_to(lf, names)) is not None]

    return s.DurationStats(
        buckets=list(BUCKETS),
        overall=duration("all", values(facts)),
        by_tier=[duration(k, values(v)) for k, v in sorted(group(facts, "tier").items())],
        by_route=[duration(k, values(v)) for k, v in sorted(group(facts, "route").items())],
    )


CLOSED_AS = {
    LinkState.RESOLVED: "fixed",
    LinkState.DECLINED: "wont_do",
    LinkState.REDIRECTING: "redirected",
    LinkState.REDIRECTED: "redirected",
}


def stage_counts(facts: Iterable[LinkFacts]) -> s.StageCounts:
    """Links per stage; closed ones also by how they closed (fixed, won't do, redirected)."""
    c = s.StageCounts()
    for lf in facts:
        st = stage(lf)
        setattr(c, st, getattr(c, st) + 1)
        if st == "closed":
            how = CLOSED_AS[LinkState(lf.link.state)]
            setattr(c, how, getattr(c, how) + 1)
        c.total += 1
    return c


def _monday(t: datetime) -> datetime:
    d = t.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return d - timedelta(days=d.weekday())


def weeks(facts: list[LinkFacts], f: Filters, now: datetime) -> list[s.Week]:
    """Opened, closed and SLA events per whole week (Monday to Sunday, UTC): as many weeks as
    the range spans, the last one the week the range ends in ("last 8 weeks": eight bars)."""
    end = f.end or now
    start = f.start or min((lf.link.created_at for lf in facts), default=end)
    last = _monday(end - timedelta(microseconds=1))
    count = max(1, (end - start) // timedelta(days=7))
    rows: dict[datetime, dict[str, int]] = {}
    for n in range(count - 1, -1, -1):
        rows[last - timedelta(days=7 * n)] = {"opened": 0, "closed": 0, "at_risk": 0, "breached": 0}

    def bump(t: datetime | None, what: str) -> None:
        if t is not None and t < end and (wk := _monday(t)) in rows:
            rows[wk][what] += 1

    for lf in facts:
        bump(lf.link.created_at, "opened")
        bump(closed_at(lf), "closed")
        for e in lf.events:
            if e.event == "sla_at_risk":
                bump(e.at, "at_risk")
            elif e.event == "sla_breached":
                bump(e.at, "breached")
    return [s.Week(week=k.date().isoformat(), **v) for k, v in rows.items()]


def tier_rank(tier: str | None) -> tuple[int, str]:
    """L3 above L2 above L1; tiers without a number sort by name below them."""
    if not tier:
        return (-1, "")
    digits = "".join(ch for ch in tier if ch.isdigit())
    return (int(digits) if digits else 0, tier)


def impact(facts: list[LinkFacts]) -> list[s.ImpactRow]:
    """Issues by customer impact: linked tickets, then organizations, then highest tier."""
    by_issue: dict[str, list[LinkFacts]] = defaultdict(list)
    for lf in facts:
        by_issue[lf.link.issue_ref].append(lf)
    rows = []
    for ref, items in by_issue.items():
        orgs = {str(lf.ticket.get("organization")) for lf in items if lf.ticket} - {"None", ""}
        top = max((lf.link.tier for lf in items), key=tier_rank)
        snap = next((lf.issue for lf in items if lf.issue), None) or {}
        created = next((e for lf in items for e in lf.events if e.event == "issue_created"), None)
        url = str(snap.get("url") or (created.detail.get("url") if created else "") or "")
        rows.append(
            s.ImpactRow(
                issue_ref=ref,
                title=str(snap.get("title") or ref),
                url=url,
                tickets=len(items),
                open_tickets=sum(1 for lf in items if lf.link.state not in CLOSED),
                organizations=len(orgs),
                highest_tier=top,
                link_id=min(lf.link.id for lf in items),
            )
        )
    rows.sort(
        key=lambda r: (-r.tickets, -r.organizations, _neg(tier_rank(r.highest_tier)), r.issue_ref)
    )
    return rows[:IMPACT_TOP]


def _neg(rank: tuple[int, str]) -> int:
    return -rank[0]


def redirect_reason(lf: LinkFacts) -> str:
    """Why a link was redirected, in a few stable words."""
    ev = next((e for e in reversed(lf.events) if e.event == "redirect"), None)
    why = str((ev.detail.get("reason") if ev else None) or lf.link.reason or "")
    low = why.lower()
    if low.startswith("route mode") or (not why and lf.link.mode == "redirect"):
        return "route mode is redirect"
    if "deleted on the tracker" in low:
        return "issue deleted on the tracker"
    if low.startswith("write refused") or "read-only" in low or "readonly" in low:
        return "project read-only"
    if "notfound" in low or "404" in low or "410" in low or "gone" in low:
        return "issue gone (404/410)"
    return why[:60] or "unknown"


def redirects(facts: list[LinkFacts]) -> list[s.RedirectRow]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for lf in facts:
        if not LinkState(lf.link.state).syncing:
            counts[(redirect_reason(lf), lf.link.route)] += 1
    rows = [s.RedirectRow(reason=r, route=k, count=n) for (r, k), n in counts.items()]
    rows.sort(key=lambda r: (-r.count, r.reason, r.route))
    return rows


def _sla_keys(facts: list[LinkFacts], key: str) -> list[s.SlaKey]:
    out = []
    for k, items in sorted(group(facts, key).items()):
        states = [sla_state(lf) for lf in items]
        out.append(
            s.SlaKey(key=k, at_risk=states.count("at_risk"), breached=states.count("breached"))
        )
    return out


def overview(
    facts: list[LinkFacts], f: Filters, now: datetime, opts: tuple[list[str], list[str]]
) -> s.Overview:
    """Everything the overview page shows."""
    states = [sla_state(lf) for lf in facts]
    return s.Overview(
        filters=s.FilterEcho(start=f.start, end=f.end, tier=f.tier, route=f.route),
        options=s.Options(tiers=opts[0], routes=opts[1]),
        total=len(facts),
        stages=stage_counts(facts),
        by_tier=[
            s.StageRow(key=k, counts=stage_counts(v))
            for k, v in sorted(group(facts, "tier").items())
        ],
        by_route=[
            s.StageRow(key=k, counts=stage_counts(v))
            for k, v in sorted(group(facts, "route").items())
        ],
        acknowledge=_durations(facts, ACK_EVENTS),
        resolve=_durations(facts, ("resolved",)),
        first_contact=_durations(facts, (TO_CUSTOMER,)),
        sla=s.SlaNow(
            at_risk=states.count("at_risk"),
            breached=states.count("breached"),
            by_tier=_sla_keys(facts, "tier"),
            by_route=_sla_keys(facts, "route"),
        ),
        weeks=weeks(facts, f, now),
        impact=impact(facts),
        redirects=redirects(facts),
    )
