"""What the planner reads: the configuration (``Rules``) and one change in context
(``Situation``), plus the template context every planner module builds the same way."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from syncd.attachment_settings import FilePolicy
from syncd.connector import Capability
from syncd.engine.actions import LinkView
from syncd.engine.calendar import span_for
from syncd.engine.fieldmap import mapped
from syncd.engine.history_link import Signer
from syncd.engine.linking import Reference, requested_issue
from syncd.engine.router import match_route
from syncd.engine.sla import new_clock, readings, sla_context
from syncd.model import Change, Issue, LinkState, Priority, Ref, Ticket
from syncd.settings import Route
from syncd.templates import Templates
from syncd.workflow import Calendar, HistoryPages, Linking, Privacy, Tiers

NO_SLA: dict[str, Any] = {"any": False, "acknowledge": None, "resolve": None}
KEEP_FOLLOWING = tuple(s for s in LinkState if s != LinkState.DETACHED)


@dataclass(frozen=True)
class Rules:
    """The configuration the planner reads: routes, templates, connector capabilities."""

    routes: tuple[Route, ...]
    templates: Templates
    capabilities: Mapping[str, frozenset[Capability]] = field(default_factory=dict)
    tiers: Tiers = field(default_factory=Tiers)
    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    linking: Linking = field(default_factory=Linking)
    kinds: Mapping[str, str] = field(default_factory=dict)  # connector instance -> kind
    # tracker kind -> how agents' pasted references name its issues (the connectors' specs)
    references: Mapping[str, Reference] = field(default_factory=dict)
    privacy: Privacy = field(default_factory=Privacy)  # the root's, under every route's
    history: HistoryPages = field(default_factory=HistoryPages)  # conversation pages
    signer: Signer = field(default_factory=Signer)  # signs the links to those pages
    attachments: FilePolicy = field(default_factory=FilePolicy)  # the root's, under routes'

    def route(self, name: str) -> Route | None:
        return next((r for r in self.routes if r.name == name), None)

    def privacy_of(self, route: str | None) -> Privacy:
        """The privacy rules in force for writes of ``route`` (the root's when it is None)."""
        found = self.route(route) if route else None
        return self.privacy.within(found.privacy) if found else self.privacy

    def files_of(self, route: str | None) -> FilePolicy:
        """The file policy in force for ``route`` (the root's when it has none)."""
        found = self.route(route) if route else None
        return self.attachments.within(found.attachments) if found else self.attachments

    def can(self, connector: str, cap: Capability) -> bool:
        return cap in self.capabilities.get(connector, frozenset())

    def match(self, ticket: Ticket) -> Route | None:
        """The route that takes ``ticket`` (first match wins)."""
        return match_route(ticket, self.routes, self.tiers)

    def requested(self, ticket: Ticket) -> Ref | None:
        """The issue an agent asked to link ``ticket`` to by hand."""
        route = self.match(ticket) or self.route(self.linking.route or "")
        prefer = route.target.connector if route else None
        return requested_issue(
            ticket,
            field=self.linking.field,
            tag_prefix=self.linking.tag_prefix,
            kinds=self.kinds,
            references=self.references,
            prefer=prefer,
        )

    def reads(self, missing: frozenset[str]) -> bool:
        """Whether routing (or a route's field mappings) needs snapshot fields a source left
        out (a webhook without custom fields or group names): then the ticket is read in
        full."""
        uses: set[str] = set()
        for r in self.routes:
            m = r.match
            if m.group or m.tiers:
                uses.add("group")
            if m.organization:
                uses.add("organization")
            if m.fields or m.customer_tier:
                uses.add("fields")
            for f in r.fields:  # mapped ticket fields (tier: read from a field)
                uses.add("fields" if f.ticket_custom or f.ticket == "tier" else f.ticket)
        if self.linking.field or self.tiers.customer_tier_field:
            uses.add("fields")
        return bool(uses & missing)

    def wants(self, ticket: Ticket) -> bool:
        """Whether syncd follows an unlinked ticket: a route takes it or a link is asked for."""
        return self.match(ticket) is not None or self.requested(ticket) is not None


@dataclass(frozen=True)
class Situation:
    """One change, with what the store knew before it."""

    change: Change
    delta: frozenset[str] = frozenset()  # fields that really changed (echoes removed)
    before: Ticket | Issue | None = None
    links: tuple[LinkView, ...] = ()
    # every link of the issue(s) of a linked ticket's change (the impact behind it)
    siblings: tuple[LinkView, ...] = ()
    comment_is_new: bool = True
    comment_copies: tuple[Ref, ...] = ()  # copies syncd made of this comment
    # the inbox row the change came in (0: none); keys of state changes include it, since a
    # vendor's one-second timestamps cannot tell two quick moves to the same state apart
    seq: int = 0


def h(text: str) -> str:
    """A short stable hash, for idempotency keys."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def sla_preview(
    route: Route | None, priority: Priority | None, start: datetime | None, rules: Rules
) -> dict[str, Any]:
    """The SLA deadlines of a route for an escalation at ``start``, for templates."""
    if route is None or route.sla is None or start is None:
        return dict(NO_SLA)
    clock = new_clock(start, route.name) | {"priority": priority.value if priority else None}
    span = span_for(route.sla.calendar, dict(rules.calendars))
    ctx = sla_context(readings(clock, route.sla, span, start))
    ctx["calendar"] = route.sla.calendar or "calendar time"
    return ctx


def ctx(
    link: LinkView | None, route: Route | None, rules: Rules | None = None, **extra: Any
) -> dict[str, Any]:
    """The template context: ticket, issue, route and SLA."""
    ticket = link.ticket_snapshot if link else None
    issue = link.issue_snapshot if link else None
    sla: dict[str, Any] = dict(NO_SLA)
    if rules is not None and route is not None and ticket is not None:
        prio = issue.priority if issue and issue.priority else None
        sla = sla_preview(route, prio, ticket.updated_at, rules)
    tiers = rules.tiers if rules is not None else Tiers()
    return {
        "ticket": ticket.model_dump() if ticket else {"ref": {"key": ""}, "url": ""},
        "issue": issue.model_dump() if issue else {"ref": {"key": ""}, "url": ""},
        "route": route.model_dump() if route else {},
        "sla": sla,
        "tier": link.tier if link else None,
        "fields": mapped(route, ticket, issue, tiers),
        **extra,
    }
