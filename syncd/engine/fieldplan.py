"""The actions mapped fields call for (``routes[].fields``), pure.

- a linked ticket's change writes its mapped values to the issue (:func:`from_ticket`), an
  issue's change writes its values to the ticket (:func:`from_issue`), both through
  :mod:`syncd.engine.fieldmap`;
- a link just made fills the empty fields of either side (:func:`at_link`);
- a value that cannot be written (no such field, a value the field refuses) is dead-lettered
  by the runner with its reason, and the agent is told on the ticket as an internal note
  (:func:`plan_field_refused`); a transform that fails is told the same way. Never silent.
"""

from __future__ import annotations

from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.fieldmap import MESSAGE, Writes, issue_value, to_issue, to_ticket
from syncd.engine.rules import Rules, Situation, ctx, h
from syncd.model import Issue, LinkState, Ticket
from syncd.route_settings import Route

FIELD_KEYS = frozenset({"fields", "organization", "tags", "group"})  # ticket deltas that count
ISSUE_KEYS = frozenset({"fields", "milestone", "labels", "assignee"})
REFUSED = "field_refused"


def _route(link: LinkView, rules: Rules) -> Route | None:
    route = rules.route(link.route)
    if route is None or not route.fields or not route.sync or route.target.connector is None:
        return None
    if not link.syncing or link.state == LinkState.REDIRECTED:
        return None
    return route


def _stamp(s: Situation, record: Ticket | Issue) -> str:
    at = record.updated_at.isoformat() if record.updated_at else h(str(record))
    return f"{at}#{s.seq}"


def from_ticket(s: Situation, ticket: Ticket, rules: Rules) -> list[Action]:
    """Issue writes for a linked ticket's change of a mapped field."""
    if not FIELD_KEYS & s.delta:
        return []
    out: list[Action] = []
    for link in s.links:
        route = _route(link, rules)
        if route is not None:
            w = to_issue(route, ticket, link.issue_snapshot, rules.tiers)
            out += _issue_write(link, route, w, _stamp(s, ticket)) + _failed(link, route, w, rules)
    return out


def from_issue(s: Situation, issue: Issue, rules: Rules) -> list[Action]:
    """Ticket writes for an issue's change of a mapped field, for each of its tickets."""
    if not ISSUE_KEYS & s.delta:
        return []
    out: list[Action] = []
    for link in s.links:
        route = _route(link, rules)
        if route is not None:
            w = to_ticket(route, issue, link.ticket_snapshot, rules.tiers)
            out += _ticket_write(link, w, _stamp(s, issue)) + _failed(link, route, w, rules)
    return out


def at_link(link: LinkView, rules: Rules) -> list[Action]:
    """A link just made: each side's values fill the other's empty mapped fields."""
    route = _route(link, rules)
    if route is None:
        return []
    out: list[Action] = []
    if link.ticket_snapshot is not None:
        w = to_issue(route, link.ticket_snapshot, link.issue_snapshot, rules.tiers, fill=True)
        out += _issue_write(link, route, w, "linked") + _failed(link, route, w, rules)
    if link.issue_snapshot is not None:
        w = to_ticket(route, link.issue_snapshot, link.ticket_snapshot, rules.tiers, fill=True)
        out += _ticket_write(link, w, "linked") + _failed(link, route, w, rules)
        out += _unread(link, route, link.issue_snapshot, rules)
    return out


def _unread(link: LinkView, route: Route, issue: Issue, rules: Rules) -> list[Action]:
    """Mapped issue fields the tracker did not read (it has no such field): told once, when
    the link is made, since no write will ever fail for them."""
    return [
        _note(
            link,
            route,
            rules,
            f"field-unread:{link.id}:{h(m.issue)}",
            reason=f"the tracker read no field named {m.issue!r} (it has none by that name)",
            fields="",
            where="",
        )
        for m in route.fields
        if m.crosses("to_ticket") and issue_value(issue, m) is None
    ]


def _issue_write(link: LinkView, route: Route, w: Writes, stamp: str) -> list[Action]:
    return _write(link, w, stamp, "to-issue", route=route.name)


def _ticket_write(link: LinkView, w: Writes, stamp: str) -> list[Action]:
    return _write(link, w, stamp, "to-ticket")


def _write(
    link: LinkView, w: Writes, stamp: str, way: str, route: str | None = None
) -> list[Action]:
    """One write of the values owed to a side (``to-issue`` carries its route, for the
    outgoing-text gate)."""
    if not w:
        return []
    to_issue = way == "to-issue"
    return [
        Action(
            kind=ActionKind.UPDATE_ISSUE if to_issue else ActionKind.UPDATE_TICKET,
            key=f"fields:{link.id}:{way}:{h(';'.join(w.what))}:{stamp}",
            lane=str(link.ticket),
            target=link.issue if to_issue else link.ticket,
            link_id=link.id,
            route=route,
            fields=w.fields,
            add_tags=tuple(w.add),
            remove_tags=tuple(w.remove),
            message=MESSAGE,
        )
    ]


def _note(link: LinkView, route: Route | None, rules: Rules, key: str, **change: str) -> Action:
    c = ctx(link, route, rules, reason=change.pop("reason"), change=change)
    return Action(
        kind=ActionKind.UPDATE_TICKET,
        key=key,
        lane=str(link.ticket),
        target=link.ticket,
        link_id=link.id,
        public=False,
        message=REFUSED,
        body=rules.templates.render(REFUSED, route.templates if route else None, **c),
    )


def _failed(link: LinkView, route: Route, w: Writes, rules: Rules) -> list[Action]:
    return [
        _note(
            link,
            route,
            rules,
            f"field-failed:{link.id}:{h(reason)}",
            reason=reason,
            fields="",
            where="",
        )
        for reason in w.failed
    ]


def plan_field_refused(link: LinkView, failed: Action, reason: str, rules: Rules) -> list[Action]:
    """A mapped field's write was refused for good (dead-lettered): tell the agent."""
    if failed.message != MESSAGE or failed.kind not in (
        ActionKind.UPDATE_ISSUE,
        ActionKind.UPDATE_TICKET,
    ):
        return []
    where = "issue" if failed.kind == ActionKind.UPDATE_ISSUE else "ticket"
    written = [*(f"{k} = {v!r}" for k, v in failed.fields.items()), *failed.add_tags]
    route = rules.route(link.route)
    key = f"refused:{failed.key}"
    return [_note(link, route, rules, key, reason=reason, fields=", ".join(written), where=where)]
