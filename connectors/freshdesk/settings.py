"""Typed settings of the Freshdesk connector."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from syncd.connector import ConnectorSettings
from syncd.model import TicketStatus
from syncd.ratelimit import Limit, Operation

# Freshdesk's own statuses; ids 6 and up are the account's custom ones (``custom_statuses``)
BUILT_IN_STATUSES = {2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed"}
WEBHOOK_HEADER = "X-Syncd-Webhook-Secret"


class FreshdeskSettings(ConnectorSettings):
    """One Freshdesk account syncd acts as (an agent with an API key)."""

    kind: Literal["freshdesk"] = "freshdesk"
    # https://<domain>.freshdesk.com
    base_url: str
    # the agent's API key (Profile settings → View API key), sent as basic auth "key:X"
    api_key: SecretStr | None = None
    api_key_file: Path | None = None
    # how the automation rule's webhook proves it is the account's: the secret in a custom
    # header (``header``), or HTTP basic credentials ``webhook_username`` / webhook_secret
    webhook_auth: Literal["header", "basic"] = "header"
    webhook_header: str = Field(default=WEBHOOK_HEADER, pattern=r"^[A-Za-z0-9-]{1,64}$")
    webhook_username: str = Field(default="syncd", pattern=r"^[^:\s]{1,64}$")
    # the account's custom statuses (Admin → Ticket Fields → Status): id -> canonical status
    custom_statuses: dict[int, TicketStatus] = Field(default_factory=dict)
    # custom field name syncd uses -> Freshdesk's field name (cf_...); exposed by name
    custom_fields: dict[str, str] = Field(default_factory=dict)
    ticket_url_template: str = "{base_url}/a/tickets/{id}"
    # tickets per page of the poll's ticket list (Freshdesk's maximum is 100)
    per_page: int = Field(default=100, ge=1, le=100)

    @field_validator("custom_statuses")
    @classmethod
    def _custom_ids(cls, value: dict[int, TicketStatus]) -> dict[int, TicketStatus]:
        taken = sorted(set(value) & set(BUILT_IN_STATUSES) | {i for i in value if i < 2})
        if taken:
            raise ValueError(
                f"{taken}: Freshdesk's own statuses are 2-5 (open, pending, resolved, "
                "closed); custom statuses have ids from 6"
            )
        return value

    def documented_limits(self) -> list[Limit]:
        """Freshdesk's per-minute limits of the Pro plan: 400 API credits, of which ticket
        updates 160 and ticket lists 100 (Growth: 200, 80, 20; Enterprise: 700, 280, 200).
        A ticket list with two ``include`` costs 5 credits (1 and 2 per include)."""
        writes: frozenset[Operation] = frozenset({"update_ticket", "add_comment"})
        return [
            Limit(name="requests", count=400, seconds=60, points={"poll": 5}),
            Limit(name="ticket updates", count=160, seconds=60, operations=writes),
            Limit(name="ticket lists", count=100, seconds=60, operations=frozenset({"poll"})),
        ]

    def field_problem(self, name: str) -> str | None:
        """A field syncd names needs its Freshdesk name in ``custom_fields``."""
        if name in self.custom_fields:
            return None
        return (
            f"no custom field {name!r}: add it to custom_fields with its Freshdesk name "
            f"(custom_fields: {{{name}: cf_{name}}}; Admin → Ticket Fields shows it)"
        )
