"""Freshdesk's per-minute limits, and the credits each call costs.

From Freshdesk's API docs: limits are per account and per minute, by plan (Growth 200, Pro
400, Enterprise 700 calls; of them, ticket creates and updates 80 / 160 / 280 and ticket lists
20 / 100 / 200). A call costs one credit, and each ``include`` two more. Every answer says
``X-RateLimit-Total``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Used-CurrentRequest``;
past a limit Freshdesk answers 429 with ``Retry-After`` (seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from syncd.emulator_kit import Quota, Quotas, Refused
from syncd.helpdesk_emulator import VendorLimits

Kind = Literal["update", "list"] | None


@dataclass(frozen=True)
class FreshdeskLimits(VendorLimits):
    """The figures the emulator holds the account to (the Pro plan's by default)."""

    requests_per_minute: int = 400
    ticket_updates_per_minute: int = 160
    ticket_lists_per_minute: int = 100
    # every window's length times this: tests shrink a minute to seconds (1.0: Freshdesk's)
    window_scale: float = 1.0


class Credits:
    """The account's windows: credits a minute, ticket writes a minute, ticket lists a minute."""

    def __init__(self, limits: FreshdeskLimits, quotas: Quotas) -> None:
        minute = 60.0 * limits.window_scale
        self.quotas = quotas
        self.requests = Quota("requests", limits.requests_per_minute, minute)
        self.updates = Quota("ticket updates", limits.ticket_updates_per_minute, minute)
        self.lists = Quota("ticket lists", limits.ticket_lists_per_minute, minute)

    def spend(self, credits: int, kind: Kind) -> Refused | None:
        """Spend one call's credits (and its ticket write or list); the refusal when over."""
        charges = [(self.requests, "account", credits)]
        if kind == "update":
            charges.append((self.updates, "account", 1))
        elif kind == "list":
            charges.append((self.lists, "account", 1))
        return self.quotas.spend(charges)

    def left(self) -> int:
        """Credits left in this minute."""
        return self.quotas.left(self.requests, "account")


def cost(include: str | None) -> int:
    """Credits of a call: one, and two for each ``include``."""
    wanted = [p for p in (include or "").split(",") if p.strip()]
    return 1 + 2 * len(wanted)
