"""A developer on the emulated GitHub, for the demo, end-to-end tests and benchmarks.

Acts in process through the emulator's ``*_as`` helpers (which fire the same webhooks as the
API) and reads state without spending rate budget, so request counters only show syncd's own
traffic.
"""

from __future__ import annotations

from dataclasses import replace
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
    parse_comment_key,
    parse_issue_key,
)
from ..settings import GitHubSettings
from .app import GitHubEmulator, build
from .limits import GitHubLimits

CLOSE_REASON = {
    IssueStatus.DONE: "completed",
    IssueStatus.WONT_DO: "not_planned",
    IssueStatus.DUPLICATE: "duplicate",
}


class GitHubActor(EmulatorActor[GitHubEmulator]):
    """``dev-alice`` on the emulated GitHub."""

    def __init__(self, emulator: GitHubEmulator, instance: str, base_url: str) -> None:
        super().__init__(emulator, instance, base_url)
        self.login = DEV_LOGIN
        self.rules = GitHubSettings().rules(instance, BOT_LOGIN)
        self.credentials = token_credentials("login")

    def ensure_project(self, project: str) -> None:
        """Create the repository when it is not there yet."""
        if project not in self.emulator.store.repos:
            self.emulator.add_repo(project)

    def comment(self, issue: Ref, body: str) -> Ref:
        repo, number = parse_issue_key(issue.key)
        cid = self.emulator.comment_as(self.login, repo, number, body)
        return Ref.comment(self.instance, f"{repo}#comment-{cid}")

    def edit_comment(self, issue: Ref, comment: Ref, body: str) -> None:
        repo, cid = parse_comment_key(comment.key)
        self.emulator.edit_comment_as(self.login, repo, cid, body)

    def delete_comment(self, issue: Ref, comment: Ref) -> None:
        repo, cid = parse_comment_key(comment.key)
        self.emulator.delete_comment_as(self.login, repo, cid)

    def set_status(self, issue: Ref, status: IssueStatus) -> None:
        repo, number = parse_issue_key(issue.key)
        if status.is_closed:
            self.emulator.close_as(self.login, repo, number, CLOSE_REASON[status])
        elif status == IssueStatus.IN_PROGRESS:
            if self.issue(issue).status.is_closed:
                self.emulator.reopen_as(self.login, repo, number)
            self.emulator.label_as(self.login, repo, number, "in progress")
        else:
            self.emulator.reopen_as(self.login, repo, number)

    def add_milestone(self, project: str, title: str, due_on: str | None = None) -> int:
        """A milestone in ``project`` (``due_on``: ``2027-01-14T08:00:00Z``); its number."""
        with self.emulator.store.lock:
            repo = self.emulator.store.repo(project)
            return self.emulator.store.add_milestone(repo, title, due_on=due_on).number

    def set_milestone(self, issue: Ref, title: str | None) -> None:
        """Put the issue in the milestone titled ``title`` (None: in none)."""
        repo, number = parse_issue_key(issue.key)
        with self.emulator.store.lock:
            held = self.emulator.store.repo(repo).milestones.values()
            found = next((m.number for m in held if m.title == title), None)
        if title is not None and found is None:
            raise ValueError(f"no milestone {title!r} in {repo}")
        self.emulator.edit_issue_as(self.login, repo, number, milestone=found)

    def delete(self, issue: Ref) -> None:
        repo, number = parse_issue_key(issue.key)
        self.emulator.delete_issue_as(self.login, repo, number)

    def issue(self, ref: Ref) -> Issue:
        repo, number = parse_issue_key(ref.key)
        return issue_from_raw(self.served(self.emulator.issue(repo, number)), self.rules, repo)

    def issues(self, project: str) -> list[Issue]:
        with self.emulator.store.lock:
            numbers = sorted(self.emulator.store.repo(project).issues)
        return [self.issue(Ref.issue(self.instance, f"{project}#{n}")) for n in numbers]

    def comments(self, ref: Ref) -> list[Comment]:
        repo, number = parse_issue_key(ref.key)
        return [
            comment_from_raw(self.served(c), self.rules, repo)
            for c in self.emulator.comments(repo, number)
        ]


def config(base_url: str, webhook_secret: str | None) -> dict[str, Any]:
    """The connector settings syncd's bot uses against this emulator."""
    return bot_settings("github", base_url, webhook_secret, token=BOT_TOKEN, bot_login=BOT_LOGIN)


def build_for_tests(
    webhook_url: str | None = None, webhook_secret: str | None = None, **kw: Any
) -> GitHubEmulator:
    """An emulator for the sandbox: GitHub's secondary limits lifted unless ``limits`` is
    given (``limits={}``: all of GitHub's own), so tests that write fast measure syncd."""
    if "limits" not in kw:
        lifted = GitHubLimits.lifted()
        kw["limits"] = replace(lifted, requests_per_hour=kw.pop("rate_limit", 5000))
    return build(webhook_url, webhook_secret, **kw)


KIT = EmulatorKit(build=build_for_tests, actor=GitHubActor, config=config)
