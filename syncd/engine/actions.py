"""Actions: the writes syncd owes to one side, as values the planner returns and the outbox
stores. Each has an idempotency ``key`` (a repeat of the same key is dropped at the outbox) and
a ``lane`` (the ticket whose escalation it belongs to; a lane runs in order)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import model_validator

from syncd.model import (
    FileRef,
    Frozen,
    Issue,
    IssueDraft,
    LinkState,
    Priority,
    Ref,
    RefKind,
    Ticket,
)


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
    # read the ticket's comments once its link is made: those that came before the link
    # (out of order, or while syncd was down) and were not copied yet are planned then
    CATCH_UP = "catch_up"
    # read the ticket's conversation (``target``) for the developers of issue ``parent``:
    # its record plans the history comment (``engine.history``)
    SHARE_HISTORY = "share_history"
    # attach the files of ``source`` (a comment, or an issue's own files) to ``target``, or
    # link to them where the target has no attachment API (``engine.file_copy``)
    COPY_FILES = "copy_files"


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
    # UPDATE_TICKET: write ``status`` only over one of these, so that a status a person chose
    # meanwhile (before the hand-off went out) is not written over
    status_over: tuple[str, ...] = ()
    priority: Priority | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    body: str | None = None
    public: bool = False
    source: Ref | None = None  # the comment this one copies
    message: str | None = None  # the template sent, for the audit and the dashboard
    link_state: LinkState | None = None  # the link's state once this is done
    reason: str | None = None
    strike: int = 0  # VERIFY_ISSUE: how many reads already found the issue gone
    fields: dict[str, str] = {}  # UPDATE_TICKET / UPDATE_ISSUE: fields to set, by name
    tier: str | None = None  # CREATE_ISSUE / LINK_ISSUE: the support tier of the escalation
    marker: str | None = None  # UPSERT_COMMENT: the stable key of the comment kept in place
    # COPY_FILES: the files to copy (None: read them from ``source``'s comment on ``parent``)
    files: tuple[FileRef, ...] | None = ()

    @model_validator(mode="before")
    @classmethod
    def _older_rows(cls, data: Any) -> Any:
        # rows queued before the outgoing-text gate carried their own privacy flags; the gate
        # decides from the route and the target now
        if isinstance(data, dict) and ("redact" in data or "patterns" in data):
            return {k: v for k, v in data.items() if k not in ("redact", "patterns")}
        return data

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Action:
        """Each kind takes only its own fields (:data:`SHAPES`), with the ones it needs."""
        shape = SHAPES[self.kind]
        given = {
            name
            for name, info in type(self).model_fields.items()
            if getattr(self, name) != info.get_default(call_default_factory=True)
        }
        extra = given - COMMON - shape.allowed - shape.required
        missing = {f for f in shape.required if getattr(self, f) is None}
        if extra or missing:
            raise ValueError(
                f"a {self.kind.value} action "
                + (f"takes no {sorted(extra)}" if extra else "")
                + (" and " if extra and missing else "")
                + (f"needs {sorted(missing)}" if missing else "")
            )
        if shape.target is not None and self.target.kind not in shape.target:
            raise ValueError(
                f"a {self.kind.value} action targets a {'/'.join(shape.target)}, "
                f"not a {self.target.kind.value}"
            )
        return self

    def row(self) -> dict[str, Any]:
        """The outbox row form (``urgency`` orders the row, it is not part of the action)."""
        return {
            "key": self.key,
            "lane": self.lane,
            "kind": self.kind.value,
            **self.model_dump(mode="json", exclude_defaults=True),
            "urgency": urgency(self),
            "coalesce": coalesce_key(self),
        }


PEOPLE, WORK, BOOKKEEPING = 0, 1, 2  # what goes first when a vendor's limit is short


def coalesce_key(a: Action) -> str | None:
    """Bookkeeping writes that a newer one of the same key replaces while it waits: the
    comment kept in place by its marker (an impact summary), the impact label of an issue."""
    if a.kind == ActionKind.UPSERT_COMMENT and a.marker:
        return f"upsert:{a.target}:{a.marker}"
    if a.kind == ActionKind.UPDATE_ISSUE and a.message == "impact_label":
        return f"labels:{a.target}:impact"
    return None


def urgency(a: Action) -> int:
    """Who waits on ``a``: people who read it (a customer's reply, an agent's note, a
    developer's comment, the escalation that the hand-off follows) go before other writes,
    and syncd's own bookkeeping (labels, impact summaries, SLA marks, local state) last."""
    if a.kind in (ActionKind.RELINK, ActionKind.SET_LINK, ActionKind.UPSERT_COMMENT):
        return BOOKKEEPING
    if a.kind in (ActionKind.UPDATE_ISSUE, ActionKind.UPDATE_TICKET) and not (
        a.body or a.status or a.priority
    ):
        return BOOKKEEPING  # labels, tags, fields only
    if a.kind in (
        ActionKind.CREATE_ISSUE,
        ActionKind.SEARCH_DUPLICATES,
        ActionKind.LINK_ISSUE,
        ActionKind.ADD_COMMENT,
        ActionKind.EDIT_COMMENT,
        ActionKind.DELETE_COMMENT,
        ActionKind.COPY_FILES,
    ) or (a.kind == ActionKind.UPDATE_TICKET and a.body):
        return PEOPLE
    return WORK


@dataclass(frozen=True)
class Shape:
    """The fields one kind of action takes besides :data:`COMMON`, and what it targets."""

    required: frozenset[str] = frozenset()
    allowed: frozenset[str] = frozenset()
    target: tuple[RefKind, ...] | None = None


COMMON = frozenset({"kind", "key", "lane", "target", "link_id", "route", "message", "reason"})
_TICKET_OR_ISSUE = (RefKind.TICKET, RefKind.ISSUE)
_FIELDS = "status priority add_tags remove_tags"
SHAPES: dict[ActionKind, Shape] = {
    ActionKind.CREATE_ISSUE: Shape(
        frozenset({"draft", "parent"}), frozenset({"tier"}), (RefKind.PROJECT,)
    ),
    ActionKind.SEARCH_DUPLICATES: Shape(
        frozenset({"draft", "parent"}), frozenset({"tier"}), (RefKind.PROJECT,)
    ),
    ActionKind.LINK_ISSUE: Shape(frozenset({"parent"}), frozenset({"tier"}), (RefKind.ISSUE,)),
    ActionKind.UPDATE_TICKET: Shape(
        allowed=frozenset(f"{_FIELDS} status_over body public fields link_state".split()),
        target=(RefKind.TICKET,),
    ),
    ActionKind.UPDATE_ISSUE: Shape(
        allowed=frozenset(f"{_FIELDS} fields link_state".split()), target=(RefKind.ISSUE,)
    ),
    ActionKind.ADD_COMMENT: Shape(
        frozenset({"body"}), frozenset({"public", "source"}), _TICKET_OR_ISSUE
    ),
    ActionKind.EDIT_COMMENT: Shape(
        frozenset({"body", "parent"}), frozenset({"source"}), (RefKind.COMMENT,)
    ),
    ActionKind.DELETE_COMMENT: Shape(
        frozenset({"parent"}), frozenset({"source"}), (RefKind.COMMENT,)
    ),
    ActionKind.UPSERT_COMMENT: Shape(
        frozenset({"body"}), frozenset({"public", "marker"}), _TICKET_OR_ISSUE
    ),
    ActionKind.VERIFY_ISSUE: Shape(allowed=frozenset({"strike"}), target=(RefKind.ISSUE,)),
    ActionKind.RELINK: Shape(target=(RefKind.ISSUE,)),
    ActionKind.SET_LINK: Shape(frozenset({"link_state"})),
    ActionKind.CATCH_UP: Shape(target=(RefKind.TICKET,)),
    ActionKind.SHARE_HISTORY: Shape(frozenset({"parent"}), target=(RefKind.TICKET,)),
    ActionKind.COPY_FILES: Shape(
        frozenset({"source"}), frozenset({"files", "public", "parent"}), _TICKET_OR_ISSUE
    ),
}


@dataclass(frozen=True)
class LinkView:
    """What the planner knows of one link."""

    id: int
    ticket: Ref
    issue: Ref
    route: str
    mode: str
    state: LinkState
    gone_strikes: int = 0
    tier: str | None = None
    ticket_snapshot: Ticket | None = None
    issue_snapshot: Issue | None = None

    @property
    def syncing(self) -> bool:
        return LinkState(self.state).syncing
