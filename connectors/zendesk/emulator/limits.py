"""Zendesk Support's documented limits, and how the emulator answers when one is passed.

From Zendesk's "Rate limits" page: the plan's requests a minute for the account (700 on
Enterprise, 400 on Professional, 200 on Team), shown in ``X-Rate-Limit`` and
``X-Rate-Limit-Remaining``; Update Ticket at most 100 a minute for the account and 30 in ten
minutes per user per ticket; the incremental exports 10 a minute. Past any of them Zendesk
answers 429 with ``Retry-After`` (whole seconds) and an ``APIRateLimitExceeded`` body.
"""

from __future__ import annotations

from dataclasses import dataclass

from syncd.emulator_kit import Quota, Quotas, Refused
from syncd.helpdesk_emulator import VendorLimits


@dataclass(frozen=True)
class ZendeskLimits(VendorLimits):
    """The figures the emulator holds an account to (Zendesk's own by default)."""

    requests_per_minute: int = 700
    ticket_updates_per_minute: int = 100
    updates_per_ticket: int = 30  # per user and ticket, in ten minutes
    exports_per_minute: int = 10
    # every window's length times this: tests shrink a minute to seconds (1.0: Zendesk's)
    window_scale: float = 1.0


class TicketUpdates:
    """Update Ticket's two limits: per account a minute, per user and ticket ten minutes."""

    def __init__(self, limits: ZendeskLimits, quotas: Quotas) -> None:
        self.quotas = quotas
        scale = limits.window_scale
        self.account = Quota("ticket updates", limits.ticket_updates_per_minute, 60.0 * scale)
        self.per_ticket = Quota("updates of one ticket", limits.updates_per_ticket, 600.0 * scale)

    def spend(self, user_id: int, ticket_id: int) -> Refused | None:
        """Count one update of ``ticket_id`` by ``user_id``; the refusal when over."""
        return self.quotas.spend(
            [(self.account, "account", 1), (self.per_ticket, (user_id, ticket_id), 1)]
        )


def limited_body(description: str) -> dict[str, str]:
    """Zendesk's body of a 429."""
    return {"error": "APIRateLimitExceeded", "description": description}


DESCRIPTIONS = {
    "requests": "Rate limit exceeded",
    "ticket updates": "Number of allowed ticket updates per minute exceeded",
    "updates of one ticket": "Number of allowed updates of this ticket per user exceeded",
    "incremental exports": "Number of allowed incremental export API requests per minute exceeded",
}
