"""The GitHub emulator's in-process helpers: set accounts and repositories up, read issues
and comments without spending budget, and act as a human (the ``*_as`` methods), firing the
same webhooks the API does. :class:`InProcess` is a part of :class:`.app.GitHubEmulator`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from syncd.testing.emulation import EmulatorControl

from .records import CommentRec, Event, IssueRec, RepoRec
from .state import Store


class InProcess:
    """Set up, inspect and act as a human, in process."""

    store: Store
    tokens: dict[str, str]
    control: EmulatorControl

    def fire(self, event: Event) -> None:
        raise NotImplementedError

    def repo_json(self, repo: RepoRec) -> dict[str, Any]:
        raise NotImplementedError

    def issue_json(self, repo: RepoRec, issue: IssueRec) -> dict[str, Any]:
        raise NotImplementedError

    def comment_json(self, repo: RepoRec, comment: CommentRec) -> dict[str, Any]:
        raise NotImplementedError

    def _fire_all(self, events: list[Event]) -> None:
        for event in events:
            self.fire(event)

    @contextmanager
    def _writing(
        self, login: str, full_name: str, number: int
    ) -> Iterator[tuple[RepoRec, IssueRec]]:
        """The repository ``login`` may write and its issue ``number``, under the lock."""
        with self.store.lock:
            repo = self.store.writable(full_name, login)
            yield repo, self.store.issue(repo, number)

    def add_user(self, login: str, token: str | None = None) -> None:
        """Add an account, reachable with ``token`` when given."""
        with self.store.lock:
            self.store.add_user(login, token)
            if token:
                self.tokens[token] = login

    def add_repo(self, full_name: str) -> dict[str, Any]:
        """Create a repository (``owner/name``); idempotent."""
        with self.store.lock:
            return self.repo_json(self.store.add_repo(full_name))

    def set_private(self, full_name: str, private: bool = True) -> None:
        """Make a repository private (or public again)."""
        with self.store.lock:
            self.store.repo(full_name).private = private

    def disable_issues(self, full_name: str, disabled: bool = True) -> None:
        """Turn a repository's Issues feature off (its issue endpoints then answer 410)."""
        with self.store.lock:
            self.store.repo(full_name).has_issues = not disabled

    def archive(self, full_name: str, archived: bool = True) -> None:
        """Archive a repository: reads work, writes get 403."""
        with self.store.lock:
            self.store.repo(full_name).archived = archived

    def forbid(self, login: str, full_name: str) -> None:
        """Take ``login``'s access to a repository away (403 on every call)."""
        with self.store.lock:
            self.store.forbidden.add((login, self.store.repo(full_name).full_name))

    def exhaust_budget(self, login: str, for_seconds: float | None = None) -> None:
        """Use up ``login``'s rate budget; with ``for_seconds`` it resets that soon."""
        self.control.budget.exhaust(login, for_seconds)

    def issue(self, full_name: str, number: int) -> dict[str, Any]:
        """The REST JSON of an issue, read without spending budget."""
        with self.store.lock:
            repo = self.store.repo(full_name)
            return self.issue_json(repo, repo.issues[number])

    def comments(self, full_name: str, number: int) -> list[dict[str, Any]]:
        """The comments of an issue, oldest first."""
        with self.store.lock:
            repo = self.store.repo(full_name)
            found = [
                c
                for c in self.store.comments.values()
                if c.repo == repo.full_name and c.number == number
            ]
            return [self.comment_json(repo, c) for c in sorted(found, key=lambda c: c.id)]

    def create_issue_as(
        self,
        login: str,
        full_name: str,
        title: str,
        body: str = "",
        labels: tuple[str, ...] = (),
        *,
        pull_request: bool = False,
    ) -> int:
        """Open an issue (or a pull request) as ``login``; returns its number."""
        with self.store.lock:
            repo = self.store.writable(full_name, login)
            issue, events = self.store.create_issue(
                login, repo, title, body, list(labels), pull_request=pull_request
            )
            self._fire_all(events)
            return issue.number

    def edit_issue_as(self, login: str, full_name: str, number: int, **fields: Any) -> None:
        """PATCH an issue as ``login`` (title, body, state, state_reason, labels, assignees)."""
        with self._writing(login, full_name, number) as (repo, issue):
            self._fire_all(self.store.update_issue(login, repo, issue, fields))

    def close_as(self, login: str, full_name: str, number: int, reason: str = "completed") -> None:
        """Close an issue as ``login`` with a ``state_reason``."""
        self.edit_issue_as(login, full_name, number, state="closed", state_reason=reason)

    def reopen_as(self, login: str, full_name: str, number: int) -> None:
        """Reopen an issue as ``login``."""
        self.edit_issue_as(login, full_name, number, state="open")

    def label_as(self, login: str, full_name: str, number: int, *labels: str) -> None:
        """Add labels as ``login``."""
        with self._writing(login, full_name, number) as (repo, issue):
            self._fire_all(self.store.add_labels(login, repo, issue, list(labels)))

    def unlabel_as(self, login: str, full_name: str, number: int, label: str) -> None:
        """Remove one label as ``login``."""
        with self._writing(login, full_name, number) as (repo, issue):
            self._fire_all(self.store.remove_label(login, repo, issue, label))

    def comment_as(self, login: str, full_name: str, number: int, body: str) -> int:
        """Comment as ``login``; returns the comment id."""
        with self._writing(login, full_name, number) as (repo, issue):
            comment, events = self.store.add_comment(login, repo, issue, body)
            self._fire_all(events)
            return comment.id

    def edit_comment_as(self, login: str, full_name: str, comment_id: int, body: str) -> None:
        """Edit a comment as ``login``."""
        with self.store.lock:
            repo = self.store.writable(full_name, login)
            comment = self.store.comment(repo, comment_id)
            self._fire_all(self.store.edit_comment(login, repo, comment, body))

    def delete_comment_as(self, login: str, full_name: str, comment_id: int) -> None:
        """Delete a comment as ``login``."""
        with self.store.lock:
            repo = self.store.writable(full_name, login)
            comment = self.store.comment(repo, comment_id)
            self._fire_all(self.store.delete_comment(login, repo, comment))

    def delete_issue_as(self, login: str, full_name: str, number: int) -> None:
        """Delete an issue (an admin's act): reads then answer 410."""
        with self._writing(login, full_name, number) as (repo, issue):
            self._fire_all(self.store.delete_issue(login, repo, issue))

    def transfer_as(self, login: str, full_name: str, number: int, target: str) -> int:
        """Transfer an issue to another repository; returns the new number."""
        with self._writing(login, full_name, number) as (repo, issue):
            moved, events = self.store.transfer_issue(
                login, repo, issue, self.store.writable(target, login)
            )
            self._fire_all(events)
            return moved.number
