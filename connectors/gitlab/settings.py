"""Typed settings of the GitLab connector (gitlab.com and self-managed GitLab)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from syncd.ratelimit import Limit
from syncd.tracker_labels import LabelTrackerSettings, labels_by_priority

from .mapping import Rules

DEFAULT_PRIORITY_LABELS = labels_by_priority("priority::{}")


class GitLabSettings(LabelTrackerSettings):
    """One GitLab account (a user or a project/group bot) syncd acts as."""

    kind: Literal["gitlab"] = "gitlab"
    # the instance's address, without /api/v4: https://gitlab.com or https://gitlab.example.com
    base_url: str = "https://gitlab.com"
    # projects ("group/project", subgroups allowed) to poll; route targets are added by watch()
    projects: list[str] = Field(default_factory=list)
    priority_labels: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PRIORITY_LABELS))
    in_progress_labels: list[str] = Field(default_factory=lambda: ["workflow::in progress"])
    # closed issues with one of these labels read as won't do / duplicate (GitLab has no
    # close reason); syncd adds the first when it closes for that reason
    wont_do_labels: list[str] = Field(default_factory=lambda: ["won't do"])
    duplicate_labels: list[str] = Field(default_factory=lambda: ["duplicate"])
    # the username syncd writes as; read from GET /user when not set
    bot_username: str | None = None
    # seconds each poll asks again before the newest update it saw (clock skew, slow writes)
    poll_overlap: float = Field(default=5.0, ge=0)

    def rules(self, instance: str, bot_username: str | None) -> Rules:
        """The mapping rules of these settings, for the instance ``instance`` whose bot is
        ``bot_username``."""
        return Rules(
            instance=instance,
            priority_labels=self.priority_labels,
            in_progress_labels=tuple(self.in_progress_labels),
            wont_do_labels=tuple(self.wont_do_labels),
            duplicate_labels=tuple(self.duplicate_labels),
            bot_username=bot_username,
        )

    def documented_limits(self) -> list[Limit]:
        """gitlab.com's: 2,000 authenticated API requests a minute per user. A self-managed
        instance sets its own (Admin → Settings → Network → User and IP rate limits): give
        them under ``limits``."""
        return [Limit(name="requests a minute", count=2000, seconds=60)]
