"""GitHub's documented REST limits, and how the emulator answers when one is passed.

From GitHub's "Rate limits for the REST API": the primary limit, 5,000 requests an hour for a
user's token, shown in ``x-ratelimit-limit/-remaining/-used/-reset/-resource`` and answered
past it with 403 (or 429) and ``x-ratelimit-remaining: 0``; and the secondary limits: at most
100 concurrent requests, 80 content-creating requests a minute and 500 an hour, and 900
points a minute (a GET costs 1 point, a POST, PATCH, PUT or DELETE 5). Past a secondary limit
GitHub answers 403 or 429 with a ``retry-after`` header and a message that names the
secondary rate limit.

The emulator counts requests that create content as its POSTs (issues, comments, labels),
the points per user, and the concurrency over every request it is answering (its only HTTP
client is syncd; people act in process).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from syncd.emulator_kit import Quota, Quotas, Refused
from syncd.testing.emulator_parts import VendorLimits

SECONDARY_DOCS = (
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass(frozen=True)
class GitHubLimits(VendorLimits):
    """The figures the emulator holds each token to (GitHub's own by default)."""

    KEPT = ("secondary_status", "window_scale")  # what lifting the limits leaves as it is

    requests_per_hour: int = 5000
    concurrent: int = 100
    content_per_minute: int = 80
    content_per_hour: int = 500
    points_per_minute: int = 900
    secondary_status: int = 403  # GitHub answers 403 or 429
    # every window's length times this: tests shrink a minute to seconds (1.0: GitHub's)
    window_scale: float = 1.0


class Secondary:
    """GitHub's secondary limits for each login."""

    def __init__(self, limits: GitHubLimits, quotas: Quotas) -> None:
        self.limits = limits
        self.quotas = quotas
        minute = 60.0 * limits.window_scale
        self.content_minute = Quota("content a minute", limits.content_per_minute, minute)
        self.content_hour = Quota("content an hour", limits.content_per_hour, 60 * minute)
        self.points = Quota("points a minute", limits.points_per_minute, minute)

    def spend(self, login: str, method: str, in_flight: int) -> Refused | None:
        """Count one request of ``login``; the refusal when it passes a secondary limit."""
        if in_flight > self.limits.concurrent:
            minute = 60.0 * self.limits.window_scale
            return Refused(Quota("concurrent requests", self.limits.concurrent, minute), minute)
        write = method in WRITES
        charges = [(self.points, login, 5 if write else 1)]
        if method == "POST":
            charges += [(self.content_minute, login, 1), (self.content_hour, login, 1)]
        return self.quotas.spend(charges)


def secondary_body(request_id: str, status: int) -> dict[str, str]:
    """GitHub's body past a secondary limit."""
    message = (
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
        "again. If you reach out to GitHub Support for help, please include the request ID "
        f"{request_id}."
    )
    return {"message": message, "documentation_url": SECONDARY_DOCS, "status": str(status)}


def retry_seconds(refused: Refused) -> str:
    """The ``retry-after`` of a refusal: whole seconds, at least one."""
    return str(max(1, math.ceil(refused.wait)))
