"""Which files cross between a ticket and its issue, pure.

- Support to developers: the files of a customer's public reply (the ticket's first message
  included) go to the issue; the files of an internal note go only with the note itself (the
  route's ``comment_prefix``), restricted as the note is. Files whose comment came from a
  webhook that named none (``Comment.files is None``) are read by the action itself.
- Developers to support: files attached to the issue (not to a comment) reach each ticket
  that follows it as an internal note for the agent; files syncd attached itself never
  come back.
- A refused file (size, type, a public project) is named in an internal note on the ticket
  (:func:`refused_note`), planned once the action has looked at it.

What happens to the bytes is :mod:`syncd.engine.file_copy`'s; what may cross, the route's
``attachments`` (:class:`~syncd.attachment_settings.FilePolicy`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.rules import Rules, ctx, h
from syncd.model import Comment, Issue, LinkState, Ref

COPIED = "files_copied"  # the audit event (and action message) of files carried
REFUSED = "files_refused"  # the template and audit event of the agent's note


def from_ticket_comment(
    link: LinkView, comment: Comment, rules: Rules, *, note_copied: bool
) -> list[Action]:
    """The copy of a ticket comment's files to the issue (``note_copied``: the comment is an
    internal note that crosses to the issue)."""
    if comment.files == () or comment.by_syncd or comment.marker is not None:
        return []
    if not comment.public and not note_copied:
        return []  # an internal note's files go only where the note goes
    if link.state != LinkState.ACTIVE or not rules.files_of(link.route).enabled:
        return []
    return [
        Action(
            kind=ActionKind.COPY_FILES,
            key=f"files:{comment.ref}:{link.issue}",
            lane=str(link.ticket),
            target=link.issue,
            link_id=link.id,
            route=link.route,
            source=comment.ref,
            parent=link.ticket,
            files=comment.files,
            public=comment.public,
            message=COPIED,
        )
    ]


def from_issue(
    links: Sequence[LinkView], before: Issue, issue: Issue, rules: Rules
) -> list[Action]:
    """The copies of files newly attached to ``issue`` to each ticket that follows it."""
    if "files" not in before.model_fields_set:
        return []  # a snapshot kept before files were read: every file would look new
    known = {f.id for f in before.files}
    new = tuple(f for f in issue.files if f.id not in known and not f.by_syncd)
    if not new:
        return []
    ids = h(",".join(sorted(f.id for f in new)))
    return [
        Action(
            kind=ActionKind.COPY_FILES,
            key=f"files:{issue.ref}:{ids}:{link.ticket}",
            lane=str(link.ticket),
            target=link.ticket,
            link_id=link.id,
            route=link.route,
            source=issue.ref,
            files=new,
            public=False,  # for the agent, as the developers' comments are
            message=COPIED,
        )
        for link in links
        if link.state == LinkState.ACTIVE and rules.files_of(link.route).enabled
    ]


def refused_note(
    link: LinkView, ticket: Ref, refused: Sequence[dict[str, Any]], rules: Rules, after: str
) -> list[Action]:
    """The agent's note naming the files that did not cross (``refused``: name, reason,
    and whether they came from the ticket or went to it)."""
    if not refused:
        return []
    route = rules.route(link.route)
    overrides = route.templates if route else None
    body = rules.templates.render(REFUSED, overrides, **ctx(link, route, files=list(refused)))
    return [
        Action(
            kind=ActionKind.ADD_COMMENT,
            key=f"files-refused:{after}",
            lane=str(ticket),
            target=ticket,
            link_id=link.id,
            public=False,
            body=body,
            message=REFUSED,
        )
    ]
