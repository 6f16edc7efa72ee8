"""Typed settings of the GitHub connector."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from syncd.connector import ConnectorSettings

DEFAULT_PRIORITY_LABELS: dict[str, str] = {
    "urgent": "priority: urgent",
    "high": "priority: high",
    "normal": "priority: normal",
    "low": "priority: low",
}


class GitHubSettings(ConnectorSettings):
    """One GitHub (or GitHub Enterprise Server) account syncd acts as."""

    kind: Literal["github"] = "github"
    # GitHub Enterprise Server answers under https://<host>/api/v3
    base_url: str = "https://api.github.com"
    token: SecretStr | None = None
    token_file: Path | None = None
    # repositories ("owner/name") to poll; the engine adds every route target through watch()
    repositories: list[str] = Field(default_factory=list)
    # canonical priority -> label; the highest one present is read back as the priority
    priority_labels: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PRIORITY_LABELS))
    # an open issue carrying one of these is in progress; the first is written for in_progress
    in_progress_labels: list[str] = Field(default_factory=lambda: ["in progress"])
    per_page: int = Field(default=100, ge=1, le=100)
    # the login syncd writes as; read from GET /user when not set
    bot_login: str | None = None
    # GitHub asks integrations to space requests, writes especially, to stay clear of its
    # secondary rate limits; tests against the emulator set both to 0
    seconds_between_requests: float = Field(default=0.25, ge=0)
    seconds_between_writes: float = Field(default=1.0, ge=0)
    # pages read per repository and stream in one poll call before handing back a cursor
    max_poll_pages: int = Field(default=10, ge=1)
