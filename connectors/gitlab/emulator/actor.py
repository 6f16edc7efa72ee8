"""A developer on the emulated GitLab, for the demo, end-to-end tests and benchmarks.

Acts in process on the emulator's store (firing the same hooks the API does) and reads state
without spending rate budget, so request counters only show syncd's own traffic.
"""

from __future__ import annotations

from typing import Any

from syncd.connector import EmulatorKit
from syncd.model import Comment, Issue, IssueStatus, Ref
from syncd.testing.emulator_parts import (
    BOT_LOGIN,
    BOT_TOKEN,
    DEV_LOGIN,
    EmulatorActor,
    bot_settings,
    token_credentials,
)

from ..mapping import (
    comment_from_raw,
    issue_from_raw,
    label_changes,
    parse_comment_key,
    parse_issue_key,
    state_event,
)
from ..settings import GitLabSettings
from .app import GitLabEmulator, build
from .state import Store


class GitLabActor(EmulatorActor[GitLabEmulator]):
    """``dev-alice`` on the emulated GitLab."""

    def __init__(self, emulator: GitLabEmulator, instance: str, base_url: str) -> None:
        super().__init__(emulator, instance, base_url)
        self.username = DEV_LOGIN
        self.rules = GitLabSettings().rules(instance, BOT_LOGIN)
        self.credentials = token_credentials("username")

    def ensure_project(self, project: str) -> None:
        """Create the project when it is not there yet."""
        self.emulator.add_project(project)

    def create_issue(self, project: str, title: str, description: str = "") -> Ref:
        """Open an issue as the developer."""
        made: list[int] = []

        def change(store: Store) -> list[Any]:
            rec = self.emulator.project(project)
            issue, events = store.create_issue(
                DEV_LOGIN, rec, {"title": title, "description": description}
            )
            made.append(issue.iid)
            return events

        self.emulator.act(change)
        return Ref.issue(self.instance, f"{project}#{made[0]}")

    def comment(self, issue: Ref, body: str, *, internal: bool = False) -> Ref:
        """A public note (or an internal one) by the developer."""
        project, iid = parse_issue_key(issue.key)
        made: list[int] = []

        def change(store: Store) -> list[Any]:
            rec = store.issue(self.emulator.project(project), iid)
            note, events = store.add_note(DEV_LOGIN, rec, body, internal=internal)
            made.append(note.id)
            return events

        self.emulator.act(change)
        return Ref.comment(self.instance, f"{issue.key}/note-{made[0]}")

    def edit_comment(self, issue: Ref, comment: Ref, body: str) -> None:
        project, iid, note_id = parse_comment_key(comment.key)

        def change(store: Store) -> list[Any]:
            rec = store.issue(self.emulator.project(project), iid)
            return store.edit_note(DEV_LOGIN, rec, store.note(rec, note_id), body)

        self.emulator.act(change)

    def delete_comment(self, issue: Ref, comment: Ref) -> None:
        project, iid, note_id = parse_comment_key(comment.key)

        def change(store: Store) -> list[Any]:
            rec = store.issue(self.emulator.project(project), iid)
            store.delete_note(DEV_LOGIN, rec, store.note(rec, note_id))
            return []

        self.emulator.act(change)

    def set_status(self, issue: Ref, status: IssueStatus) -> None:
        """Close (with the won't-do or duplicate label when it is one) or reopen."""
        project, iid = parse_issue_key(issue.key)

        def change(store: Store) -> list[Any]:
            rec = self.emulator.project(project)
            found = store.issue(rec, iid)
            add, remove = label_changes(found.labels, self.rules, status=status)
            fields: dict[str, Any] = {"add_labels": add, "remove_labels": remove}
            if event := state_event(status, "closed" if found.state == "closed" else "opened"):
                fields["state_event"] = event
            return store.update_issue(DEV_LOGIN, rec, found, fields)

        self.emulator.act(change)

    def delete(self, issue: Ref) -> None:
        """Delete the issue, as the project's owner would."""
        project, iid = parse_issue_key(issue.key)

        def change(store: Store) -> list[Any]:
            rec = self.emulator.project(project)
            rec.members["gitlab-owner"] = 50
            store.add_user("gitlab-owner")
            store.delete_issue("gitlab-owner", rec, store.issue(rec, iid))
            return []

        self.emulator.act(change)

    def issue(self, ref: Ref) -> Issue:
        project, iid = parse_issue_key(ref.key)
        return issue_from_raw(self.served(self.emulator.issue(project, iid)), self.rules, project)

    def issues(self, project: str) -> list[Issue]:
        with self.emulator.store.lock:
            rec = self.emulator.project(project)
            iids = sorted(iid for (pid, iid) in self.emulator.store.issues if pid == rec.id)
        return [self.issue(Ref.issue(self.instance, f"{project}#{n}")) for n in iids]

    def comments(self, ref: Ref) -> list[Comment]:
        project, iid = parse_issue_key(ref.key)
        return [
            comment_from_raw(raw, self.rules, project, iid)
            for raw in self.emulator.notes(project, iid)
            if not raw.get("system")
        ]


def config(base_url: str, webhook_secret: str | None) -> dict[str, Any]:
    """The connector settings syncd's bot uses against this emulator."""
    return bot_settings("gitlab", base_url, webhook_secret, token=BOT_TOKEN, bot_username=BOT_LOGIN)


KIT = EmulatorKit(build=build, actor=GitLabActor, config=config)
