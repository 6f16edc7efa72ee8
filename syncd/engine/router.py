"""Route matching: which route, if any, takes a ticket. First match wins."""

from __future__ import annotations

from collections.abc import Sequence

from syncd.model import Ticket
from syncd.settings import Route


def why_not(ticket: Ticket, route: Route) -> str | None:
    """``None`` when ``route`` takes ``ticket``, else the first reason it does not."""
    m = route.match
    if route.helpdesk and route.helpdesk != ticket.ref.connector:
        return f"route is for helpdesk {route.helpdesk!r}"
    missing = [t for t in m.tags if t not in ticket.tags]
    if missing:
        return f"missing tags {missing}"
    if m.any_tags and not set(m.any_tags) & ticket.tags:
        return f"none of the tags {m.any_tags}"
    excluded = [t for t in m.not_tags if t in ticket.tags]
    if excluded:
        return f"has excluded tags {excluded}"
    if m.group and (ticket.group or "") not in m.group:
        return f"group {ticket.group!r} not in {m.group}"
    for name, value in m.fields.items():
        if ticket.fields.get(name) != value:
            return f"field {name}={ticket.fields.get(name)!r}, wants {value!r}"
    return None


def match_route(ticket: Ticket, routes: Sequence[Route]) -> Route | None:
    """The first route that takes ``ticket``."""
    return next((r for r in routes if why_not(ticket, r) is None), None)
