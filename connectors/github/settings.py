"""Typed settings of the GitHub connector."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from syncd.ratelimit import WRITES, Limit
from syncd.tracker_labels import LabelTrackerSettings, labels_by_priority

from .mapping import Rules

DEFAULT_PRIORITY_LABELS = labels_by_priority("priority: {}")


class GitHubSettings(LabelTrackerSettings):
    """One GitHub (or GitHub Enterprise Server) account syncd acts as."""

    kind: Literal["github"] = "github"
    # GitHub Enterprise Server answers under https://<host>/api/v3
    base_url: str = "https://api.github.com"
    # repositories ("owner/name") to poll; the engine adds every route target through watch()
    repositories: list[str] = Field(default_factory=list)
    priority_labels: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PRIORITY_LABELS))
    in_progress_labels: list[str] = Field(default_factory=lambda: ["in progress"])
    # the login syncd writes as; read from GET /user when not set
    bot_login: str | None = None

    def rules(self, instance: str, bot_login: str | None) -> Rules:
        """The mapping rules of these settings, for the instance ``instance`` whose bot is
        ``bot_login``."""
        return Rules(
            instance=instance,
            priority_labels=self.priority_labels,
            in_progress_labels=self.in_progress_labels,
            bot_login=bot_login,
        )

    def documented_limits(self) -> list[Limit]:
        """GitHub's: 5,000 requests an hour for a token; its secondary limits: 80
        content-creating requests a minute and 500 an hour, and 900 points a minute (a read
        costs 1, a write 5)."""
        return [
            Limit(name="requests", count=5000, seconds=3600),
            Limit(name="writes a minute", count=80, seconds=60, operations=WRITES),
            Limit(name="writes an hour", count=500, seconds=3600, operations=WRITES),
            Limit(
                name="points a minute",
                count=900,
                seconds=60,
                points=dict.fromkeys(WRITES, 5),
            ),
        ]
