"""Typed settings of the Zendesk connector."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from syncd.connector import ConnectorSettings
from syncd.ratelimit import Limit, Operation


class ZendeskSettings(ConnectorSettings):
    """One Zendesk Support account syncd acts as."""

    kind: Literal["zendesk"] = "zendesk"
    # https://<subdomain>.zendesk.com
    base_url: str
    # API token auth: "{email}/token:{api_token}" as HTTP basic credentials
    email: str | None = None
    api_token: SecretStr | None = None
    api_token_file: Path | None = None
    # or an OAuth access token sent as a bearer token
    oauth_token: SecretStr | None = None
    oauth_token_file: Path | None = None
    # deliveries signed more than this many seconds away from our clock are refused
    max_webhook_age: float = Field(default=300.0, gt=0)
    # custom ticket field name -> Zendesk ticket field id; exposed in Ticket.fields by name
    custom_fields: dict[str, int] = Field(default_factory=dict)
    ticket_url_template: str = "{base_url}/agent/tickets/{id}"
    # records asked per page of the incremental exports (Zendesk's maximum is 1000)
    page_size: int = Field(default=1000, ge=1, le=1000)
    # seconds syncd follows an update_many job before it counts its tickets as not updated
    # (they are retried, and a retry first looks for the comments the job made)
    job_timeout: float = Field(default=120.0, gt=0)

    @model_validator(mode="after")
    def _one_credential(self) -> ZendeskSettings:
        has_token = self.has_secret("api_token")
        has_oauth = self.has_secret("oauth_token")
        if not has_token and not has_oauth:
            raise ValueError(
                "no credential: set email and api_token (or api_token_file), "
                "or oauth_token (or oauth_token_file)"
            )
        if has_token and not self.email:
            raise ValueError("api_token needs email: Zendesk authenticates '{email}/token'")
        return self

    def documented_limits(self) -> list[Limit]:
        """Zendesk Support's: the plan's requests a minute (700 on Enterprise), Update Ticket
        100 a minute per account and 30 in ten minutes per ticket and user, and the
        incremental exports 10 a minute (a poll reads two: tickets and ticket events)."""
        updates: frozenset[Operation] = frozenset({"update_ticket", "add_comment"})
        return [
            Limit(name="requests", count=700, seconds=60),
            Limit(name="ticket updates", count=100, seconds=60, operations=updates),
            Limit(
                name="updates of one ticket",
                count=30,
                seconds=600,
                operations=updates,
                per_record=True,
            ),
            Limit(
                name="incremental exports",
                count=10,
                seconds=60,
                operations=frozenset({"poll"}),
                points={"poll": 2},
            ),
        ]

    def field_problem(self, name: str) -> str | None:
        """Zendesk names ticket fields by id: a name needs its id in ``custom_fields``."""
        if name in self.custom_fields:
            return None
        return (
            f"no custom field {name!r}: add it to custom_fields with its Zendesk field id "
            f"(custom_fields: {{{name}: 360012345678}}; Admin Center → Objects and rules → "
            "Tickets → Fields shows the id)"
        )

    def ticket_url(self, ticket_id: int | str) -> str:
        """The agent-facing URL of one ticket."""
        return self.ticket_url_template.format(base_url=self.root, id=ticket_id)
