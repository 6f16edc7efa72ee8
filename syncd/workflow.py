"""Settings of the support workflows: tiers, SLAs and their calendars, manual linking,
duplicate search, dev-side priority and privacy. ``syncd.settings`` puts them together."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from syncd.model import IssueStatus, Priority

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)d)?\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+)m)?\s*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def parse_duration(value: object) -> timedelta:
    """``"4h"``, ``"1d 4h"``, ``"90m"`` or a number of hours -> timedelta (``d`` = 24 h; on a
    business calendar the SLA code counts a day as one working day)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        return timedelta(hours=float(value))
    m = _DURATION.match(str(value))
    if not m or not any(m.groups()):
        raise ValueError(f"not a duration: {value!r} (say e.g. 4h, 2d, 1d 4h, 90m)")
    days, hours, minutes = (float(g) if g else 0.0 for g in m.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


class Calendar(Strict):
    """Business hours: working days, one daily window, holidays, in a time zone."""

    timezone: str = "UTC"
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]))
    start: str = "09:00"
    end: str = "17:00"
    holidays: list[date] = Field(default_factory=list)

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", v):
            raise ValueError(f"not a time of day: {v!r} (HH:MM)")
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(v)
        except Exception:
            raise ValueError(f"unknown time zone {v!r}") from None
        return v


class SlaTimes(Strict):
    """Time to acknowledge (issue assigned or in progress) and time to resolve."""

    acknowledge: timedelta | None = None
    resolve: timedelta | None = None

    @field_validator("acknowledge", "resolve", mode="before")
    @classmethod
    def _duration(cls, v: object) -> timedelta | None:
        return None if v is None else parse_duration(v)


class SlaPolicy(Strict):
    """The SLA a route's dev team agreed to, per priority of the issue."""

    calendar: str | None = None  # a name from `calendars`; None: calendar time
    at_risk: float = Field(default=0.8, gt=0, lt=1)  # share of the time that raises at-risk
    by_priority: dict[Priority, SlaTimes] = Field(default_factory=dict)
    default: SlaTimes | None = None  # for issues without a priority or one not listed
    # the clock stops while the issue waits on support
    pause_labels: list[str] = Field(default_factory=lambda: ["waiting-for-support"])
    pause_statuses: list[IssueStatus] = Field(default_factory=list)
    # the helpdesk's own SLAs of the linked tickets (by name, any case) the clock follows:
    # one that breaches before the dev team's time to resolve, or is at risk, makes the
    # clock at risk / breached. Read at each check from helpdesks that keep SLAs (one read
    # per linked ticket); none by default
    helpdesk_sla: list[str] = Field(default_factory=list)

    @field_validator("helpdesk_sla")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        if any(not name.strip() for name in v):
            raise ValueError("a helpdesk SLA's name must not be blank")
        return [name.strip() for name in v]

    def times(self, priority: Priority | None) -> SlaTimes | None:
        """The times in force for an issue of ``priority``."""
        if priority is not None and priority in self.by_priority:
            return self.by_priority[priority]
        return self.default


class Tiers(Strict):
    """Support tiers: helpdesk group or queue -> tier (L1, L2, ...)."""

    groups: dict[str, str] = Field(default_factory=dict)
    default: str | None = None  # the tier of a ticket whose group is not listed
    customer_tier_field: str | None = None  # ticket field holding the customer's tier
    customer_tier_tag_prefix: str | None = None  # or a tag, e.g. plan_ for plan_enterprise
    customer_tier_order: list[str] = Field(default_factory=list)  # highest first

    def of(self, group: str | None) -> str | None:
        """The support tier of a ticket in ``group``."""
        return self.groups.get(group or "", self.default)


class Linking(Strict):
    """How an agent links a ticket to an existing issue by hand."""

    field: str | None = None  # a ticket field holding an issue URL or key
    tag_prefix: str | None = "link_"  # a tag like link_ABC-123 (key forms without '/')
    route: str | None = None  # the route a hand-made link follows when none matches


class Duplicates(Strict):
    """Search for open issues describing the same problem at escalation."""

    mode: Literal["off", "suggest", "link"] = "off"
    threshold: float = Field(default=0.4, ge=0, le=1)  # link: best score at least this
    suggest_threshold: float = Field(default=0.25, ge=0, le=1)  # listed in the note
    max_candidates: int = Field(default=3, ge=1)
    limit: int = Field(default=200, ge=1)  # open issues read from the target project

    @field_validator("mode", mode="before")
    @classmethod
    def _yaml_off(cls, v: object) -> object:
        return "off" if v is False else v  # YAML reads a bare off as false


def _pattern(item: str | dict[str, str]) -> str | dict[str, str]:
    """One admin pattern: a regular expression, or ``{name: regular expression}``."""
    named = item if isinstance(item, dict) else {"": item}
    if len(named) != 1:
        raise ValueError("give one pattern per entry: a regex, or {name: regex}")
    for name, regex in named.items():
        try:
            compiled = re.compile(regex)
        except re.error as exc:
            raise ValueError(f"bad pattern {regex!r}: {exc}") from None
        if compiled.match(""):
            # it would put a mask between every two characters of every text
            raise ValueError(f"bad pattern {regex!r}: it matches empty text")
        if name and not name.strip():
            raise ValueError("a pattern's name must not be blank")
    return item


PatternItem = Annotated[str | dict[str, str], AfterValidator(_pattern)]


class Privacy(Strict):
    """What is cut from text that syncd writes to a tracker the public may read.

    The root ``privacy`` applies to every route; a route's own ``privacy`` overrides
    ``redact`` and ``public`` and adds its ``patterns`` (see ``Rules.privacy``)."""

    # auto: redact when the target is public; always: whatever the target; never: not at all
    redact: Literal["auto", "always", "never"] = "auto"
    # auto: ask the tracker (a repository's visibility, a project's permissions; a
    # tracker that cannot tell counts as public); true/false: the admin says so
    public: Literal["auto"] | bool = "auto"
    # regular expressions redacted besides e-mails, phone and card numbers; {name: regex}
    # names the matches in the agent's note
    patterns: list[PatternItem] = Field(default_factory=list)

    @field_validator("public", mode="before")
    @classmethod
    def _auto_or_bool(cls, v: object) -> object:
        # one readable error instead of one per member of the union
        text = str(v).strip().lower()
        if isinstance(v, bool) or text == "auto":
            return v if isinstance(v, bool) else "auto"
        if text in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            return text in ("true", "yes", "on", "1")
        raise ValueError(f"say auto, true or false (not {v!r})")

    def within(self, route: Privacy) -> Privacy:
        """A route's privacy on top of this one (the root's)."""
        given = route.model_fields_set
        return Privacy(
            redact=route.redact if "redact" in given else self.redact,
            public=route.public if "public" in given else self.public,
            patterns=[*self.patterns, *route.patterns],
        )


class DevPriority(Strict):
    """How the dev side's priority comes back to the ticket."""

    map: dict[Priority, Priority] = Field(default_factory=dict)  # issue -> ticket; default same
    tag: str | None = "dev_priority_{priority}"  # a tag naming the dev priority
    field: str | None = None  # or a ticket field holding it
    set_ticket_priority: bool = False  # change the customer-facing priority too
    note: bool = True  # tell the agent with an internal note


class WorkflowSettings(Strict):
    """Timing of the periodic workflow jobs."""

    sla_interval: float = Field(default=60.0, gt=0)  # seconds between SLA clock checks


def _days(n: float) -> timedelta:
    return timedelta(days=n)


class HistoryShare(Strict):
    """How a linked ticket's conversation reaches its developers (a route's ``history``)."""

    # auto: a collapsed comment on a private target, a signed link to syncd's page on a
    # public one; link: always the link; off: never shared
    mode: Literal["auto", "link", "off"] = "auto"
    # which internal notes it shows: none, those starting with the route's comment_prefix
    # (the prefix cut), or all
    internal: Literal["none", "prefixed", "all"] = "prefixed"
    # a developer comment starting with this shares the conversation again (null: never)
    request_prefix: str | None = "/history"
    at_escalation: bool = True  # shared once the link is made
    ttl: timedelta | None = None  # how long a link to the page works (null: the root's)

    @field_validator("ttl", mode="before")
    @classmethod
    def _duration(cls, v: object) -> timedelta | None:
        return None if v is None else parse_duration(v)


class HistoryPages(Strict):
    """The signed pages of ticket conversations (the root ``history``)."""

    ttl: timedelta = Field(default_factory=lambda: _days(7))  # how long a link works
    # a link shared on an issue is renewed (the comment edited) this long before it expires
    refresh_before: timedelta = Field(default_factory=lambda: _days(1))

    @field_validator("ttl", "refresh_before", mode="before")
    @classmethod
    def _duration(cls, v: object) -> timedelta:
        return parse_duration(v)
