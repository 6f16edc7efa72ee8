"""Routes: which tickets escalate, where to, and who leads each synced field afterwards.

A route's ``ownership`` says, per field (``status``, ``priority``, a mapped field's name),
which side leads once a ticket is escalated: ``support``, ``dev``, or ``both`` (the later
change wins, by the vendors' own timestamps; the default of a mapped field).
``support_changes`` says what support's later moves do to the issue: a ticket solved,
reopened or escalated again, and an impact that grows past a threshold. ``fields`` maps
ticket fields to issue fields (:mod:`syncd.field_settings`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from syncd.attachment_settings import FilePolicy
from syncd.field_settings import FieldMap, named_twice
from syncd.model import Priority
from syncd.workflow import (
    DevPriority,
    Duplicates,
    HistoryShare,
    Privacy,
    SlaPolicy,
    Strict,
    parse_duration,
)

Mode = Literal["pending", "redirect"]
Lead = Literal["support", "dev", "both"]


class Match(Strict):
    """Which tickets a route takes; every given condition must hold."""

    tags: list[str] = Field(default_factory=list)  # all of these
    any_tags: list[str] = Field(default_factory=list)  # at least one of these
    not_tags: list[str] = Field(default_factory=list)
    group: list[str] = Field(default_factory=list)  # helpdesk group or queue
    organization: list[str] = Field(default_factory=list)
    priority: list[Priority] = Field(default_factory=list)
    fields: dict[str, str | list[str]] = Field(default_factory=dict)  # value or one of
    tiers: list[str] = Field(default_factory=list)  # support tiers accepted (empty: any)
    customer_tier: list[str] = Field(default_factory=list)  # via tiers.customer_tier_field


class Target(Strict):
    # None: a third party with no connector; the route must redirect to ``redirect_to``
    connector: str | None
    project: str = ""
    labels: list[str] = Field(default_factory=list)
    issue_type: str | None = None
    components: list[str] = Field(default_factory=list)
    assignee: str | None = None
    team: str | None = None  # added as the label ``team:<name>``


class ImpactRule(Strict):
    """Raise the issue's priority once its tickets reach ``tickets`` or one of them comes
    from a customer of ``customer_tier`` (or a higher one); both given: either will do."""

    priority: Priority
    tickets: int | None = Field(default=None, ge=2)
    customer_tier: str | None = None

    @model_validator(mode="after")
    def _has_threshold(self) -> ImpactRule:
        if self.tickets is None and self.customer_tier is None:
            raise ValueError("give tickets, customer_tier or both")
        return self


class SupportChanges(Strict):
    """What support's moves on a linked ticket do to its issue."""

    # every ticket of the issue solved by support: a note on the issue, or close it too
    on_all_solved: Literal["note", "close"] = "note"
    # a solved ticket reopened (by the customer) or escalated again after its issue was
    # closed: reopen that issue, file a new one, or only tell the issue and the agent
    on_reopen: Literal["reopen", "new_issue", "note"] = "reopen"
    # the issue's priority rises as its impact grows (only where support may set priority)
    raise_priority: list[ImpactRule] = Field(default_factory=list)


class HandOff(Strict):
    """The agent keeps talking to the customer until a developer has: how developers write
    to the customer through the ticket, and when the agent is reminded nobody has."""

    # a developer comment starting with this reaches the customer as a public reply (null:
    # developers never write to the customer through syncd)
    customer_prefix: str | None = "/customer"
    display_name: str | None = None  # who the reply is from; null: the developer's name
    # no developer contact this long after escalation: an internal note to the agent (once)
    remind_after: timedelta | None = None

    @field_validator("remind_after", mode="before")
    @classmethod
    def _duration(cls, v: object) -> timedelta | None:
        return None if v is None else parse_duration(v)


def _ownership() -> dict[str, Lead]:
    return {"status": "dev", "priority": "support"}


class Route(Strict):
    """An admin rule: which tickets escalate, where to, and how."""

    name: str
    helpdesk: str | None = None  # helpdesk instance; None: any
    match: Match = Field(default_factory=Match)
    target: Target
    mode: Mode = "pending"
    sync: bool = True  # false: existing links stop syncing and switch to redirect
    priority_map: dict[Priority, Priority] = Field(default_factory=dict)
    dev_priority: DevPriority = Field(default_factory=DevPriority)
    # which side leads a synced field (status, priority); a value that loses goes to the audit
    ownership: dict[str, Lead] = Field(default_factory=_ownership)
    support_changes: SupportChanges = Field(default_factory=SupportChanges)
    handoff: HandOff = Field(default_factory=HandOff)
    comment_prefix: str = "/dev"
    copy_public_replies: bool = False
    notify_progress: bool = False  # tell the customer when work starts or a milestone is set
    # an internal note beside the resolved message when the issue is done: a second update
    # of each ticket (one comment an update), so a fan-out costs twice the requests
    resolved_note: bool = False
    templates: dict[str, str] = Field(default_factory=dict)
    redirect_to: str | None = None  # where to follow the work when there is no issue URL
    sla: SlaPolicy | None = None
    duplicates: Duplicates = Field(default_factory=Duplicates)
    privacy: Privacy = Field(default_factory=Privacy)
    history: HistoryShare = Field(default_factory=HistoryShare)  # the ticket's conversation
    # files both ways; the keys given here override the root's ``attachments``
    attachments: FilePolicy = Field(default_factory=FilePolicy)
    fields: list[FieldMap] = Field(default_factory=list)  # ticket fields <-> issue fields

    @model_validator(mode="after")
    def _fields_named_once(self) -> Route:
        if twice := named_twice(self.fields):
            raise ValueError(f"fields: mappings named twice: {', '.join(twice)} (give name:)")
        return self

    @model_validator(mode="after")
    def _dev_may_set_priority(self) -> Route:
        # a route that lets the developers' priority reach the ticket gives them the field,
        # unless the admin wrote the ownership out
        if self.dev_priority.set_ticket_priority and "ownership" not in self.model_fields_set:
            self.ownership = {**self.ownership, "priority": "dev"}
        return self
