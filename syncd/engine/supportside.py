"""Support-side comments, pure: which of a ticket's comments cross to its issue, as a change
comes in (``ticket_comment``) or caught up once the link is made (``plan_catch_up``).

Customers' public replies cross when the route says ``copy_public_replies``; internal notes
cross when they start with the route's ``comment_prefix`` (``/dev``), without it. A comment
syncd wrote never crosses back. A comment's files follow their own rule
(:mod:`syncd.engine.files`): a customer's files cross, an internal note's only with the note.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from syncd.connector import Capability
from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.files import from_ticket_comment
from syncd.engine.rules import Rules, Situation, ctx, h
from syncd.model import Change, ChangeKind, Comment, LinkState

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ticket_comment(s: Situation, comment: Comment, rules: Rules) -> list[Action]:
    """The copy (or the edit of the copy) a support-side comment calls for, if any."""
    if not s.links:
        return []
    link = s.links[0]
    route = rules.route(link.route)
    if route is None or link.state != LinkState.ACTIVE:
        return []
    prefix = route.comment_prefix
    text = comment.body.strip()
    note_copied = not comment.public and bool(prefix) and text.startswith(prefix)
    files = (
        from_ticket_comment(link, comment, rules, note_copied=note_copied)
        if s.comment_is_new
        else []
    )
    if _first_message(comment, link):
        return files  # the issue's description already says it; its files are not there
    if comment.public:
        if not route.copy_public_replies:
            return files
    elif not note_copied:
        return []
    body = text[len(prefix) :].strip() if (not comment.public and prefix) else text
    cx = ctx(link, route, None, comment=comment.model_dump(), body=body)
    tracker = link.issue.connector
    rendered = rules.templates.render("support_comment", route.templates, **cx)
    # the route names the privacy rules the outgoing-text gate applies on the way out
    if s.comment_is_new:
        return [
            Action(
                kind=ActionKind.ADD_COMMENT,
                key=f"copy:{comment.ref}:{link.issue}",
                lane=str(link.ticket),
                target=link.issue,
                link_id=link.id,
                public=comment.public,  # an internal note stays restricted on the tracker
                source=comment.ref,
                route=route.name,
                body=rendered,
                message="support_comment",
            ),
            *files,
        ]
    copies = [c for c in s.comment_copies if c.connector == tracker]
    if copies and rules.can(tracker, Capability.COMMENT_EDIT):
        return [
            Action(
                kind=ActionKind.EDIT_COMMENT,
                key=f"edit:{c}:{h(rendered)}",
                lane=str(link.ticket),
                target=c,
                parent=link.issue,
                link_id=link.id,
                route=route.name,
                body=rendered,
                source=comment.ref,
            )
            for c in copies
        ]
    return []


def plan_catch_up(
    link: LinkView,
    comments: Sequence[Comment],
    rules: Rules,
    *,
    since: datetime,
    copied: Collection[str],
) -> tuple[list[Action], list[Comment]]:
    """The copies owed for a ticket's comments read once its link was made: those made since
    ``since`` that a change would have copied but that no change brought while the link
    existed (``copied`` are the refs of comments already seen with a link). The ticket's
    own first message is in the issue's description, never copied. Returns the actions and
    the comments they were planned for."""
    first = min(comments, key=_when, default=None) if link.ticket_snapshot is None else None
    out: list[Action] = []
    taken: list[Comment] = []
    for comment in comments:
        if comment.by_syncd or comment.marker is not None:
            continue
        if str(comment.ref) in copied or _when(comment) < since:
            continue
        if comment is first:  # in the issue's description; its files are not
            planned = from_ticket_comment(link, comment, rules, note_copied=False)
        else:
            change = Change(kind=ChangeKind.COMMENT, ref=link.ticket, comment=comment)
            planned = ticket_comment(Situation(change=change, links=(link,)), comment, rules)
        if planned:
            out += planned
            taken.append(comment)
    return out, taken


def _first_message(comment: Comment, link: LinkView) -> bool:
    """Whether ``comment`` is the ticket's own first message (its description)."""
    ticket = link.ticket_snapshot
    if ticket is None or not ticket.description.strip():
        return False
    if comment.body.strip() != ticket.description.strip():
        return False
    made, opened = comment.created_at, ticket.created_at
    return made is None or opened is None or abs((made - opened).total_seconds()) <= 60


def _when(comment: Comment) -> datetime:
    return comment.created_at or comment.updated_at or EPOCH
