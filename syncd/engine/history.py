"""The ticket's conversation, for the developers of its issue. Pure.

Shared once the link is made (``share``, planned by ``plan_linked``) and again when a
developer comments the route's ``history.request_prefix`` (``/history``) on the issue
(``plan_request``). Either way a ``SHARE_HISTORY`` action reads the ticket's comments and
asks whether the issue is public; its record calls :func:`plan_shared`:

- a private target gets the conversation itself, one comment edited in place (marker
  ``ticket-history:<ticket>``), a collapsed ``<details>`` section where the tracker renders
  one (``Capability.COLLAPSIBLE``);
- a public target (or a route with ``history.mode: link``) gets a comment with a signed,
  expiring link to the page syncd serves (``syncd.dashboard.history``), kept in place by the
  same marker and renewed before it expires (``history_job``).

What the conversation holds (:func:`entries`): public replies, the internal notes the route's
``history.internal`` allows (``prefixed``: those starting with ``comment_prefix``, which is
cut), and attachment names. syncd's own internal notes are left out. Redaction is the
outgoing-text gate's, as for any text bound for a tracker; the page redacts as it renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from syncd.connector import Capability
from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.history_link import expiry
from syncd.engine.rules import Rules, ctx, h
from syncd.engine.sla import human
from syncd.engine.supportside import EPOCH
from syncd.model import Comment, Frozen, LinkState
from syncd.route_settings import Route

SHARED = "history_shared"  # the audit event of each share (mode, entries, expiry)
TRANSCRIPT = "ticket_history"  # the templates
LINK = "ticket_history_link"


class Transcript(Frozen):
    """What a ``SHARE_HISTORY`` action read: the ticket's comments, and whether the issue
    they are for may be read by the public."""

    comments: tuple[Comment, ...] = ()
    public: bool = True


def marker(link: LinkView) -> str:
    """The key of the one history comment on the issue."""
    return f"ticket-history:{link.ticket}"


def share(link: LinkView, key: str) -> Action:
    """The read that shares the conversation of ``link``'s ticket (``key`` makes it once)."""
    return Action(
        kind=ActionKind.SHARE_HISTORY,
        key=key,
        lane=str(link.ticket),
        target=link.ticket,
        parent=link.issue,
        link_id=link.id,
        route=link.route,
    )


def at_escalation(link: LinkView, rules: Rules) -> list[Action]:
    """The first share, once the link is made, if the route wants one."""
    route = rules.route(link.route)
    if route is None or route.history.mode == "off" or not route.history.at_escalation:
        return []
    return [share(link, f"history:{link.id}")]


def plan_request(link: LinkView, comment: Comment, rules: Rules) -> Action | None:
    """The share a developer's comment asks for, if it starts with the route's prefix."""
    route = rules.route(link.route)
    if route is None or route.history.mode == "off" or link.state != LinkState.ACTIVE:
        return None
    prefix = route.history.request_prefix
    if not prefix or not comment.body.strip().startswith(prefix):
        return None
    return share(link, f"history:{link.id}:{comment.ref}")


def entries(comments: Sequence[Comment], route: Route) -> list[dict[str, Any]]:
    """The conversation as the developers may read it, oldest first."""
    policy = route.history.internal
    prefix = route.comment_prefix
    out: list[dict[str, Any]] = []
    for c in sorted(comments, key=_when):
        body = c.body.strip()
        if not c.public:
            prefixed = bool(prefix) and body.startswith(prefix)
            if c.by_syncd or c.marker is not None or policy == "none":
                continue
            if policy == "prefixed" and not prefixed:
                continue
            if prefixed:
                body = body[len(prefix) :].strip()
        made = c.created_at or c.updated_at
        out.append(
            {
                "author": c.author or ("syncd" if c.by_syncd else "someone"),
                "when": made.strftime("%Y-%m-%d %H:%M UTC") if made else "",
                "public": c.public,
                "body": body,
                "attachments": list(c.attachments),
            }
        )
    return out


def plan_shared(
    link: LinkView, transcript: Transcript, rules: Rules, now: datetime
) -> tuple[list[Action], dict[str, Any]]:
    """The history comment for what a share read, and the facts of the audit row."""
    route = rules.route(link.route)
    if route is None or route.history.mode == "off":
        return [], {}
    found = entries(transcript.comments, route)
    if route.history.mode == "link" or transcript.public:
        actions, facts = plan_link(link, rules, now)
        return actions, {**facts, "entries": len(found)}
    figures = {
        "entries": found,
        "replies": sum(1 for e in found if e["public"]),
        "notes": sum(1 for e in found if not e["public"]),
        "collapsible": rules.can(link.issue.connector, Capability.COLLAPSIBLE),
        "request_prefix": route.history.request_prefix or "",
    }
    body = rules.templates.render(TRANSCRIPT, route.templates, **ctx(link, route), history=figures)
    action = _upsert(link, body, TRANSCRIPT, public=False)
    return [action], {"mode": "comment", "entries": len(found)}


def plan_link(link: LinkView, rules: Rules, now: datetime) -> tuple[list[Action], dict[str, Any]]:
    """The comment with a fresh signed link to the conversation page, and its facts."""
    route = rules.route(link.route)
    if route is None:
        return [], {}
    ttl = route.history.ttl or rules.history.ttl
    until = expiry(now, ttl)
    figures = {
        "url": rules.signer.url(link.id, until),
        "expires": until.strftime("%Y-%m-%d %H:%M UTC"),
        "ttl": human(ttl),
        "request_prefix": route.history.request_prefix or "",
    }
    body = rules.templates.render(LINK, route.templates, **ctx(link, route), history=figures)
    action = _upsert(link, body, LINK, public=True)
    return [action], {"mode": "link", "expires": until.isoformat()}


def _upsert(link: LinkView, body: str, message: str, *, public: bool) -> Action:
    return Action(
        kind=ActionKind.UPSERT_COMMENT,
        key=f"history-comment:{link.id}:{h(body)}",
        lane=str(link.ticket),
        target=link.issue,
        link_id=link.id,
        route=link.route,  # the gate applies this route's privacy rules
        public=public,
        marker=marker(link),
        body=body,
        message=message,
    )


def _when(c: Comment) -> datetime:
    return c.created_at or c.updated_at or EPOCH
