"""Route matching: which route, if any, takes a ticket. First match wins.

A route matches on tags, group or queue, organization, priority, custom fields, the support
tier of the ticket's group and the customer's tier; ``explain`` says, route by route, why one
took the ticket or why it did not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from syncd.model import Ticket
from syncd.settings import Route
from syncd.workflow import Tiers

NO_TIERS = Tiers()


def why_not(ticket: Ticket, route: Route, tiers: Tiers = NO_TIERS) -> str | None:
    """``None`` when ``route`` takes ``ticket``, else the first reason it does not."""
    m = route.match
    if route.helpdesk and route.helpdesk != ticket.ref.connector:
        return f"route is for helpdesk {route.helpdesk!r}"
    missing = sorted(t for t in m.tags if t not in ticket.tags)
    if missing:
        return f"missing tags {missing}"
    if m.any_tags and not set(m.any_tags) & ticket.tags:
        return f"none of the tags {m.any_tags}"
    excluded = sorted(t for t in m.not_tags if t in ticket.tags)
    if excluded:
        return f"has excluded tags {excluded}"
    if m.group and (ticket.group or "") not in m.group:
        return f"group {ticket.group!r} not in {m.group}"
    if m.organization and (ticket.organization or "") not in m.organization:
        return f"organization {ticket.organization!r} not in {m.organization}"
    if m.priority and ticket.priority not in m.priority:
        wanted = [p.value for p in m.priority]
        got = ticket.priority.value if ticket.priority else None
        return f"priority {got!r} not in {wanted}"
    for name, value in m.fields.items():
        have = ticket.fields.get(name)
        allowed = value if isinstance(value, list) else [value]
        if have not in allowed:
            return f"field {name}={have!r}, wants {value!r}"
    if m.tiers:
        tier = tiers.of(ticket.group)
        if tier not in m.tiers:
            return f"support tier {tier!r} (group {ticket.group!r}) not accepted, wants {m.tiers}"
    if m.customer_tier:
        have = customer_tier(ticket, tiers)
        if have not in m.customer_tier:
            return f"customer tier {have!r} not in {m.customer_tier}"
    return None


def customer_tier(ticket: Ticket, tiers: Tiers) -> str | None:
    """The customer's tier, from the configured ticket field or tag."""
    if tiers.customer_tier_field and ticket.fields.get(tiers.customer_tier_field):
        return ticket.fields[tiers.customer_tier_field]
    prefix = tiers.customer_tier_tag_prefix
    if prefix:
        found = sorted(t[len(prefix) :] for t in ticket.tags if t.startswith(prefix))
        return found[0] if found else None
    return None


def match_route(ticket: Ticket, routes: Sequence[Route], tiers: Tiers = NO_TIERS) -> Route | None:
    """The first route that takes ``ticket``."""
    return next((r for r in routes if why_not(ticket, r, tiers) is None), None)


@dataclass(frozen=True)
class Verdict:
    """One route's answer for one ticket."""

    route: str
    matched: bool
    reason: str


def explain(ticket: Ticket, routes: Sequence[Route], tiers: Tiers = NO_TIERS) -> list[Verdict]:
    """Every route in order until the first that matches, each with its reason."""
    out: list[Verdict] = []
    for route in routes:
        reason = why_not(ticket, route, tiers)
        if reason is None:
            target = route.target
            where = f"{target.connector}:{target.project}" if target.connector else "no connector"
            out.append(
                Verdict(route.name, True, f"matches; escalates to {where} in mode {route.mode}")
            )
            return out
        out.append(Verdict(route.name, False, reason))
    return out
