"""What the GitLab emulator holds: users and tokens, projects, issues and notes, and the rules
GitLab applies when they change (iids per project, a note touching its issue, who may write).

Every mutation returns the webhook :class:`Event` values it owes; the caller holds ``lock``
and fires them.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from .records import (
    DEVELOPER,
    GUEST,
    MAINTAINER,
    OWNER,
    ApiError,
    Event,
    IssueRec,
    NoteRec,
    ProjectRec,
    UserRec,
    forbidden,
    not_found,
    now_iso,
)


class Store:
    """The emulated instance's records; ``lock`` guards all of them."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, UserRec] = {}
        self.tokens: dict[str, str] = {}  # token -> username
        self.projects: dict[int, ProjectRec] = {}
        self.paths: dict[str, int] = {}  # lower-cased full path -> project id
        self.issues: dict[tuple[int, int], IssueRec] = {}  # (project id, iid)
        self.notes: dict[int, NoteRec] = {}
        self._ids = itertools.count(1000)

    def next_id(self) -> int:
        return next(self._ids)

    # --- accounts and projects -----------------------------------------------------------

    def add_user(self, username: str, token: str | None = None, *, bot: bool = False) -> UserRec:
        user = self.users.get(username)
        if user is None:
            name = username.replace("-", " ").title()
            user = self.users[username] = UserRec(self.next_id(), username, name, bot=bot)
        if token:
            self.tokens[token] = username
        return user

    def user_by_id(self, user_id: int) -> UserRec | None:
        return next((u for u in self.users.values() if u.id == user_id), None)

    def add_project(self, path: str, *, visibility: str = "private") -> ProjectRec:
        found = self.paths.get(path.lower())
        if found is not None:
            return self.projects[found]
        project = ProjectRec(self.next_id(), path, visibility=visibility)
        # every account of the emulator is a developer there unless a test says otherwise
        project.members = {name: DEVELOPER for name in self.users}
        self.projects[project.id] = project
        self.paths[path.lower()] = project.id
        return project

    def project(self, ref: str, username: str) -> ProjectRec:
        """A project by numeric id or full path, as ``username`` may see it (else 404)."""
        pid = int(ref) if ref.isdigit() else self.paths.get(ref.lower())
        project = self.projects.get(pid) if pid is not None else None
        if project is None:
            raise not_found("Project")
        if project.visibility != "public" and self.level(project, username) < GUEST:
            raise not_found("Project")  # GitLab hides what a user may not see
        return project

    def level(self, project: ProjectRec, username: str) -> int:
        return project.members.get(username, 0)

    def writable(self, project: ProjectRec, username: str, level: int = GUEST) -> ProjectRec:
        """Raise 403 unless ``username`` may write issues there (archived: read only)."""
        if project.archived or self.level(project, username) < level:
            raise forbidden()
        return project

    def issue(self, project: ProjectRec, iid: int) -> IssueRec:
        if not project.issues_enabled:
            raise forbidden()
        found = self.issues.get((project.id, iid))
        if found is None:
            raise not_found("Issue")
        return found

    def note(self, issue: IssueRec, note_id: int) -> NoteRec:
        found = self.notes.get(note_id)
        if found is None or (found.project_id, found.issue_iid) != (issue.project_id, issue.iid):
            raise not_found("Note")
        return found

    # --- issues --------------------------------------------------------------------------

    def create_issue(
        self, who: str, project: ProjectRec, fields: dict[str, Any]
    ) -> tuple[IssueRec, list[Event]]:
        stamp = now_iso()
        issue = IssueRec(
            id=self.next_id(),
            iid=project.next_iid,
            project_id=project.id,
            title=str(fields["title"]),
            description=fields.get("description"),
            author=who,
            created_at=stamp,
            updated_at=stamp,
            labels=self._labels(project, fields.get("labels") or []),
            assignees=list(fields.get("assignees") or []),
            confidential=bool(fields.get("confidential")),
        )
        project.next_iid += 1
        self.issues[(project.id, issue.iid)] = issue
        return issue, [Event("issue", "open", project.id, issue.iid, who)]

    def update_issue(
        self, who: str, project: ProjectRec, issue: IssueRec, fields: dict[str, Any]
    ) -> list[Event]:
        """Apply a PUT: title, description, labels, add_labels, remove_labels, state_event."""
        before = {"title": issue.title, "description": issue.description, "labels": issue.labels}
        before_state = issue.state
        if "title" in fields:
            issue.title = str(fields["title"])
        if "description" in fields:
            issue.description = fields["description"]
        labels = list(issue.labels)
        if "labels" in fields:
            labels = list(fields["labels"])
        labels += [n for n in fields.get("add_labels", []) if n not in labels]
        gone = {n.lower() for n in fields.get("remove_labels", [])}
        issue.labels = self._labels(project, [n for n in labels if n.lower() not in gone])
        action = "update"
        event = fields.get("state_event")
        if event == "close" and issue.state == "opened":
            issue.state, issue.closed_at, issue.closed_by, action = (
                "closed",
                now_iso(),
                who,
                "close",
            )
        elif event == "reopen" and issue.state == "closed":
            issue.state, issue.closed_at, issue.closed_by, action = "opened", None, None, "reopen"
        after = {"title": issue.title, "description": issue.description, "labels": issue.labels}
        changes: dict[str, Any] = {
            k: {"previous": before[k], "current": v} for k, v in after.items() if before[k] != v
        }
        if issue.state != before_state:
            changes["state_id"] = {
                "previous": _state_id(before_state),
                "current": _state_id(issue.state),
            }
        if not changes:
            return []  # GitLab neither touches the issue nor calls hooks for a no-op PUT
        previous = issue.updated_at
        issue.updated_at = now_iso()
        changes["updated_at"] = {"previous": previous, "current": issue.updated_at}
        self._system_notes(who, issue, changes)
        return [Event("issue", action, project.id, issue.iid, who, changes=changes)]

    def _system_notes(self, who: str, issue: IssueRec, changes: dict[str, Any]) -> None:
        """The notes GitLab writes itself ("closed", "added ~bug label"); they fire no hook."""
        texts = []
        if "state_id" in changes:
            texts.append("closed" if issue.state == "closed" else "reopened")
        if "labels" in changes:
            added = sorted(set(changes["labels"]["current"]) - set(changes["labels"]["previous"]))
            texts += [f"added ~{n} label" for n in added]
        for text in texts:
            note = NoteRec(self.next_id(), issue.project_id, issue.iid, issue.id, text, who,
                           issue.updated_at, issue.updated_at, system=True)  # fmt: skip
            self.notes[note.id] = note

    def delete_issue(self, who: str, project: ProjectRec, issue: IssueRec) -> None:
        """Delete an issue (owners and admins only, as on GitLab); no hook fires."""
        self.writable(project, who, OWNER)
        del self.issues[(project.id, issue.iid)]
        for note_id in [n.id for n in self.notes.values() if n.issue_id == issue.id]:
            del self.notes[note_id]

    def _labels(self, project: ProjectRec, names: list[str]) -> list[str]:
        out: list[str] = []
        for name in (str(n).strip() for n in names):
            if name and name.lower() not in (x.lower() for x in out):
                project.labels.setdefault(name, self.next_id())  # created on first use
                out.append(name)
        return sorted(out, key=str.lower)

    # --- notes ---------------------------------------------------------------------------

    def add_note(
        self, who: str, issue: IssueRec, body: str, *, internal: bool = False
    ) -> tuple[NoteRec, list[Event]]:
        stamp = now_iso()
        note = NoteRec(
            self.next_id(), issue.project_id, issue.iid, issue.id, body, who, stamp, stamp,
            internal=internal,
        )  # fmt: skip
        self.notes[note.id] = note
        issue.user_notes_count += 1
        issue.updated_at = stamp  # a note touches its issue, as GitLab's Note does
        return note, [Event("note", "create", issue.project_id, issue.iid, who, note_id=note.id)]

    def edit_note(self, who: str, issue: IssueRec, note: NoteRec, body: str) -> list[Event]:
        if note.author != who:
            raise forbidden()
        if note.body == body:
            return []
        note.body = body
        note.updated_at = issue.updated_at = now_iso()
        return [Event("note", "update", issue.project_id, issue.iid, who, note_id=note.id)]

    def delete_note(self, who: str, issue: IssueRec, note: NoteRec) -> None:
        project = self.projects[issue.project_id]
        if note.author != who and self.level(project, who) < MAINTAINER:
            raise forbidden()
        del self.notes[note.id]
        issue.user_notes_count -= 1

    def notes_of(self, issue: IssueRec) -> list[NoteRec]:
        """Every note of an issue, GitLab's system notes among them, oldest first."""
        return sorted(
            (n for n in self.notes.values() if n.issue_id == issue.id), key=lambda n: n.id
        )


def _state_id(state: str) -> int:
    return 1 if state == "opened" else 2


def check_title(fields: dict[str, Any], *, required: bool) -> None:
    """GitLab's validation of a title: required on create, at most 255 characters."""
    if "title" not in fields:
        if required:
            raise ApiError(400, error="title is missing")
        return
    title = fields["title"]
    if not isinstance(title, str) or not title.strip():
        raise ApiError(400, {"title": ["can't be blank"]})
    if len(title) > 255:
        raise ApiError(400, {"title": ["is too long (maximum is 255 characters)"]})
