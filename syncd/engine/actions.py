"""Actions: the writes syncd owes to one side, as values the planner returns and the outbox
stores. Each has an idempotency ``key`` (a repeat of the same key is dropped at the outbox) and
a ``lane`` (the ticket whose escalation it belongs to; a lane runs in order)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from syncd.model import Frozen, Issue, IssueDraft, Priority, Ref, Ticket


class ActionKind(StrEnum):
    CREATE_ISSUE = "create_issue"
    UPDATE_TICKET = "update_ticket"  # status, priority, tags and one comment in one write
    UPDATE_ISSUE = "update_issue"
    ADD_COMMENT = "add_comment"
    EDIT_COMMENT = "edit_comment"
    DELETE_COMMENT = "delete_comment"
    VERIFY_ISSUE = "verify_issue"  # a direct read to confirm that an issue is gone
    RELINK = "relink"  # local only: the issue moved to ``target``
    LINK_ISSUE = "link_issue"  # read ``target`` and link the ticket (``lane``) to it
    SEARCH_DUPLICATES = "search_duplicates"  # read open issues of project ``target``
    UPSERT_COMMENT = "upsert_comment"  # edit the comment carrying ``marker``, or add it
    SET_LINK = "set_link"  # local only: the link's state becomes ``link_state``


class Action(Frozen):
    kind: ActionKind
    key: str
    lane: str
    target: Ref
    parent: Ref | None = None
    link_id: int | None = None
    route: str | None = None
    draft: IssueDraft | None = None
    status: str | None = None
    priority: Priority | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    body: str | None = None
    public: bool = False
    source: Ref | None = None  # the comment this one copies
    message: str | None = None  # the template sent, for the audit and the dashboard
    link_state: str | None = None  # the link's state once this is done
    reason: str | None = None
    strike: int = 0  # VERIFY_ISSUE: how many reads already found the issue gone
    fields: dict[str, str] = {}  # UPDATE_TICKET: custom fields to set
    tier: str | None = None  # CREATE_ISSUE / LINK_ISSUE: the support tier of the escalation
    marker: str | None = None  # UPSERT_COMMENT: the stable key of the comment kept in place
    # text posted where customers may read it: "auto" redacts when the project is public
    redact: Literal["auto", "always"] | None = None
    patterns: tuple[str, ...] = ()  # extra patterns to redact

    def row(self) -> dict[str, Any]:
        """The outbox row form."""
        return {
            "key": self.key,
            "lane": self.lane,
            "kind": self.kind.value,
            **self.model_dump(mode="json", exclude_defaults=True),
        }


@dataclass(frozen=True)
class LinkView:
    """What the planner knows of one link."""

    id: int
    ticket: Ref
    issue: Ref
    route: str
    mode: str
    state: str
    gone_strikes: int = 0
    tier: str | None = None
    ticket_snapshot: Ticket | None = None
    issue_snapshot: Issue | None = None

    @property
    def syncing(self) -> bool:
        return self.state not in ("redirected", "redirecting")
