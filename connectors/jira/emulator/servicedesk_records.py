"""What Jira Service Management adds to the emulated Jira's tables: the service project
HELP, its issue types, the stock service request workflow (statuses and transitions, the
customer transitions among them), request types and SLA goals; and the service desk API's
small shapes (``DateDTO``, ``DurationDTO``). Loaded with the emulator, as installing JSM on a
site adds them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .records import ISSUE_TYPES, STATUSES, TRANSITIONS, Json, OpError, StoredIssue

PROJECT, PROJECT_ID, DESK, PORTAL = "HELP", "10002", "1", "1"
SD_PUBLIC = "sd.public.comment"
AGENTS = ("syncd-bot", "alice", "bob")
CUSTOMERS = {"ada": "Ada Lovelace", "grace": "Grace Hopper"}

SERVICE_TYPES = {"10004": "[System] Service request", "10005": "[System] Incident"}
ISSUE_TYPES.update(SERVICE_TYPES)
STATUSES.update(
    {
        "10010": ("Waiting for support", "new"),
        "10011": ("Waiting for customer", "indeterminate"),
        "10012": ("Pending", "indeterminate"),
        "10013": ("Escalated", "indeterminate"),
        "10014": ("Work in progress", "indeterminate"),
        "10015": ("Resolved", "done"),
        "10016": ("Closed", "done"),
        "10017": ("Canceled", "done"),
    }
)
_OPEN = ("10010", "10011", "10012", "10013", "10014")
TRANSITIONS.update(
    {
        "851": ("Respond to customer", "10011", ("10010", "10012", "10013", "10014"), False),
        "861": ("Respond to support", "10010", ("10011",), False),
        "871": ("Pending", "10012", ("10010", "10011", "10013", "10014"), False),
        "881": ("Escalate", "10013", ("10010", "10011", "10012", "10014"), False),
        "891": ("Start work", "10014", ("10010", "10011", "10012", "10013"), False),
        "901": ("Resolve this issue", "10015", _OPEN, False),
        "911": ("Close", "10016", ("10015", *_OPEN), False),
        "921": ("Reopen", "10010", ("10015", "10016"), False),
        "931": ("Cancel request", "10017", _OPEN, False),
        "941": ("Back to support", "10010", ("10012", "10013", "10014"), False),
    }
)
# the transitions customers see (GET /request/{key}/transition), by the name shown to them
CUSTOMER_TRANSITIONS = {
    "861": "Respond to support",
    "901": "Resolve this issue",
    "921": "Reopen request",
    "931": "Cancel request",
}
INITIAL_STATUS = {PROJECT: "10010"}  # a new request waits for support
REQUEST_TYPES: dict[str, Json] = {
    "10": {"name": "Get IT help", "issueTypeId": "10004", "help": "Ask us anything."},
    "11": {"name": "Report a system problem", "issueTypeId": "10005", "help": "What broke?"},
}
# name, goal in ms, statuses that pause it
SLAS = {
    "1": ("Time to first response", 4 * 3_600_000, ("10011", "10012")),
    "2": ("Time to resolution", 24 * 3_600_000, ("10011", "10012")),
}


def issue_type_ids(project: str) -> list[str]:
    """The issue types of a project: the service project's own, or every other one."""
    return [t for t in ISSUE_TYPES if (t in SERVICE_TYPES) == (project == PROJECT)]


def messages(exc: OpError) -> list[str]:
    """What a refused operation says: its messages, then its field errors."""
    body: Json = exc.body
    return [*body["errorMessages"], *body["errors"].values()]


def date(at: datetime) -> Json:
    """A ``DateDTO``."""
    at = at.astimezone(UTC)
    jira = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"
    return {
        "iso8601": at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "jira": jira,
        "friendly": at.strftime("%d/%b/%y %I:%M %p"),
        "epochMillis": int(at.timestamp() * 1000),
    }


def duration(ms: int) -> Json:
    """A ``DurationDTO``."""
    sign, ms_abs = ("-" if ms < 0 else ""), abs(ms)
    return {"millis": ms, "friendly": f"{sign}{ms_abs // 3_600_000}h {ms_abs // 60_000}m"}


@dataclass
class SlaSetting:
    """What a test set on one request's SLA: its goal, when it breaches (its cycle then
    started a goal earlier), whether it is paused. None: as the emulator computes it."""

    goal: timedelta | None = None
    breach_at: datetime | None = None
    paused: bool | None = None


def sla_id(name: str) -> str:
    """The id of the SLA metric called ``name`` (any case); KeyError if there is none."""
    for sid, (known, _, _) in SLAS.items():
        if known.casefold() == name.casefold():
            return sid
    raise KeyError(f"no SLA metric {name!r} (known: {', '.join(n for n, _, _ in SLAS.values())})")


def sla_values(
    issue: StoredIssue,
    now: datetime,
    link: Callable[[str], str],
    settings: dict[str, SlaSetting] | None = None,
) -> list[Json]:
    """A request's ``SlaInformationDTO`` values at ``now`` (``link``: a service desk URL;
    ``settings``: what tests set, by SLA id)."""
    answered = next(
        (
            c["created"]
            for c in issue.comments
            if c["author"] in AGENTS and not (c["properties"].get(SD_PUBLIC) or {}).get("internal")
        ),
        None,
    )
    done = STATUSES[issue.status][1] == "done"
    stops = {"1": answered, "2": issue.updated if done else None}
    given = settings or {}
    return [_sla(issue, sid, stops[sid], now, link, given.get(sid)) for sid in SLAS]


def _sla(
    issue: StoredIssue,
    sid: str,
    stop: datetime | None,
    now: datetime,
    link: Callable[[str], str],
    setting: SlaSetting | None,
) -> Json:
    name, goal, pausing = SLAS[sid]
    setting = setting or SlaSetting()
    if setting.goal is not None:
        goal = int(setting.goal.total_seconds() * 1000)
    start = issue.created
    if setting.breach_at is not None:
        start = setting.breach_at.astimezone(UTC) - timedelta(milliseconds=goal)
    end = stop or now
    elapsed = int((end - start).total_seconds() * 1000)
    cycle: Json = {
        "startTime": date(start),
        "breachTime": date(start + timedelta(milliseconds=goal)),
        "breached": elapsed > goal,
        "goalDuration": duration(goal),
        "elapsedTime": duration(elapsed),
        "remainingTime": duration(goal - elapsed),
    }
    out: Json = {
        "id": sid,
        "name": name,
        "_links": {"self": link(f"request/{issue.id}/sla/{sid}")},
    }
    if stop is not None:
        out["completedCycles"] = [{**cycle, "stopTime": date(stop)}]
    else:
        paused = issue.status in pausing if setting.paused is None else setting.paused
        if paused:
            del cycle["breachTime"]  # JSM cannot tell when a paused cycle will breach
        out["completedCycles"] = []
        out["ongoingCycle"] = {**cycle, "paused": paused, "withinCalendarHours": False}
    return out
