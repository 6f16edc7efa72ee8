"""Typed settings of a Redmine connector instance (``kind: redmine``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from syncd.connector import ConnectorSettings
from syncd.model import IssueStatus, Priority

# Redmine's default data (``redmine:load_default_data``); a site's own statuses are added
# through ``status_map``. A status missing from both is read by its ``is_closed`` flag.
DEFAULT_STATUS_MAP: dict[str, IssueStatus] = {
    "new": IssueStatus.TODO,
    "in progress": IssueStatus.IN_PROGRESS,
    "feedback": IssueStatus.IN_PROGRESS,
    "resolved": IssueStatus.DONE,
    "closed": IssueStatus.DONE,
    "rejected": IssueStatus.WONT_DO,
}

DEFAULT_WRITE_STATUS: dict[IssueStatus, str] = {
    IssueStatus.TODO: "New",
    IssueStatus.IN_PROGRESS: "In Progress",
    IssueStatus.DONE: "Closed",
    IssueStatus.WONT_DO: "Rejected",
    # Redmine has no duplicate status by default: a site that adds one maps it here
    IssueStatus.DUPLICATE: "Rejected",
}

# the priorities of Redmine's default data, by name
DEFAULT_PRIORITY_NAMES: dict[str, Priority] = {
    "low": Priority.LOW,
    "normal": Priority.NORMAL,
    "high": Priority.HIGH,
    "urgent": Priority.URGENT,
    "immediate": Priority.URGENT,
}

DEFAULT_WRITE_PRIORITY: dict[Priority, str] = {
    Priority.LOW: "Low",
    Priority.NORMAL: "Normal",
    Priority.HIGH: "High",
    Priority.URGENT: "Urgent",
}


class RedmineSettings(ConnectorSettings):
    """Connection, credentials and maps of one Redmine."""

    kind: Literal["redmine"] = "redmine"
    # the Redmine root (``https://redmine.example.com`` or ``https://example.com/redmine``)
    base_url: str
    # the API key of syncd's Redmine user (My account → API access key), sent as
    # X-Redmine-API-Key; or the file that holds it
    api_key: SecretStr | None = None
    api_key_file: Path | None = None
    # Redmine sends no webhooks: syncd polls
    webhooks: bool = False
    # project identifiers to poll besides the routes' targets (empty: only the targets)
    projects: list[str] = Field(default_factory=list)
    # tracker of new issues when the route names no issue type: per project, then for all
    # (None: the project's default tracker)
    trackers: dict[str, str] = Field(default_factory=dict)
    default_tracker: str | None = None
    # extra or overriding Redmine status name -> canonical status
    status_map: dict[str, IssueStatus] = Field(default_factory=dict)
    # canonical status -> the Redmine status name syncd writes
    write_status: dict[IssueStatus, str] = Field(default_factory=dict)
    # extra or overriding priority name (Administration → Enumerations) -> canonical priority
    priority_map: dict[str, Priority] = Field(default_factory=dict)
    # canonical priority -> the priority name syncd writes
    write_priority: dict[Priority, str] = Field(default_factory=dict)
    # issue custom field (text) holding labels, comma-separated; None: no labels
    labels_field: str | None = "Labels"
    # seconds each poll reads again before the newest change it saw (commit delays)
    poll_overlap: float = Field(default=10.0, ge=0, le=3600)
    # issues a poll page reads at most (Redmine's largest page is 100)
    page_size: int = Field(default=100, ge=1, le=100)

    @field_validator("base_url")
    @classmethod
    def _root(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    def statuses(self) -> dict[str, IssueStatus]:
        """Status name (lower case) -> canonical status, the site's own included."""
        return {**DEFAULT_STATUS_MAP, **{k.lower(): v for k, v in self.status_map.items()}}

    def write_statuses(self) -> dict[IssueStatus, str]:
        """Canonical status -> the status name syncd writes."""
        return {**DEFAULT_WRITE_STATUS, **self.write_status}

    def priorities(self) -> dict[str, Priority]:
        """Priority name (lower case) -> canonical priority."""
        return {**DEFAULT_PRIORITY_NAMES, **{k.lower(): v for k, v in self.priority_map.items()}}

    def write_priorities(self) -> dict[Priority, str]:
        """Canonical priority -> the priority name syncd writes."""
        return {**DEFAULT_WRITE_PRIORITY, **self.write_priority}

    def tracker_for(self, project: str, issue_type: str | None) -> str | None:
        """The tracker name of a new issue in ``project`` (None: the project's default)."""
        return issue_type or self.trackers.get(project) or self.default_tracker
