"""Jira Cloud's rate limits as the emulator keeps them, and its answer when one is passed.

Jira Cloud does not publish one number: its budgets are shared, cost-based and change with
the tenant. What it documents is the answer: 429 with ``Retry-After`` (seconds), and the
``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` (an ISO 8601 time)
and ``X-RateLimit-NearLimit`` headers, with ``RateLimit-Reason`` naming the budget. So the
budget here is configurable: ``requests`` in a window of ``seconds`` for each user.
"""

from __future__ import annotations

from dataclasses import dataclass

from syncd.testing.emulator_parts import VendorLimits


@dataclass(frozen=True)
class JiraLimits(VendorLimits):
    """The budget each user of the emulated Jira gets (a thousand requests a minute)."""

    KEPT = ("seconds",)  # what lifting the limits leaves as it is

    requests: int = 1000
    seconds: float = 60.0


# the RateLimit-Reason of a spent per-user budget
REASON = "jira-quota-per-user-based"
