"""Pure conversions between Jira Service Management's JSON and canonical values.

A customer request is a Jira issue of a service project: its snapshot is read from the
issue's fields (REST v2/v3, search results and webhooks alike, so every source gives the
same ticket), its comments are Jira comments whose customer visibility JSM keeps in the
``sd.public.comment`` property (:func:`connectors.jira.mapping.is_public`). What only the
service desk API says (SLA cycles, customer transitions, participants) is read here from
its ``/rest/servicedeskapi`` shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connectors.jira import mapping as jira
from connectors.jira.statuses import category_key
from syncd.connector_sla import HelpdeskSla
from syncd.model import IssueStatus, Priority, Ref, Ticket, TicketStatus

Raw = Mapping[str, Any]

# what a snapshot read from the issue alone (a search, a webhook) does not carry
NOT_IN_ISSUE = frozenset({"group"})
# the issue fields a ticket is read from
TICKET_FIELDS = [
    "summary",
    "description",
    "status",
    "priority",
    "labels",
    "reporter",
    "created",
    "updated",
    "project",
]
# the status category a canonical status lives in, when no transition names its status
_CATEGORY = {
    TicketStatus.NEW: IssueStatus.TODO,
    TicketStatus.OPEN: IssueStatus.TODO,
    TicketStatus.PENDING: IssueStatus.IN_PROGRESS,
    TicketStatus.ON_HOLD: IssueStatus.IN_PROGRESS,
    TicketStatus.SOLVED: IssueStatus.DONE,
    TicketStatus.CLOSED: IssueStatus.DONE,
}


# a status no name maps, by its category (a category syncd does not know: new)
_BY_CATEGORY = {"done": TicketStatus.SOLVED, "indeterminate": TicketStatus.OPEN}


def status_of(status: Raw | None, names: Mapping[str, TicketStatus]) -> TicketStatus:
    """A JSM status (``{"name", "statusCategory"}``) as a canonical ticket status: by its
    name where ``names`` knows it, else by its category."""
    status = status or {}
    name = str(status.get("name") or "").casefold()
    if name in names:
        return names[name]
    return _BY_CATEGORY.get(category_key(status), TicketStatus.NEW)


def category_of(target: TicketStatus) -> IssueStatus:
    """The issue status whose category holds ``target`` (for picking a transition)."""
    return _CATEGORY[target]


def ticket_from_raw(
    connector: str,
    raw: Raw,
    *,
    base_url: str,
    statuses: Mapping[str, TicketStatus],
    priorities: Mapping[Priority, str],
    request_type: str | None = None,
) -> Ticket:
    """A request's issue (REST v2/v3, a search result or a webhook) as a canonical Ticket;
    its group is the request type, which only the service desk API names."""
    fields = jira.unwrap_fields(raw.get("fields") or {})
    key = str(raw["key"])
    reporter = fields.get("reporter") or None
    return Ticket(
        ref=Ref.ticket(connector, key),
        subject=str(fields.get("summary") or ""),
        description=jira.body_to_markdown(fields.get("description")),
        status=status_of(fields.get("status"), statuses),
        priority=jira.priority_of((fields.get("priority") or {}).get("name"), priorities),
        tags=frozenset(fields.get("labels") or ()),
        group=request_type,
        requester=(reporter.get("displayName") or jira.user_name(reporter)) if reporter else None,
        url=f"{base_url.rstrip('/')}/browse/{key}",
        created_at=jira.parse_time(fields.get("created")),
        updated_at=jira.parse_time(fields.get("updated")),
    )


def project_of(key: str) -> str:
    """The project of an issue key (``HELP-12``: ``HELP``)."""
    return key.rpartition("-")[0].upper()


def pick_transition(
    transitions: Iterable[Raw], target: TicketStatus, status_name: str
) -> Raw | None:
    """The workflow transition (``GET issue/{key}/transitions``) that ends in the status
    named ``status_name``, else one that ends in ``target``'s category."""
    return jira.pick_transition(transitions, category_of(target), status_name)


def date_of(value: Raw | None) -> datetime | None:
    """A service desk ``DateDTO`` (``iso8601``, ``jira``, ``epochMillis``) as a datetime."""
    if not value:
        return None
    if value.get("epochMillis") is not None:
        return jira.parse_time(int(value["epochMillis"]))
    return jira.parse_time(value.get("jira") or value.get("iso8601"))


def _millis(value: Raw | None) -> int | None:
    return int(value["millis"]) if value and value.get("millis") is not None else None


@dataclass(frozen=True)
class SlaCycle:
    """One cycle of a JSM SLA: when it started, its goal and where it stands (ms)."""

    start: datetime | None
    goal_ms: int | None
    elapsed_ms: int | None
    remaining_ms: int | None
    breached: bool
    breach_at: datetime | None = None
    stop: datetime | None = None  # completed cycles only
    paused: bool = False


@dataclass(frozen=True)
class Sla:
    """A JSM SLA metric of one request (``Time to first response``, ...)."""

    id: str
    name: str
    ongoing: SlaCycle | None
    completed: tuple[SlaCycle, ...] = ()

    @property
    def breached(self) -> bool:
        """Whether the running cycle or any completed one missed its goal."""
        cycles = [*self.completed, *([self.ongoing] if self.ongoing else [])]
        return any(c.breached for c in cycles)

    @property
    def met(self) -> bool:
        """Whether it stopped within its goal (no cycle running, none breached)."""
        return self.ongoing is None and bool(self.completed) and not self.breached


def _cycle(raw: Raw, *, ongoing: bool) -> SlaCycle:
    return SlaCycle(
        start=date_of(raw.get("startTime")),
        goal_ms=_millis(raw.get("goalDuration")),
        elapsed_ms=_millis(raw.get("elapsedTime")),
        remaining_ms=_millis(raw.get("remainingTime")),
        breached=bool(raw.get("breached")),
        breach_at=date_of(raw.get("breachTime")),
        stop=None if ongoing else date_of(raw.get("stopTime")),
        paused=bool(raw.get("paused")) if ongoing else False,
    )


def sla_from_raw(raw: Raw) -> Sla:
    """One ``SlaInformationDTO`` (``GET /request/{key}/sla``) as an :class:`Sla`."""
    link = str((raw.get("_links") or {}).get("self") or "")
    ongoing = raw.get("ongoingCycle")
    return Sla(
        id=str(raw.get("id") or link.rstrip("/").rsplit("/", 1)[-1]),
        name=str(raw.get("name") or ""),
        ongoing=_cycle(ongoing, ongoing=True) if ongoing else None,
        completed=tuple(_cycle(c, ongoing=False) for c in raw.get("completedCycles") or ()),
    )


def _ms(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(milliseconds=value)


def neutral_sla(sla: Sla, now: datetime) -> HelpdeskSla | None:
    """An SLA metric as the core's :class:`HelpdeskSla`, read at ``now``: its running cycle,
    else its last completed one; None when no cycle has started (the SLA does not apply).
    A running cycle that names no breach time (JSM leaves it out while paused) breaches,
    unless paused, when its remaining time runs out, to the minute."""
    if sla.ongoing is not None:
        c = sla.ongoing
        breach_at = c.breach_at
        if breach_at is None and not c.paused and c.remaining_ms is not None:
            breach_at = (now + timedelta(milliseconds=c.remaining_ms)).replace(
                second=0, microsecond=0
            )
        return HelpdeskSla(
            name=sla.name,
            goal=_ms(c.goal_ms),
            breach_at=None if c.paused else breach_at,
            breached=c.breached or (c.remaining_ms is not None and c.remaining_ms < 0),
            paused=c.paused,
            remaining=_ms(c.remaining_ms) if c.paused else None,
        )
    if not sla.completed:
        return None
    last = sla.completed[-1]
    return HelpdeskSla(
        name=sla.name,
        goal=_ms(last.goal_ms),
        breach_at=last.breach_at,
        breached=last.breached,
        completed=True,
    )


def participant_name(user: Raw) -> str:
    """A participant's display name (never an e-mail address)."""
    return str(user.get("displayName") or jira.user_name(user))
