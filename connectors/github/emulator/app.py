"""An in-memory GitHub for tests, benchmarks and ``syncd emulate github``.

It answers the REST endpoints the connector calls (see :mod:`.routes`) with GitHub's
shapes, statuses, pagination and rate-limit headers, and sends ``issues`` and
``issue_comment`` webhooks, signed like GitHub's, for every change whoever made it.

``build(tokens={"syncd-token": "syncd-bot", "dev-token": "dev-alice"})`` gives a
:class:`GitHubEmulator`; serve ``.app`` (for example with ``ServerThread``) and drive faults
through ``.control``. The ``*_as`` helpers act as a human in process and fire the same
webhooks the API does.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from starlette.applications import Starlette

from syncd.emulator_kit import Clock, Latency, Quotas, retry_after
from syncd.testing.emulation import (
    EmulatorControl,
    EmulatorMiddleware,
    RateBudget,
    control_routes,
)

from .admin import Admin
from .limits import GitHubLimits, Secondary
from .records import CommentRec, Event, IssueRec, RepoRec
from .render import comment_json, issue_json, milestone_json, repo_json, user_json
from .routes import Api, error_body
from .state import Store

DEFAULT_TOKENS = {"syncd-token": "syncd-bot", "dev-token": "dev-alice", "pm-token": "pm-bob"}


class GitHubEmulator:
    """State, control and ASGI app of one emulated GitHub."""

    def __init__(
        self,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        tokens: dict[str, str] | None = None,
        *,
        limits: GitHubLimits | None = None,
        latency: Latency | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.webhook_secret = webhook_secret
        self.base_url = "http://127.0.0.1"
        self.hook_id = 424242
        self.tokens = dict(tokens if tokens is not None else DEFAULT_TOKENS)
        # roles, token scopes and webhooks (kept by reset, like the tokens)
        self.admin = Admin(self)
        self.store = Store()
        self._add_tokens()
        self.control = EmulatorControl(self._sign, latency=latency, clock=clock)
        self.set_limits(limits or GitHubLimits())
        self.control.webhooks.configure(webhook_url)
        api = Api(self).app()
        outer = Starlette(routes=control_routes(self.control, self.reset))
        outer.mount("/", api)
        self.app = EmulatorMiddleware(
            outer,
            self.control,
            error_body,
            self._retry_headers,
        )

    def set_limits(self, limits: GitHubLimits) -> None:
        """Hold every token to ``limits`` from now on, every window fresh."""
        clock = self.control.clock
        self.limits = limits
        window = 3600.0 * limits.window_scale
        self.control.budget = RateBudget(limits.requests_per_hour, window, clock=clock)
        self.secondary = Secondary(limits, Quotas(clock))

    def _add_tokens(self) -> None:
        for token, login in self.tokens.items():
            self.store.add_user(login, token, bot="bot" in login)

    def _sign(self, body: bytes) -> dict[str, str]:
        if not self.webhook_secret:
            return {}
        key = self.webhook_secret.encode()
        return {
            "X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest(),
            "X-Hub-Signature": "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest(),
        }

    @staticmethod
    def _retry_headers(seconds: float) -> dict[str, str]:
        return {**retry_after(seconds, minimum=0), "X-RateLimit-Resource": "core"}

    def reset(self) -> None:
        """Forget every repository, issue and comment; keep the accounts."""
        with self.store.lock:
            self.store = Store()
            self._add_tokens()

    def configure_webhooks(self, url: str | None, secret: str | None = None) -> None:
        """Point deliveries at ``url``, signed with ``secret`` when given."""
        if secret is not None:
            self.webhook_secret = secret
        self.control.webhooks.configure(url)

    # --- shapes at the current base URL --------------------------------------------------

    def repo_json(self, repo: RepoRec) -> dict[str, Any]:
        data = repo_json(self.base_url, repo, self.store.users[repo.owner])
        if repo.owner in self.admin.orgs:
            data["owner"]["type"] = "Organization"
        return data

    def issue_json(self, repo: RepoRec, issue: IssueRec) -> dict[str, Any]:
        return issue_json(self.base_url, repo, issue, self.store.users)

    def comment_json(self, repo: RepoRec, comment: CommentRec) -> dict[str, Any]:
        return comment_json(self.base_url, repo, comment, self.store.users)

    # --- webhooks ------------------------------------------------------------------------

    def fire(self, event: Event) -> None:
        """Send one webhook for ``event`` as GitHub would."""
        with self.store.lock:
            repo = self.store.repos[event.repo.lower()]
            issue = repo.issues[event.number]
            payload: dict[str, Any] = {"action": event.action}
            payload["issue"] = self.issue_json(repo, issue)
            if event.comment is not None:
                payload["comment"] = self.comment_json(repo, event.comment)
            extra = dict(event.extra)
            if "label" in extra:
                payload["label"] = self._label(repo, extra.pop("label"))
            if "assignee" in extra:
                payload["assignee"] = user_json(
                    self.base_url, self.store.users[extra.pop("assignee")]
                )
            if "milestone" in extra and extra["milestone"] in repo.milestones:
                number = extra.pop("milestone")
                payload["milestone"] = milestone_json(
                    self.base_url, repo, repo.milestones[number], self.store.users
                )
            if "new_repo" in extra:
                target = self.store.repos[extra["new_repo"].lower()]
                payload["changes"] = {
                    "new_issue": self.issue_json(target, target.issues[extra["new_number"]]),
                    "new_repository": self.repo_json(target),
                }
            elif "changes" in extra:
                payload["changes"] = extra["changes"]
            payload["repository"] = self.repo_json(repo)
            payload["sender"] = user_json(self.base_url, self.store.users[event.sender])
        headers = {
            "X-GitHub-Event": event.name,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-GitHub-Hook-ID": str(self.hook_id),
            "X-GitHub-Hook-Installation-Target-Type": "repository",
            "X-GitHub-Hook-Installation-Target-ID": str(repo.id),
            "User-Agent": "GitHub-Hookshot/emulator",
        }
        self.control.webhooks.send(event.name, headers, payload, key=(repo.id, event.number))

    def _label(self, repo: RepoRec, name: str) -> dict[str, Any]:
        from .render import label_json

        return label_json(self.base_url, repo.full_name, self.store.label(repo, name))

    def _fire_all(self, events: list[Event]) -> None:
        for event in events:
            self.fire(event)

    # --- in-process helpers: set up, inspect, act as a human -----------------------------

    def add_user(self, login: str, token: str | None = None) -> None:
        """Add an account, reachable with ``token`` when given."""
        with self.store.lock:
            self.store.add_user(login, token)
            if token:
                self.tokens[token] = login

    def revoke(self, token: str) -> None:
        """Make GitHub refuse ``token`` from now on (401)."""
        with self.store.lock:
            self.store.tokens.pop(token, None)
            self.tokens.pop(token, None)

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
        with self.store.lock:
            repo = self.store.writable(full_name, login)
            issue = self.store.issue(repo, number)
            self._fire_all(self.store.update_issue(login, repo, issue, fields))

    def close_as(self, login: str, full_name: str, number: int, reason: str = "completed") -> None:
        """Close an issue as ``login`` with a ``state_reason``."""
        self.edit_issue_as(login, full_name, number, state="closed", state_reason=reason)

    def reopen_as(self, login: str, full_name: str, number: int) -> None:
        """Reopen an issue as ``login``."""
        self.edit_issue_as(login, full_name, number, state="open")

    def label_as(self, login: str, full_name: str, number: int, *labels: str) -> None:
        """Add labels as ``login``."""
        with self.store.lock:
            repo = self.store.writable(full_name, login)
            issue = self.store.issue(repo, number)
            self._fire_all(self.store.add_labels(login, repo, issue, list(labels)))

    def unlabel_as(self, login: str, full_name: str, number: int, label: str) -> None:
        """Remove one label as ``login``."""
        with self.store.lock:
            repo = self.store.writable(full_name, login)
            issue = self.store.issue(repo, number)
            self._fire_all(self.store.remove_label(login, repo, issue, label))

    def comment_as(self, login: str, full_name: str, number: int, body: str) -> int:
        """Comment as ``login``; returns the comment id."""
        with self.store.lock:
            repo = self.store.writable(full_name, login)
            issue = self.store.issue(repo, number)
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
        with self.store.lock:
            repo = self.store.writable(full_name, login)
            issue = self.store.issue(repo, number)
            self._fire_all(self.store.delete_issue(login, repo, issue))

    def transfer_as(self, login: str, full_name: str, number: int, target: str) -> int:
        """Transfer an issue to another repository; returns the new number."""
        with self.store.lock:
            repo = self.store.writable(full_name, login)
            issue = self.store.issue(repo, number)
            moved, events = self.store.transfer_issue(
                login, repo, issue, self.store.writable(target, login)
            )
            self._fire_all(events)
            return moved.number


def build(
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    tokens: dict[str, str] | None = None,
    *,
    rate_limit: int | None = None,
    limits: GitHubLimits | Mapping[str, Any] | None = None,
    latency: Latency | Mapping[str, Any] | None = None,
    clock: Clock = time.time,
) -> GitHubEmulator:
    """A fresh emulator; ``tokens`` maps API tokens to logins (one for syncd's bot), each
    held to GitHub's limits (``limits``: other figures; ``rate_limit`` sets the core
    requests an hour alone), answering after ``latency`` (none by default)."""
    figures = GitHubLimits.of(limits)
    if rate_limit is not None:
        figures = replace(figures, requests_per_hour=rate_limit)
    return GitHubEmulator(
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        tokens=tokens,
        limits=figures,
        latency=Latency.of(latency),
        clock=clock,
    )
