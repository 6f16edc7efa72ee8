"""The GitHub emulator's store: users, repositories, issues, comments, and how they change.

Every mutation takes the acting login, validates like GitHub does (raising :class:`ApiError`
with GitHub's status and message), and returns the webhook events GitHub would send for it.
Callers hold :attr:`Store.lock`.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from .attributes import IssueAttributes
from .records import (
    STATE_REASONS,
    STATES,
    ApiError,
    CommentRec,
    Event,
    IssueRec,
    RepoRec,
    UserRec,
    invalid_field,
    missing_field,
    now_iso,
)


class Store(IssueAttributes):
    """Users, repositories, issues, labels and comments, with GitHub's rules."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, UserRec] = {}
        self.tokens: dict[str, str] = {}
        self.repos: dict[str, RepoRec] = {}
        self.comments: dict[int, CommentRec] = {}
        # (login, repo) pairs whose access the organisation took away: 403 on everything
        self.forbidden: set[tuple[str, str]] = set()
        self._ids = itertools.count(1001)

    def next_id(self) -> int:
        return next(self._ids)

    # --- accounts and repositories -------------------------------------------------------

    def add_user(self, login: str, token: str | None = None, *, bot: bool = False) -> UserRec:
        user = self.users.get(login) or UserRec(login=login, id=self.next_id(), bot=bot)
        self.users[login] = user
        if token:
            self.tokens[token] = login
        return user

    def login_for(self, token: str) -> str | None:
        return self.tokens.get(token)

    def add_repo(self, full_name: str, *, archived: bool = False) -> RepoRec:
        owner, name = full_name.split("/", 1)
        self.add_user(owner)
        repo = self.repos.get(full_name.lower())
        if repo is None:
            repo = RepoRec(id=self.next_id(), owner=owner, name=name, created_at=now_iso())
            self.repos[full_name.lower()] = repo
        repo.archived = archived
        return repo

    def repo(self, full_name: str, login: str | None = None) -> RepoRec:
        repo = self.repos.get(full_name.lower())
        if repo is None:
            raise ApiError(404, "Not Found")
        if login is not None and (login, repo.full_name) in self.forbidden:
            raise ApiError(403, "Resource not accessible by personal access token")
        return repo

    def writable(self, full_name: str, login: str) -> RepoRec:
        repo = self.repo(full_name, login)
        if repo.archived:
            raise ApiError(403, "Repository was archived so is read-only.")
        return repo

    def issue(self, repo: RepoRec, number: int) -> IssueRec:
        issue = repo.issues.get(number)
        if issue is None:
            raise ApiError(404, "Not Found")
        if issue.deleted:
            raise ApiError(410, "This issue was deleted")
        if issue.moved_to is not None:
            new_repo, new_number = issue.moved_to
            raise ApiError(301, "Moved Permanently", extra={"moved_to": (new_repo, new_number)})
        return issue

    # --- issues --------------------------------------------------------------------------

    def create_issue(
        self,
        login: str,
        repo: RepoRec,
        title: Any,
        body: str | None = None,
        labels: list[str] | tuple[str, ...] = (),
        assignees: list[str] | tuple[str, ...] = (),
        *,
        pull_request: bool = False,
    ) -> tuple[IssueRec, list[Event]]:
        if not isinstance(title, str) or not title.strip():
            raise missing_field("Issue", "title")
        stamp = now_iso()
        issue = IssueRec(
            id=self.next_id(),
            number=repo.next_number,
            repo=repo.full_name,
            title=title,
            body=body,
            user=login,
            created_at=stamp,
            updated_at=stamp,
            pull_request=pull_request,
        )
        repo.next_number += 1
        issue.labels = [self.label(repo, name).name for name in dict.fromkeys(labels)]
        issue.assignees = [a for a in dict.fromkeys(assignees) if self.add_user(a)]
        repo.issues[issue.number] = issue
        event = Event("issues", "opened", repo.full_name, issue.number, login)
        return issue, [event]

    def update_issue(
        self, login: str, repo: RepoRec, issue: IssueRec, fields: dict[str, Any]
    ) -> list[Event]:
        """A ``PATCH`` of an issue: title, body, state, state_reason, labels, assignees,
        milestone (a number, or null)."""
        state = fields.get("state", issue.state)
        reason = fields.get("state_reason")
        if state not in STATES:
            raise invalid_field("Issue", "state", state)
        if reason is not None and reason not in STATE_REASONS:
            raise invalid_field("Issue", "state_reason", reason)
        if "title" in fields and (not isinstance(fields["title"], str) or not fields["title"]):
            raise missing_field("Issue", "title")
        events: list[Event] = []
        key = (repo.full_name, issue.number, login)
        changes: dict[str, Any] = {}
        for name in ("title", "body"):
            if name in fields and fields[name] != getattr(issue, name):
                changes[name] = {"from": getattr(issue, name)}
                setattr(issue, name, fields[name])
        if changes:
            events.append(Event("issues", "edited", *key, extra={"changes": changes}))
        if state == "closed" and (
            issue.state != "closed" or reason not in (None, issue.state_reason)
        ):
            issue.state, issue.state_reason = "closed", reason or "completed"
            issue.closed_at = now_iso()
            events.append(Event("issues", "closed", *key))
        elif state == "open" and issue.state == "closed":
            issue.state, issue.state_reason, issue.closed_at = "open", "reopened", None
            events.append(Event("issues", "reopened", *key))
        if "labels" in fields:
            events += self.set_labels(login, repo, issue, list(fields["labels"] or []), touch=False)
        if "milestone" in fields:
            events += self._milestone(login, repo, issue, fields["milestone"])
        if "assignees" in fields or "assignee" in fields:
            wanted = fields.get("assignees")
            if wanted is None:
                wanted = [fields["assignee"]] if fields.get("assignee") else []
            events += self._assign(login, repo, issue, [str(a) for a in wanted])
        if events:
            issue.updated_at = now_iso()
        return events

    def delete_issue(self, login: str, repo: RepoRec, issue: IssueRec) -> list[Event]:
        issue.deleted = True
        issue.updated_at = now_iso()
        return [Event("issues", "deleted", repo.full_name, issue.number, login)]

    def transfer_issue(
        self, login: str, repo: RepoRec, issue: IssueRec, target: RepoRec
    ) -> tuple[IssueRec, list[Event]]:
        moved, _ = self.create_issue(login, target, issue.title, issue.body, issue.labels)
        moved.user, moved.created_at = issue.user, issue.created_at
        moved.comment_count = issue.comment_count
        for comment in self.comments.values():
            if comment.repo == repo.full_name and comment.number == issue.number:
                comment.repo, comment.number = target.full_name, moved.number
        issue.moved_to = (target.full_name, moved.number)
        extra = {"new_repo": target.full_name, "new_number": moved.number}
        return moved, [
            Event("issues", "transferred", repo.full_name, issue.number, login, extra=extra),
            Event("issues", "opened", target.full_name, moved.number, login),
        ]

    # --- comments ------------------------------------------------------------------------

    def add_comment(
        self, login: str, repo: RepoRec, issue: IssueRec, body: Any
    ) -> tuple[CommentRec, list[Event]]:
        if not isinstance(body, str) or not body.strip():
            raise missing_field("IssueComment", "body")
        stamp = now_iso()
        comment = CommentRec(
            self.next_id(), repo.full_name, issue.number, login, body, stamp, stamp
        )
        self.comments[comment.id] = comment
        issue.comment_count += 1
        issue.updated_at = stamp
        return comment, [
            Event("issue_comment", "created", repo.full_name, issue.number, login, comment=comment)
        ]

    def comment(self, repo: RepoRec, comment_id: int) -> CommentRec:
        comment = self.comments.get(comment_id)
        if comment is None or comment.repo != repo.full_name:
            raise ApiError(404, "Not Found")
        return comment

    def edit_comment(
        self, login: str, repo: RepoRec, comment: CommentRec, body: Any
    ) -> list[Event]:
        if not isinstance(body, str) or not body.strip():
            raise missing_field("IssueComment", "body")
        old = comment.body
        comment.body, comment.updated_at = body, now_iso()
        return [
            Event(
                "issue_comment",
                "edited",
                repo.full_name,
                comment.number,
                login,
                comment=comment,
                extra={"changes": {"body": {"from": old}}},
            )
        ]

    def delete_comment(self, login: str, repo: RepoRec, comment: CommentRec) -> list[Event]:
        del self.comments[comment.id]
        issue = repo.issues.get(comment.number)
        if issue is not None:
            issue.comment_count = max(0, issue.comment_count - 1)
            issue.updated_at = now_iso()
        return [
            Event(
                "issue_comment", "deleted", repo.full_name, comment.number, login, comment=comment
            )
        ]
