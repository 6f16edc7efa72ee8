"""Typed settings of the GitLab connector (gitlab.com and self-managed GitLab)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from syncd.connector import ConnectorSettings
from syncd.ratelimit import Limit

from .mapping import Rules

DEFAULT_PRIORITY_LABELS: dict[str, str] = {
    "urgent": "priority::urgent",
    "high": "priority::high",
    "normal": "priority::normal",
    "low": "priority::low",
}


class GitLabSettings(ConnectorSettings):
    """One GitLab account (a user or a project/group bot) syncd acts as."""

    kind: Literal["gitlab"] = "gitlab"
    # the instance's address, without /api/v4: https://gitlab.com or https://gitlab.example.com
    base_url: str = "https://gitlab.com"
    token: SecretStr | None = None
    token_file: Path | None = None
    # projects ("group/project", subgroups allowed) to poll; route targets are added by watch()
    projects: list[str] = Field(default_factory=list)
    # canonical priority -> label; the highest one present is read back as the priority
    priority_labels: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PRIORITY_LABELS))
    # an open issue carrying one of these is in progress; the first is written for in_progress
    in_progress_labels: list[str] = Field(default_factory=lambda: ["workflow::in progress"])
    # closed issues with one of these labels read as won't do / duplicate (GitLab has no
    # close reason); syncd adds the first when it closes for that reason
    wont_do_labels: list[str] = Field(default_factory=lambda: ["won't do"])
    duplicate_labels: list[str] = Field(default_factory=lambda: ["duplicate"])
    per_page: int = Field(default=100, ge=1, le=100)
    # the username syncd writes as; read from GET /user when not set
    bot_username: str | None = None
    # pages of issues read per project in one poll call before handing back a cursor
    max_poll_pages: int = Field(default=10, ge=1)
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
