"""Redmine's names to ids: statuses, trackers, priorities, projects and their custom fields.

Redmine writes by id and syncd's settings speak in names. The site-wide lists (issue
statuses, trackers, the ``IssuePriority`` enumeration) are readable by any user and change
rarely: read once, and again when a name is missing. A project's numeric id, public flag and
issue custom fields come from ``GET /projects/<identifier>.json``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from syncd.errors import PermanentError

from .client import RedmineClient

log = logging.getLogger(__name__)

PROJECT_TTL = 60.0  # seconds a project's answer (its visibility above all) is trusted


@dataclass(frozen=True)
class Project:
    """What syncd needs of a project."""

    id: int
    identifier: str
    public: bool
    custom_fields: dict[str, int]  # issue custom fields enabled on it: name -> id
    trackers: dict[str, int]


class Catalog:
    """Cached lookups of one connector."""

    def __init__(self, client: RedmineClient) -> None:
        self.client = client
        self._lists: dict[str, dict[str, dict[str, Any]]] = {}
        self._projects: dict[str, tuple[Project, float]] = {}
        self._identifiers: dict[int, str] = {}
        self._ids: dict[str, int] = {}  # ids never change: kept for good

    def _list(self, path: str, name: str, *, fresh: bool = False) -> dict[str, dict[str, Any]]:
        if fresh or path not in self._lists:
            data = self.client.get(path) or {}
            rows = [r for r in data.get(name) or () if isinstance(r, dict)]
            self._lists[path] = {str(r.get("name") or "").lower(): r for r in rows}
        return self._lists[path]

    def _id(self, path: str, name: str, wanted: str, what: str) -> int:
        for fresh in (False, True):
            row = self._list(path, name, fresh=fresh).get(wanted.lower())
            if row is not None:
                return int(row["id"])
        known = ", ".join(sorted(str(r.get("name")) for r in self._lists[path].values()))
        raise PermanentError(
            f"{self.client.instance}: Redmine has no {what} named {wanted!r} (it has: {known})"
        )

    def status_id(self, name: str) -> int:
        """The id of the issue status called ``name``."""
        return self._id("/issue_statuses.json", "issue_statuses", name, "issue status")

    def tracker_id(self, name: str) -> int:
        """The id of the tracker called ``name``."""
        return self._id("/trackers.json", "trackers", name, "tracker")

    def priority_id(self, name: str) -> int:
        """The id of the issue priority called ``name`` (Administration → Enumerations)."""
        path = "/enumerations/issue_priorities.json"
        return self._id(path, "issue_priorities", name, "issue priority")

    def priority_names(self) -> list[str]:
        """The names of the site's issue priorities."""
        path = "/enumerations/issue_priorities.json"
        return [str(r.get("name")) for r in self._list(path, "issue_priorities").values()]

    def status_names(self) -> list[str]:
        """The names of the site's issue statuses."""
        rows = self._list("/issue_statuses.json", "issue_statuses").values()
        return [str(r.get("name")) for r in rows]

    def project(self, key: str | int, *, fresh: bool = False) -> Project:
        """A project by identifier or numeric id."""
        ident = self._identifiers.get(key, str(key)) if isinstance(key, int) else key
        known = self._projects.get(ident)
        if known is not None and not fresh and time.monotonic() - known[1] < PROJECT_TTL:
            return known[0]
        data = self.client.get(
            f"/projects/{ident}.json", {"include": "trackers,issue_custom_fields"}
        )
        raw = (data or {}).get("project") or {}
        project = Project(
            id=int(raw.get("id") or 0),
            identifier=str(raw.get("identifier") or ident),
            public=bool(raw.get("is_public", True)),
            custom_fields=_named(raw.get("issue_custom_fields")),
            trackers=_named(raw.get("trackers")),
        )
        self._identifiers[project.id] = project.identifier
        self._ids[project.identifier] = project.id
        self._projects[project.identifier] = (project, time.monotonic())
        return project

    def project_id(self, identifier: str) -> int:
        """The numeric id of a project (read once)."""
        if identifier not in self._ids:
            self._ids[identifier] = self.project(identifier).id
        return self._ids[identifier]

    def labels_field(self, project: str, name: str | None) -> int | None:
        """The id of the labels custom field enabled on ``project`` (None: labels are off,
        or the field is not enabled there, which is logged)."""
        if not name:
            return None
        found = self.project(project).custom_fields.get(name)
        if found is None:
            log.warning(
                "%s: project %s has no issue custom field %r: labels are not written",
                self.client.instance,
                project,
                name,
            )
        return found

    def identifier(self, project_id: int) -> str:
        """The identifier of a project known by its numeric id."""
        if project_id not in self._identifiers:
            self.project(project_id)
        return self._identifiers[project_id]


def _named(rows: Any) -> dict[str, int]:
    return {
        str(r.get("name")): int(r["id"]) for r in rows or () if isinstance(r, dict) and "id" in r
    }
