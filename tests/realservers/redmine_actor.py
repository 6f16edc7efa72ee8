"""The developer ``dana`` on a real Redmine, for the contract tests and end-to-end tests
through the daemon.

Acts through Redmine's own REST API with dana's API key, and reads issues back through the
Redmine connector under dana's account (so private notes read as dana sees them).
"""

from __future__ import annotations

from typing import Any

import httpx

from syncd import registry
from syncd.connector import TrackerConnector
from syncd.model import Comment, Issue, IssueStatus, Ref

# the status a developer picks in Redmine's default workflow for each canonical status
DEVELOPER_STATUS = {
    IssueStatus.TODO: "New",
    IssueStatus.IN_PROGRESS: "In Progress",
    IssueStatus.DONE: "Resolved",
    IssueStatus.WONT_DO: "Rejected",
    IssueStatus.DUPLICATE: "Rejected",
}


class RealRedmineActor:
    """``dana`` on the real Redmine described by ``info`` (``tests/realservers/.redmine/``)."""

    emulator = None  # the real server stands in for one

    def __init__(self, info: dict[str, Any], instance: str = "redmine") -> None:
        self.instance = instance
        self.info = info
        self.http = httpx.Client(
            base_url=str(info["base_url"]),
            timeout=30,
            headers={"X-Redmine-API-Key": str(info["developer_key"])},
        )
        spec = registry.spec("redmine")
        settings = spec.settings.model_validate(
            {"kind": "redmine", "base_url": info["base_url"], "api_key": info["developer_key"]}
        )
        reader = spec.factory(instance, settings, None)
        assert isinstance(reader, TrackerConnector)
        self.reader = reader

    @property
    def credentials(self) -> dict[str, str]:
        return {"api_key": str(self.info["developer_key"])}

    def ensure_project(self, project: str) -> None:
        """The projects are made by redmine.sh; a route naming another one is a test bug."""
        known = (self.info["project"], self.info["private_project"])
        assert project in known, f"redmine.sh makes only {known}, not {project!r}"

    def create_issue(self, project: str, title: str, body: str = "", **fields: Any) -> Ref:
        """An issue opened by dana."""
        issue = {"project_id": project, "subject": title, "description": body, **fields}
        r = self.http.post("/issues.json", json={"issue": issue})
        r.raise_for_status()
        return Ref.issue(self.instance, r.json()["issue"]["id"])

    def update(self, ref: Ref, **fields: Any) -> None:
        """Change an issue as dana (``notes``, ``private_notes``, ``status_id``, ...)."""
        r = self.http.put(f"/issues/{ref.key}.json", json={"issue": fields})
        r.raise_for_status()

    def comment(self, ref: Ref, body: str, *, public: bool = True) -> Ref:
        """A note by dana; a private note unless ``public``."""
        self.update(ref, notes=body, private_notes=not public)
        journals = self.raw(ref, include="journals")["journals"]
        return Ref.comment(self.instance, f"{ref.key}#note-{journals[-1]['id']}")

    def set_status(self, ref: Ref, status: IssueStatus | str) -> None:
        """Move the issue to a status by name (``Resolved``, ``Closed``, ...) or to the one
        a developer would pick for a canonical status."""
        name = DEVELOPER_STATUS.get(status, status) if isinstance(status, IssueStatus) else status
        self.update(ref, status_id=self.info["statuses"][name])

    def edit_comment(self, issue: Ref, comment: Ref, body: str) -> None:
        """Not used: syncd reads no edits of Redmine notes."""
        raise NotImplementedError("the Redmine connector does not follow note edits")

    def raw(self, ref: Ref, **params: str) -> dict[str, Any]:
        r = self.http.get(f"/issues/{ref.key}.json", params=params)
        r.raise_for_status()
        issue: dict[str, Any] = r.json()["issue"]
        return issue

    def issue(self, ref: Ref) -> Issue:
        return self.reader.get_issue(ref)

    def comments(self, ref: Ref) -> list[Comment]:
        return self.reader.comments(ref)

    def issues(self, project: str, subject: str = "") -> list[Issue]:
        """The issues of ``project`` (whose subject contains ``subject``, when given)."""
        params = {"project_id": project, "status_id": "*", "limit": "100"}
        if subject:
            params["subject"] = f"~{subject}"
        r = self.http.get("/issues.json", params=params)
        r.raise_for_status()
        return [
            self.reader.get_issue(Ref.issue(self.instance, i["id"])) for i in r.json()["issues"]
        ]

    def close(self) -> None:
        self.http.close()
        self.reader.close()
