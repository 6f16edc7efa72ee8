"""The fields routes may map on GitHub besides labels: the milestone, by its title (its due
date comes back as the milestone's date), and the assignee, by login."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncd.errors import PermanentError

from .client import GitHubClient

FIELDS = ("milestone", "assignee")  # labels go through update_issue


def set_fields(
    client: GitHubClient, repo: str, number: int, values: Mapping[str, str]
) -> dict[str, Any]:
    """PATCH the issue's milestone and assignee ("" empties them); the issue as GitHub
    answers. A name GitHub has no field for, or a milestone title the repository lacks, is a
    PermanentError that says so."""
    patch: dict[str, Any] = {}
    for name, value in values.items():
        if name == "milestone":
            patch["milestone"] = milestone_number(client, repo, value) if value else None
        elif name == "assignee":
            patch["assignees"] = [value] if value else []
        else:
            raise PermanentError(
                f"GitHub has no issue field {name!r} to set (it maps {', '.join(FIELDS)}, labels)"
            )
    data: dict[str, Any] = client.call("PATCH", f"/repos/{repo}/issues/{number}", body=patch).data
    return data


def milestone_number(client: GitHubClient, repo: str, title: str) -> int:
    """The number of the milestone titled ``title`` (open or closed)."""
    for page in client.pages(f"/repos/{repo}/milestones", {"state": "all", "per_page": 100}):
        for m in page.data or []:
            if isinstance(m, dict) and m.get("title") == title:
                return int(m["number"])
    raise PermanentError(f"{repo} has no milestone {title!r}: create it, or fix the value map")
