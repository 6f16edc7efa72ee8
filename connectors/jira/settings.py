"""Typed settings of a Jira connector instance (Cloud or Data Center)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from syncd.connector import ConnectorSettings
from syncd.model import IssueStatus, Priority

DEFAULT_PRIORITIES: dict[Priority, str] = {
    Priority.URGENT: "Highest",
    Priority.HIGH: "High",
    Priority.NORMAL: "Medium",
    Priority.LOW: "Low",
}

DEFAULT_RESOLUTIONS: dict[IssueStatus, str] = {
    IssueStatus.DONE: "Done",
    IssueStatus.WONT_DO: "Won't Do",
    IssueStatus.DUPLICATE: "Duplicate",
}


class Visibility(BaseModel):
    """A comment restriction: a project role or a group."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["role", "group"] = "role"
    value: str = "Developers"


class JiraAccess(ConnectorSettings):
    """How syncd reaches one Jira instance (Cloud or Data Center): the credential fields
    depend on ``flavour``. Shared by the Jira and the Jira Service Management connectors."""

    flavour: Literal["cloud", "datacenter"] = "cloud"
    # Cloud: account e-mail + API token (basic auth)
    email: str | None = None
    api_token: SecretStr | None = None
    api_token_file: Path | None = None
    # Data Center: a personal access token (bearer) ...
    pat: SecretStr | None = None
    pat_file: Path | None = None
    # ... or a username and password (basic auth)
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = None
    # seconds to wait before a call once Jira says the budget is nearly spent
    near_limit_delay: float = 0.5
    poll_overlap: float = 120.0
    poll_page_size: int = Field(default=50, ge=1, le=100)
    priorities: dict[Priority, str] = Field(default_factory=lambda: dict(DEFAULT_PRIORITIES))

    @model_validator(mode="after")
    def _credentials_fit_flavour(self) -> JiraAccess:
        has = self.has_secret
        if self.flavour == "cloud":
            if not self.email or not has("api_token"):
                raise ValueError(
                    "Jira Cloud needs `email` and `api_token` (or `api_token_file`): "
                    "the account e-mail and an API token from id.atlassian.com"
                )
            if has("pat") or self.username:
                raise ValueError(
                    "`pat` and `username`/`password` are for Data Center; "
                    "Jira Cloud uses `email` + `api_token`"
                )
        else:
            basic = self.username is not None or has("password")
            if has("pat") and basic:
                raise ValueError("set either `pat` or `username` + `password`, not both")
            if not has("pat") and not basic:
                raise ValueError(
                    "Jira Data Center needs `pat` (a personal access token) "
                    "or `username` + `password`"
                )
            if basic and (not self.username or not has("password")):
                raise ValueError("basic auth needs both `username` and `password`")
            if has("api_token"):
                raise ValueError("`api_token` is for Jira Cloud; Data Center uses `pat`")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("`base_url` must start with https:// (or http://)")
        return self

    def issue_field_problem(self, name: str) -> str | None:
        """Any field may be mapped: Jira knows its fields by name only live (``GET field``),
        which ``syncd connectors test`` checks."""
        return None

    def priority_name(self, priority: Priority) -> str:
        """The Jira priority name for a canonical priority."""
        return self.priorities.get(priority, DEFAULT_PRIORITIES[priority])

    def priority_of(self, name: str | None) -> Priority | None:
        """The canonical priority for a Jira priority name, if it is mapped."""
        if not name:
            return None
        for canonical, jira_name in self.priorities.items():
            if jira_name.casefold() == name.casefold():
                return canonical
        return None


class JiraSettings(JiraAccess):
    """Settings of one Jira instance as a developer tracker."""

    kind: Literal["jira"] = "jira"
    projects: list[str] = Field(default_factory=list)
    issue_type: str = "Task"
    resolutions: dict[IssueStatus, str] = Field(default_factory=lambda: dict(DEFAULT_RESOLUTIONS))
    # project key -> canonical status -> the Jira status name to move to
    status_map: dict[str, dict[IssueStatus, str]] = Field(default_factory=dict)
    internal_visibility: Visibility = Field(default_factory=Visibility)
    # Jira Service Management projects: also mark internal comments with sd.public.comment
    service_management: bool = False
