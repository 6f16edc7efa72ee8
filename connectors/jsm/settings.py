"""Typed settings of a Jira Service Management connector instance (``kind: jsm``).

The credentials, flavours and limits are the Jira connector's (:class:`JiraAccess`): JSM is
an application inside a Jira site and syncd reaches it with the same account."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from connectors.jira.settings import JiraAccess, JiraSettings, Visibility
from syncd.model import TicketStatus

# the statuses of JSM's stock service request workflows, read as canonical statuses;
# a status not named here is read by its category (new, in progress, done)
DEFAULT_STATUSES: dict[str, TicketStatus] = {
    "waiting for support": TicketStatus.OPEN,
    "open": TicketStatus.OPEN,
    "in progress": TicketStatus.OPEN,
    "work in progress": TicketStatus.OPEN,
    "waiting for customer": TicketStatus.PENDING,
    "pending": TicketStatus.ON_HOLD,
    "escalated": TicketStatus.ON_HOLD,
    "resolved": TicketStatus.SOLVED,
    "done": TicketStatus.SOLVED,
    "completed": TicketStatus.SOLVED,
    "closed": TicketStatus.CLOSED,
    "canceled": TicketStatus.CLOSED,
    "cancelled": TicketStatus.CLOSED,
    "declined": TicketStatus.CLOSED,
}

# canonical status -> the JSM status syncd moves a request to (through a transition)
DEFAULT_WRITE_STATUS: dict[TicketStatus, str] = {
    TicketStatus.NEW: "Waiting for support",
    TicketStatus.OPEN: "Waiting for support",
    TicketStatus.PENDING: "Waiting for customer",
    TicketStatus.ON_HOLD: "Pending",
    TicketStatus.SOLVED: "Resolved",
    TicketStatus.CLOSED: "Closed",
}


class JsmSettings(JiraAccess):
    """One Jira site's service projects as a helpdesk."""

    kind: Literal["jsm"] = "jsm"
    # the keys of the service projects whose requests syncd reads (at least one)
    projects: list[str] = Field(min_length=1)
    # extra or overriding JSM status name -> canonical status (a workflow's own statuses)
    status_map: dict[str, TicketStatus] = Field(default_factory=dict)
    # canonical status -> the JSM status written; unset keys use the stock workflow's
    write_status: dict[TicketStatus, str] = Field(default_factory=dict)
    # the resolution set when a transition's screen asks for one (resolving a request)
    resolution: str = "Done"
    # who else reads syncd's internal comments (besides JSM's own internal flag): the
    # project role of the service desk's agents, or a group
    internal_visibility: Visibility = Field(
        default_factory=lambda: Visibility(type="role", value="Service Desk Team")
    )

    @field_validator("projects")
    @classmethod
    def _keys(cls, value: list[str]) -> list[str]:
        for key in value:
            if not key or not key.replace("_", "").isalnum() or not key[0].isalpha():
                raise ValueError(f"{key!r} is not a Jira project key (like HELP)")
        return [k.upper() for k in value]

    def statuses(self) -> dict[str, TicketStatus]:
        """JSM status name (case-folded) -> canonical status."""
        return {**DEFAULT_STATUSES, **{k.casefold(): v for k, v in self.status_map.items()}}

    def write_statuses(self) -> dict[TicketStatus, str]:
        """Canonical status -> the JSM status syncd moves a request to."""
        return {**DEFAULT_WRITE_STATUS, **self.write_status}

    def jira_settings(self) -> JiraSettings:
        """The Jira connector's settings for the same site and account: the service
        projects, internal comments restricted to ``internal_visibility`` and marked
        JSM-internal (``service_management``)."""
        shared = self.model_dump(include=set(JiraAccess.model_fields) - {"kind"})
        return JiraSettings.model_validate(
            {
                **shared,
                "kind": "jira",
                "projects": list(self.projects),
                "internal_visibility": self.internal_visibility.model_dump(),
                "service_management": True,
            }
        )
