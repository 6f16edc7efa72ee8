"""Typed settings of a Request Tracker connector instance (``kind: rt``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

from syncd.connector import ConnectorSettings
from syncd.model import Priority, TicketStatus

# RT's stock lifecycle; a queue's custom lifecycle adds its statuses through ``status_map``
DEFAULT_STATUS_MAP: dict[str, TicketStatus] = {
    "new": TicketStatus.NEW,
    "open": TicketStatus.OPEN,
    "stalled": TicketStatus.ON_HOLD,
    "resolved": TicketStatus.SOLVED,
    "rejected": TicketStatus.CLOSED,
    "deleted": TicketStatus.CLOSED,
}

DEFAULT_WRITE_STATUS: dict[TicketStatus, str] = {
    TicketStatus.NEW: "new",
    TicketStatus.OPEN: "open",
    TicketStatus.PENDING: "stalled",
    TicketStatus.ON_HOLD: "stalled",
    TicketStatus.SOLVED: "resolved",
    TicketStatus.CLOSED: "resolved",
}


class PriorityBand(BaseModel):
    """RT priorities ``min``..``max`` (inclusive) read as one canonical priority;
    ``value`` is what syncd writes for it (default: ``min``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: int
    max: int
    value: int | None = None

    @model_validator(mode="after")
    def _ordered(self) -> PriorityBand:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        if self.value is not None and not self.min <= self.value <= self.max:
            raise ValueError(f"value {self.value} is outside {self.min}..{self.max}")
        return self

    @property
    def write(self) -> int:
        """The number syncd writes for this band."""
        return self.min if self.value is None else self.value


# RT 5 shows 0 as Low, 50 as Medium and 100 as High (its default PriorityAsString)
DEFAULT_PRIORITY_MAP: dict[Priority, PriorityBand] = {
    Priority.LOW: PriorityBand(min=0, max=24, value=0),
    Priority.NORMAL: PriorityBand(min=25, max=59, value=50),
    Priority.HIGH: PriorityBand(min=60, max=89, value=75),
    Priority.URGENT: PriorityBand(min=90, max=1000, value=100),
}


class RTSettings(ConnectorSettings):
    """Connection, credentials and maps of one Request Tracker."""

    kind: Literal["rt"] = "rt"
    # the RT root (``https://rt.example.com`` or ``https://example.com/rt``); REST2 lives
    # under ``/REST/2.0/`` below it
    base_url: str
    # either a token (``Authorization: token <T>``) or a user name and password (basic auth)
    token: SecretStr | None = None
    token_file: Path | None = None
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = None
    # queues whose tickets the poll reads; empty: every queue the account can see
    queues: list[str] = []
    # queue new tickets go to when a caller names none
    default_queue: str = "General"
    # extra or overriding RT status -> canonical status (a custom lifecycle's statuses)
    status_map: dict[str, TicketStatus] = {}
    # canonical status -> RT status written; unset keys use the stock lifecycle
    write_status: dict[TicketStatus, str] = {}
    # RT status written for "closed": "resolved" (default) or "rejected"
    closed_status: Literal["resolved", "rejected"] = "resolved"
    priority_map: dict[Priority, PriorityBand] = {}
    # ticket custom field holding the developer issue's URL
    link_custom_field: str = "Developer issue"
    # transaction custom field holding the idempotency key of replies and notes syncd writes
    key_custom_field: str = "syncd key"
    # how many tickets a poll page re-reads at most
    page_size: int = 100

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value.endswith("/REST/2.0"):
            value = value[: -len("/REST/2.0")]
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("page_size")
    @classmethod
    def _page_size(cls, value: int) -> int:
        if not 1 <= value <= 100:
            raise ValueError("must be between 1 and 100 (RT's largest page)")
        return value

    @model_validator(mode="after")
    def _one_credential(self) -> RTSettings:
        has_token = self.has_secret("token")
        has_password = self.has_secret("password")
        if has_token and (self.username is not None and has_password):
            raise ValueError("set either token (or token_file) or username and password, not both")
        if has_password and not self.username:
            raise ValueError("password is set but username is missing")
        if not has_token and not (self.username and has_password):
            raise ValueError(
                "missing credential: set token (or token_file), or username and password "
                "(or password_file)"
            )
        return self

    @property
    def api_url(self) -> str:
        """The REST2 root, without a trailing slash."""
        return f"{self.base_url}/REST/2.0"

    def statuses(self) -> dict[str, TicketStatus]:
        """RT status -> canonical status, custom lifecycle included."""
        return {**DEFAULT_STATUS_MAP, **{k.lower(): v for k, v in self.status_map.items()}}

    def write_statuses(self) -> dict[TicketStatus, str]:
        """Canonical status -> the RT status syncd writes."""
        base = {**DEFAULT_WRITE_STATUS, TicketStatus.CLOSED: self.closed_status}
        return {**base, **self.write_status}

    def priorities(self) -> dict[Priority, PriorityBand]:
        """Canonical priority -> band of RT priorities."""
        return {**DEFAULT_PRIORITY_MAP, **self.priority_map}
