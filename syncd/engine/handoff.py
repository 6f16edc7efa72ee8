"""The hand-off completes: developers write to the customer through the ticket, pure.

A developer comment that starts with the route's ``handoff.customer_prefix`` (``/customer``)
reaches the customer as a public reply, by the route's display name and the ``dev_to_customer``
template; the outgoing-text gate redacts it like any text the public reads. The first such
reply is the link's *first developer contact*; until it happens, a route with
``handoff.remind_after`` reminds the agent once, with an internal note, to keep the customer
informed.
"""

from __future__ import annotations

from datetime import datetime

from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.rules import Rules, ctx
from syncd.engine.sla import human
from syncd.model import Comment, LinkState

TO_CUSTOMER = "dev_to_customer"
FIRST_CONTACT = "first_developer_contact"
REMINDED = "contact_reminder"


def to_customer(link: LinkView, comment: Comment, rules: Rules) -> Action | None:
    """The public reply a developer's comment asks for, if it starts with the prefix."""
    route = rules.route(link.route)
    if route is None or link.state != LinkState.ACTIVE:
        return None
    prefix = route.handoff.customer_prefix
    text = comment.body.strip()
    if not prefix or not text.startswith(prefix):
        return None
    body = text[len(prefix) :].strip()
    if not body:
        return None
    sender = route.handoff.display_name or f"{comment.author or 'The developers'} (engineering)"
    c = ctx(link, route, None, comment=comment.model_dump(), body=body, sender=sender)
    return Action(
        kind=ActionKind.ADD_COMMENT,
        key=f"to-customer:{comment.ref}:{link.ticket}",
        lane=str(link.ticket),
        target=link.ticket,
        link_id=link.id,
        route=route.name,  # the gate applies this route's privacy rules to the reply
        public=True,
        source=comment.ref,
        message=TO_CUSTOMER,
        body=rules.templates.render(TO_CUSTOMER, route.templates, **c),
    )


def plan_reminder(link: LinkView, rules: Rules, now: datetime, created: datetime) -> list[Action]:
    """The agent's reminder, once, when no developer wrote to the customer in time."""
    route = rules.route(link.route)
    if route is None or route.handoff.remind_after is None or link.state != LinkState.ACTIVE:
        return []
    if now - created < route.handoff.remind_after:
        return []
    c = ctx(link, route, rules, limit=human(route.handoff.remind_after))
    return [
        Action(
            kind=ActionKind.ADD_COMMENT,
            key=f"{REMINDED}:{link.id}",
            lane=str(link.ticket),
            target=link.ticket,
            link_id=link.id,
            public=False,
            message=REMINDED,
            body=rules.templates.render(REMINDED, route.templates, **c),
        )
    ]
