"""GitLab's JSON shapes, built from the emulator's records: REST v4 answers (issue, note,
project, user, label), webhook payloads (Issue Hook, Note Hook) and error bodies.

The REST shapes follow GitLab's own response schemas (``spec/fixtures/api/schemas/public_api/
v4/issue.json`` and ``notes.json``), the webhook payloads the examples of GitLab's webhook
documentation; ``tests/connectors/gitlab/test_emulator_shapes.py`` checks both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .records import IssueRec, NoteRec, ProjectRec, UserRec

AVATAR = "https://www.gravatar.com/avatar/00000000000000000000000000000000?s=80&d=identicon"


def hook_time(iso: str | None) -> str | None:
    """A REST time (``2016-01-04T15:31:46.176Z``) as webhook payloads write it
    (``2016-01-04 15:31:46 UTC``)."""
    if not iso:
        return None
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


# fields every issue, note or hook carries the same way here: features syncd does not use
_ISSUE_STATIC: dict[str, Any] = {
    "milestone": None, "type": "ISSUE", "issue_type": "issue", "merge_requests_count": 0,
    "upvotes": 0, "downvotes": 0, "due_date": None, "discussion_locked": None,
    "time_stats": {"time_estimate": 0, "total_time_spent": 0, "human_time_estimate": None,
                   "human_total_time_spent": None},
    "task_completion_status": {"count": 0, "completed_count": 0}, "has_tasks": False,
    "task_status": "0 of 0 checklist items completed", "subscribed": True, "imported": False,
    "imported_from": "none", "severity": "UNKNOWN", "moved_to_id": None,
    "service_desk_reply_to": None,
}  # fmt: skip
_NOTE_STATIC: dict[str, Any] = {
    "resolvable": False, "resolved": False, "resolved_by": None, "resolved_at": None,
    "commands_changes": {},
}  # fmt: skip
_HOOK_ISSUE_STATIC: dict[str, Any] = {
    "milestone_id": None, "discussion_locked": None, "due_date": None, "moved_to_id": None,
    "duplicated_to_id": None, "last_edited_at": None, "last_edited_by_id": None,
    "relative_position": None, "time_estimate": 0, "total_time_spent": 0, "time_change": 0,
    "human_total_time_spent": None, "human_time_estimate": None, "human_time_change": None,
    "weight": None, "health_status": None, "severity": "unknown", "type": "Issue",
}  # fmt: skip


class Render:
    """Shapes at one base URL (``http://127.0.0.1:port``), over the store's users."""

    def __init__(self, base_url: str, users: dict[str, UserRec]) -> None:
        self.base = base_url.rstrip("/")
        self.users = users

    # --- REST ----------------------------------------------------------------------------

    def person(self, username: str) -> dict[str, Any]:
        """What every shape of a user carries: id, username, name and avatar."""
        rec = self.users[username]
        return {"id": rec.id, "username": rec.username, "name": rec.name, "avatar_url": AVATAR}

    def user(self, username: str) -> dict[str, Any]:
        """``UserBasic``: what issues and notes name their people by."""
        return self.person(username) | {
            "state": "active",
            "web_url": f"{self.base}/{username}",
        }

    def current_user(self, username: str) -> dict[str, Any]:
        """``GET /user``."""
        rec = self.users[username]
        return self.user(username) | {
            "bot": rec.bot,
            "locked": False,
            "created_at": "2024-01-01T00:00:00.000Z",
            "email": f"{rec.username}@example.com",
            "is_admin": False,
        }

    def project(self, project: ProjectRec, level: int) -> dict[str, Any]:
        """``GET /projects/:id`` as a member with access ``level`` (0: none) sees it."""
        web = f"{self.base}/{project.path_with_namespace}"
        api = f"{self.base}/api/v4/projects/{project.id}"
        space = project.namespace
        access = {"access_level": level, "notification_level": 3} if level else None
        return {
            "id": project.id, "description": None, "name": project.name,
            "name_with_namespace": f"{space} / {project.name}", "path": project.name,
            "path_with_namespace": project.path_with_namespace,
            "created_at": project.created_at, "default_branch": "main", "web_url": web,
            "http_url_to_repo": f"{web}.git", "visibility": project.visibility,
            "namespace": {
                "id": sum(map(ord, space)), "name": space.rsplit("/", 1)[-1],
                "path": space.rsplit("/", 1)[-1], "kind": "group", "full_path": space,
                "parent_id": None, "web_url": f"{self.base}/groups/{space}",
            },
            "archived": project.archived, "issues_enabled": project.issues_enabled,
            "issues_access_level": "enabled" if project.issues_enabled else "disabled",
            "open_issues_count": 0, "last_activity_at": project.created_at,
            "_links": {"self": api, "issues": f"{api}/issues", "labels": f"{api}/labels",
                       "members": f"{api}/members"},
            "permissions": {"project_access": access, "group_access": None},
        }  # fmt: skip

    def issue(self, project: ProjectRec, issue: IssueRec) -> dict[str, Any]:
        """``Entities::Issue`` of the REST API."""
        api = f"{self.base}/api/v4/projects/{project.id}"
        assignees = [self.user(a) for a in issue.assignees]
        return {
            "id": issue.id,
            "iid": issue.iid,
            "project_id": project.id,
            "title": issue.title,
            "description": issue.description,
            "state": issue.state,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": issue.closed_at,
            "closed_by": self.user(issue.closed_by) if issue.closed_by else None,
            "labels": list(issue.labels),
            "assignees": assignees,
            "author": self.user(issue.author),
            "assignee": assignees[0] if assignees else None,
            "user_notes_count": issue.user_notes_count,
            "confidential": issue.confidential,
            "web_url": f"{self.base}/{project.path_with_namespace}/-/issues/{issue.iid}",
            **_ISSUE_STATIC,
            "_links": {
                "self": f"{api}/issues/{issue.iid}",
                "notes": f"{api}/issues/{issue.iid}/notes",
                "award_emoji": f"{api}/issues/{issue.iid}/award_emoji",
                "project": api,
                "closed_as_duplicate_of": None,
            },
            "references": {
                "short": f"#{issue.iid}",
                "relative": f"#{issue.iid}",
                "full": f"{project.path_with_namespace}#{issue.iid}",
            },
        }

    def note(self, note: NoteRec) -> dict[str, Any]:
        """``Entities::Note``: ``internal`` (and its older name ``confidential``)."""
        return {
            "id": note.id,
            "type": None,
            "body": note.body,
            "attachment": None,
            "author": self.user(note.author),
            "created_at": note.created_at,
            "updated_at": note.updated_at,
            "system": note.system,
            "noteable_id": note.issue_id,
            "noteable_type": "Issue",
            "noteable_iid": note.issue_iid,
            "confidential": note.internal,
            "internal": note.internal,
            **_NOTE_STATIC,
        }

    def label(self, project: ProjectRec, title: str) -> dict[str, Any]:
        """A label as webhook payloads carry it."""
        return {
            "id": project.labels.get(title, 0), "title": title, "color": "#6699cc",
            "project_id": project.id, "created_at": project.created_at,
            "updated_at": project.created_at, "template": False, "description": None,
            "type": "ProjectLabel", "group_id": None,
        }  # fmt: skip

    def rest_label(self, project: ProjectRec, title: str) -> dict[str, Any]:
        """``GET /projects/:id/labels``."""
        return {
            "id": project.labels[title], "name": title, "color": "#6699cc",
            "text_color": "#FFFFFF", "description": None, "description_html": "",
            "open_issues_count": 0, "closed_issues_count": 0, "open_merge_requests_count": 0,
            "subscribed": False, "priority": None, "is_project_label": True,
        }  # fmt: skip

    # --- webhooks ------------------------------------------------------------------------

    def hook_user(self, username: str) -> dict[str, Any]:
        # the email is what GitLab sends since 16.x
        return self.person(username) | {"email": "[REDACTED]"}

    def hook_project(self, project: ProjectRec) -> dict[str, Any]:
        web = f"{self.base}/{project.path_with_namespace}"
        ssh = f"git@{self.base.split('://', 1)[-1]}:{project.path_with_namespace}.git"
        return {
            "id": project.id, "name": project.name, "description": None, "web_url": web,
            "avatar_url": None, "git_ssh_url": ssh, "git_http_url": f"{web}.git",
            "namespace": project.namespace.rsplit("/", 1)[-1],
            "visibility_level": {"private": 0, "internal": 10}.get(project.visibility, 20),
            "path_with_namespace": project.path_with_namespace, "default_branch": "main",
            "ci_config_path": None, "homepage": web, "url": f"{web}.git", "ssh_url": ssh,
            "http_url": f"{web}.git",
        }  # fmt: skip

    def hook_issue(self, project: ProjectRec, issue: IssueRec) -> dict[str, Any]:
        """An issue as hooks carry it: ids for people, label objects, ``url``."""
        author = self.users[issue.author].id
        assignee_ids = [self.users[a].id for a in issue.assignees]
        return {
            "id": issue.id,
            "title": issue.title,
            "assignee_ids": assignee_ids,
            "assignee_id": assignee_ids[0] if assignee_ids else None,
            "author_id": author,
            "project_id": project.id,
            "created_at": hook_time(issue.created_at),
            "updated_at": hook_time(issue.updated_at),
            "updated_by_id": author,
            "closed_at": hook_time(issue.closed_at),
            "description": issue.description,
            "state_id": 1 if issue.state == "opened" else 2,
            "confidential": issue.confidential,
            "iid": issue.iid,
            "url": f"{self.base}/{project.path_with_namespace}/-/issues/{issue.iid}",
            "state": issue.state,
            **_HOOK_ISSUE_STATIC,
            "labels": [self.label(project, t) for t in issue.labels],
        }

    def issue_hook(
        self, project: ProjectRec, issue: IssueRec, who: str, action: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """An Issue Hook payload (``object_attributes.action``: open, update, close, reopen)."""
        shown = {k: self._change(project, k, v) for k, v in changes.items()}
        return {
            "object_kind": "issue",
            "event_type": "confidential_issue" if issue.confidential else "issue",
            "user": self.hook_user(who),
            "project": self.hook_project(project),
            "object_attributes": self.hook_issue(project, issue) | {"action": action},
            "labels": [self.label(project, t) for t in issue.labels],
            "changes": shown,
            "repository": self._repository(project),
            "assignees": [self.hook_user(a) for a in issue.assignees],
            "assignee": self.hook_user(issue.assignees[0]) if issue.assignees else None,
        }

    def note_hook(
        self, project: ProjectRec, issue: IssueRec, note: NoteRec, who: str, action: str
    ) -> dict[str, Any]:
        """A Note Hook payload for a note on an issue (``action``: create, update)."""
        issue_url = f"{self.base}/{project.path_with_namespace}/-/issues/{issue.iid}"
        attributes = {
            "id": note.id,
            "note": note.body,
            "noteable_type": "Issue",
            "author_id": self.users[note.author].id,
            "created_at": hook_time(note.created_at),
            "updated_at": hook_time(note.updated_at),
            "project_id": project.id,
            "attachment": None,
            "line_code": None,
            "commit_id": "",
            "noteable_id": issue.id,
            "system": note.system,
            "st_diff": None,
            "discussion_id": f"{note.id:040x}",
            "type": None,
            "internal": note.internal,
            "confidential": note.internal,
            "description": note.body,
            "action": action,
            "url": f"{issue_url}#note_{note.id}",
        }
        hook_issue = self.hook_issue(project, issue)
        return {
            "object_kind": "note",
            "event_type": "confidential_note" if note.internal else "note",
            "user": self.hook_user(who),
            "project_id": project.id,
            "project": self.hook_project(project),
            "object_attributes": attributes,
            "repository": self._repository(project),
            "issue": hook_issue,
        }

    def _change(self, project: ProjectRec, key: str, change: dict[str, Any]) -> dict[str, Any]:
        if key == "labels":
            return {k: [self.label(project, t) for t in v] for k, v in change.items()}
        if key in ("updated_at", "closed_at"):
            return {k: hook_time(v) for k, v in change.items()}
        return change

    def _repository(self, project: ProjectRec) -> dict[str, Any]:
        web = f"{self.base}/{project.path_with_namespace}"
        return {"name": project.name, "url": f"{web}.git", "description": None, "homepage": web}
