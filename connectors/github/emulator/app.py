"""An in-memory GitHub for tests, benchmarks and ``syncd emulate github``.

It answers the REST endpoints the connector calls (see :mod:`.routes`) with GitHub's
shapes, statuses, pagination and rate-limit headers, and sends ``issues`` and
``issue_comment`` webhooks, signed like GitHub's, for every change whoever made it.

``build(tokens={"syncd-token": "syncd-bot", "dev-token": "dev-alice"})`` gives a
:class:`GitHubEmulator`; serve ``.app`` (for example with ``ServerThread``) and drive faults
through ``.control``. The ``*_as`` helpers (:mod:`.inprocess`) act as a human in process
and fire the same webhooks the API does.
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
from syncd.testing.emulator_parts import DEFAULT_TOKENS, TokenAccounts

from .admin import Admin
from .inprocess import InProcess
from .limits import GitHubLimits, Secondary
from .records import CommentRec, Event, IssueRec, RepoRec
from .render import comment_json, issue_json, milestone_json, repo_json, user_json
from .routes import Api, error_body
from .state import Store


class GitHubEmulator(InProcess, TokenAccounts):
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

    def new_store(self) -> Store:
        """No repository, issue or comment (a reset keeps the accounts)."""
        return Store()

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
