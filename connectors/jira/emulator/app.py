"""An in-process, stateful Jira (Cloud or Data Center) for tests, benchmarks and the demo.

``build(flavour="cloud"|"datacenter", webhook_url=None, webhook_secret=None)`` returns a
:class:`JiraEmulator`: ``.app`` (ASGI), ``.control`` (counters, faults, webhooks) and helpers
that act as a developer (create, transition, comment with visibility, change priority, move,
delete) and fire the same webhooks as the REST API does, plus an admin's switches: which
projects anyone may browse (``set_public``) and who may read permission schemes
(``set_admin``). Cloud answers REST v3 (ADF) and v2, with ``/search/jql``; Data Center
answers REST v2 (wiki markup) with ``/search``.

Accounts (basic auth ``<e-mail or username>:<secret>``, or ``Bearer <secret>`` on Data Center):
``syncd-bot`` / ``bot-token`` (syncd), ``alice`` / ``alice-token`` and ``bob`` / ``bob-token``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette

from connectors.jira.emulator.admin import AdminState
from connectors.jira.emulator.attachments import Attachments
from connectors.jira.emulator.comment_ops import CommentOperations
from connectors.jira.emulator.issue_ops import IssueOperations
from connectors.jira.emulator.limits import JiraLimits
from connectors.jira.emulator.records import (
    STATUSES,
    TRANSITIONS,
    Json,
    StoredIssue,
    User,
)
from connectors.jira.emulator.routes import Api
from connectors.jira.emulator.servicedesk import ServiceDesk
from connectors.jira.emulator.servicedesk_api import ServiceDeskApi
from connectors.jira.emulator.state import Store
from syncd.emulator_kit import Clock, Latency, retry_after
from syncd.testing.emulation import EmulatorControl, EmulatorMiddleware, control_routes


def error_body(status: int, message: str) -> Json:
    """Jira's error shape: ``errorMessages`` plus field ``errors``."""
    return {"errorMessages": [message], "errors": {}}


def rate_headers(seconds: float) -> dict[str, str]:
    """What Jira sends with a 429."""
    return {**retry_after(seconds), "X-RateLimit-NearLimit": "true"}


class JiraEmulator(IssueOperations, CommentOperations):
    """The emulated Jira: state, the operations shared by the API and the human helpers
    (:mod:`~connectors.jira.emulator.issue_ops`, :mod:`~connectors.jira.emulator.comment_ops`),
    and those helpers."""

    def __init__(
        self,
        flavour: str = "cloud",
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        *,
        limits: JiraLimits | None = None,
        latency: Latency | None = None,
        clock: Clock = time.time,
    ) -> None:
        if flavour not in ("cloud", "datacenter"):
            raise ValueError("flavour is 'cloud' or 'datacenter'")
        self.flavour = flavour
        self.webhook_secret = webhook_secret
        self.store = Store(flavour)
        self.store.emit = self._emit
        # permissions, issue types, roles and webhooks (kept by reset, like the accounts)
        self.admin = AdminState()
        self.limits = limits = limits or JiraLimits()
        self.control = EmulatorControl(
            self._sign,
            rate_limit=limits.requests,
            rate_window=limits.seconds,
            latency=latency,
            clock=clock,
        )
        self.control.webhooks.configure(webhook_url)
        self.files = Attachments(self)
        self.store.attachment_field = self.files.of
        self.api = Api(self)
        self.servicedesk = ServiceDesk(self)  # Jira Service Management on the same site
        routes = [
            *control_routes(self.control, self.reset),
            *self.api.routes(),
            *self.files.routes(),
            *ServiceDeskApi(self, self.servicedesk).routes(),
        ]
        inner = Starlette(routes=routes)
        self.app = EmulatorMiddleware(inner, self.control, error_body, rate_headers)

    def reset(self) -> None:
        """Back to the seeded state (issues, requests and their participants gone)."""
        self.store.reset()
        self.servicedesk.reset()

    @property
    def bot(self) -> User:
        return self.store.users["syncd-bot"]

    def set_base_url(self, url: str) -> None:
        """The URL the emulator is served at, for ``self`` links and browse URLs."""
        self.store.base_url = url.rstrip("/")

    # -- helpers for tests acting as developers ------------------------------------------

    def human_create(
        self,
        summary: str,
        description: str = "",
        *,
        project: str = "WID",
        who: str = "alice",
        **fields: Any,
    ) -> str:
        """Create an issue as a developer; ``description`` is wiki markup. Returns the key."""
        body: Json = {"project": {"key": project}, "issuetype": {"name": "Task"}}
        body["summary"] = summary
        body["description"] = description or None
        return self.create(who, body | fields).key

    def human_transition(
        self, key: str, to_status: str, resolution: str | None = None, who: str = "alice"
    ) -> None:
        """Move an issue to the status named ``to_status`` through the workflow."""
        issue = self._get(key)
        for tid, (_, target, sources, _) in TRANSITIONS.items():
            if issue.status in sources and STATUSES[target][0] == to_status:
                fields = {"resolution": {"name": resolution}} if resolution else None
                self.transition(who, key, tid, fields)
                return
        raise ValueError(f"no transition from {STATUSES[issue.status][0]} to {to_status}")

    def human_comment(
        self,
        key: str,
        body: str,
        *,
        visibility: Json | None = None,
        internal: bool = False,
        who: str = "alice",
    ) -> str:
        """Comment as a developer (wiki markup); returns the comment id."""
        props = [{"key": "sd.public.comment", "value": {"internal": True}}] if internal else None
        return str(self.add_comment(who, key, body, visibility, props)[1]["id"])

    def human_priority(self, key: str, name: str, who: str = "alice") -> None:
        """Change the priority by name as a developer."""
        self.edit(who, key, {"priority": {"name": name}})

    def set_public(self, project: str, public: bool = True) -> None:
        """Let anyone browse ``project`` (its permission scheme grants it to ``anyone``)."""
        with self.store.lock:
            if project not in self.store.projects:
                raise ValueError(f"no project {project!r}")
            (self.store.public_projects.add if public else self.store.public_projects.discard)(
                project
            )

    def set_admin(self, user: str, admin: bool = True) -> None:
        """Give ``user`` Administer Projects (reading permission schemes), or take it away."""
        with self.store.lock:
            (self.store.admins.add if admin else self.store.admins.discard)(user)

    def hide_from_bot(self, key: str) -> None:
        """Take the bot's permission to see an issue away (Jira then answers 404)."""
        self.bot.hidden.add(key.upper())

    def issue(self, key: str) -> StoredIssue:
        """The stored issue, for assertions."""
        return self._get(key)


def build(
    flavour: str = "cloud",
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    *,
    limits: JiraLimits | Mapping[str, Any] | None = None,
    latency: Latency | Mapping[str, Any] | None = None,
    clock: Clock = time.time,
) -> JiraEmulator:
    """A fresh emulated Jira of the given flavour, each user held to ``limits`` (a thousand
    requests a minute by default), answering after ``latency`` (none by default)."""
    return JiraEmulator(
        flavour,
        webhook_url,
        webhook_secret,
        limits=JiraLimits.of(limits),
        latency=Latency.of(latency),
        clock=clock,
    )
