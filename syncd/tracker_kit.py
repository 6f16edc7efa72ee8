"""What the trackers that act as one bot account share: a list of watched projects polled by
a poller, the bot's own name learnt from the tracker on first need (and the mapping rules
built again when it changes), each project's visibility read at most once a
:attr:`BotTracker.visibility_ttl`, ``update_issue`` taken as an :class:`IssueEdit`, and an
issue read and a comment edited or deleted over the REST paths a connector names. Smaller
parts are in :mod:`syncd.tracker_parts`, labels in :mod:`syncd.tracker_labels`.

A connector extends :class:`BotTracker`, calls :meth:`BotTracker.start` and sets ``_poller``
in its ``__init__``, and writes ``check`` (which learns ``_bot_name``), ``read_public``, the
paths of its REST resources and how its records become issues and comments; the defaults
here do the rest alike.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar, Unpack

from .connector import (
    BASICS,
    COMMENT_CHANGES,
    PROJECT_LOOKUPS,
    Capability,
    ConnectorBase,
    IssueChange,
    PollPage,
    RateBudget,
)
from .connector_kit import WatchedProjects
from .errors import NotFound, RemoteError, WebhookError
from .model import Comment, Issue, IssueStatus, Ref
from .tracker_parts import IssueEdit, remarked

# what a tracker on these defaults does, with its own checks of a project's access and
# open issues; a connector adds what else it can
BOT_TRACKER = (
    BASICS
    | COMMENT_CHANGES
    | PROJECT_LOOKUPS
    | {Capability.WEBHOOKS, Capability.LABELS, Capability.ACCESS_CHECK}
)


class Answer(Protocol):
    """A tracker's answer as its client returns it."""

    @property
    def data(self) -> Any: ...


class RestClient(Protocol):
    """The part of a tracker's HTTP client the defaults use."""

    def call(self, verb: str, path: str, *, body: Any = None) -> Answer: ...

    def budget(self) -> RateBudget: ...

    def close(self) -> None: ...


class ProjectPoller(Protocol):
    """A poller over a list of projects, its cursor one state per project."""

    def load(self, name: str, cursor: str | None) -> Any: ...

    def poll(self, state: Any, projects: Iterable[str]) -> PollPage: ...

    def since(self, moment: datetime, projects: Iterable[str]) -> str: ...


R = TypeVar("R")  # a connector's mapping rules
C = TypeVar("C", bound=RestClient)  # a connector's client


class BotTracker(WatchedProjects, ConnectorBase, Generic[R, C]):
    """The defaults of a tracker reached as one bot account (see the module's docstring);
    ``R`` is the type of its mapping rules, ``C`` of its client."""

    name: str
    _client: C
    _poller: ProjectPoller
    _bot_name: str | None
    visibility_ttl = 60.0  # seconds a project's visibility is trusted
    vendor = "tracker"  # the tracker's name in messages
    comment_noun = "comment"  # what the tracker calls a comment
    edit_verb = "PATCH"  # the method that edits a comment

    def start(
        self,
        projects: Sequence[str],
        client: C,
        rules: Callable[[str, str | None], R],
        bot: str | None,
    ) -> None:
        """Start with ``projects`` watched through ``client``, the bot's name ``bot`` (None:
        asked for when needed), ``rules(instance, bot)`` the mapping rules, and no visibility
        or rules known yet."""
        self._client = client
        self._make_rules = rules
        self._bot_name = bot
        self._known_rules: tuple[str | None, R] | None = None  # (the bot then, the rules)
        self._watched: list[str] = []
        self._visibility: dict[str, tuple[bool, float]] = {}  # project -> (public, read at)
        self.watch(projects)

    def check(self) -> str:
        """The bot's name as the tracker knows it; sets ``_bot_name``."""
        raise NotImplementedError

    def read_public(self, project: str) -> bool:
        """Whether anyone may read ``project``'s issues, read from the tracker now."""
        raise NotImplementedError

    def comments(self, parent: Ref) -> list[Comment]:
        """Every comment on an issue, oldest first."""
        raise NotImplementedError

    def _issue_key(self, ref: Ref) -> tuple[str, int]:
        """The project and number of an issue ref; ``NotFound`` when it names none."""
        raise NotImplementedError

    def issue_path(self, project: str, number: int) -> str:
        """The REST path of an issue."""
        raise NotImplementedError

    def comment_path(self, ref: Ref) -> str:
        """The REST path of a comment; ``NotFound`` when the ref names none."""
        raise NotImplementedError

    def issue_of(self, raw: Any, project: str) -> Issue:
        """A REST issue of ``project`` as a canonical issue."""
        raise NotImplementedError

    def comment_of(self, raw: Any, ref: Ref) -> Comment:
        """A REST comment (the one ``ref`` names) as a canonical comment."""
        raise NotImplementedError

    def apply_edit(self, ref: Ref, edit: IssueEdit) -> Issue:
        """Make the changes ``update_issue`` was asked for."""
        raise NotImplementedError

    def update_issue(self, ref: Ref, **change: Unpack[IssueChange]) -> Issue:
        """Change an issue (:meth:`apply_edit`); what is not given stays as it is."""
        status = change.get("status")
        edit = IssueEdit(
            IssueStatus(status) if status is not None else None,
            change.get("priority"),
            tuple(change.get("add_labels", ())),
            tuple(change.get("remove_labels", ())),
            change.get("title"),
            change.get("body"),
        )
        return self.apply_edit(ref, edit)

    # --- issues and comments --------------------------------------------------------------

    def _raw_issue(self, project: str, number: int) -> dict[str, Any]:
        data = self._client.call("GET", self.issue_path(project, number)).data
        if not isinstance(data, dict):
            raise NotFound(f"{self.vendor} issue {project}#{number} answered without a body")
        return data

    def get_issue(self, ref: Ref) -> Issue:
        """Read one issue; ``NotFound`` if deleted, ``Forbidden`` if access was lost."""
        project, number = self._issue_key(ref)
        return self.issue_of(self._raw_issue(project, number), project)

    def edit_comment(self, ref: Ref, parent: Ref, body: str) -> Comment:
        """Replace a comment's body, keeping its marker."""
        path = self.comment_path(ref)
        current = self._client.call("GET", path).data or {}
        new_body = remarked(current.get("body"), body)
        raw = self._client.call(self.edit_verb, path, body={"body": new_body}).data
        return self.comment_of(raw, ref)

    def delete_comment(self, ref: Ref, parent: Ref) -> None:
        """Delete a comment; one already gone counts as deleted, so retries are safe."""
        path = self.comment_path(ref)
        with contextlib.suppress(NotFound):
            self._client.call("DELETE", path)

    @property
    def client(self) -> C:
        """The tracker's HTTP client (for the connector's ``diagnose``)."""
        return self._client

    # --- projects ------------------------------------------------------------------------

    def is_public(self, project: str) -> bool:
        """:meth:`read_public`, read at most once a ``visibility_ttl`` per project: the
        outgoing-text gate asks before every write that carries something to redact. A
        failed read raises (a transient one is retried with the write, a refused one is
        taken for public by the gate)."""
        known = self._visibility.get(project)
        if known is not None and time.monotonic() - known[1] < self.visibility_ttl:
            return known[0]
        public = self.read_public(project)
        self._visibility[project] = (public, time.monotonic())
        return public

    def project_of(self, ref: Ref) -> str:
        """The project of an issue or comment ref (``namespace/name#...``)."""
        project = ref.key.split("#", 1)[0]
        if "/" not in project:
            raise ValueError(f"not a {self.vendor} issue or {self.comment_noun}: {ref}")
        return project

    # --- the bot -------------------------------------------------------------------------

    def _bot(self) -> str:
        return self._bot_name or self.check()

    def _rules(self) -> R:
        # built again only when the bot's name changed: every delivery asks for them
        known = self._known_rules
        if known is None or known[0] != self._bot_name:
            known = self._known_rules = (
                self._bot_name,
                self._make_rules(self.name, self._bot_name),
            )
        return known[1]

    def find_comment(self, parent: Ref, key: str) -> Comment | None:
        """The bot's comment carrying ``key``, if any."""
        self._bot()
        found = self.comments(parent)
        return next((c for c in found if c.marker == key and c.by_syncd), None)

    # --- changes -------------------------------------------------------------------------

    def poll(self, cursor: str | None) -> PollPage:
        """Issues and comments changed since ``cursor`` in every watched project."""
        state = self._poller.load(self.name, cursor)  # an unreadable cursor costs no request
        if self._bot_name is None:
            self.check()
        return self._poller.poll(state, self._watched)

    def cursor_since(self, moment: datetime) -> str:
        """A cursor whose polls return what changed at or after ``moment`` (every watched
        project)."""
        return self._poller.since(moment, self._watched)

    def check_cursor(self, cursor: str) -> None:
        """``CursorError`` if ``poll`` could not read ``cursor``; no request."""
        self._poller.load(self.name, cursor)

    def webhooks_offline(self) -> bool:
        """Parsing a delivery calls the tracker only while the bot's name is unknown."""
        return self._bot_name is not None

    def webhook_secret(self) -> str:
        """The configured webhook secret; a 401 ``WebhookError`` when there is none."""
        secret = self.settings.secret("webhook_secret", required=False)
        if not secret:
            raise WebhookError(401, "no webhook secret configured for this connector")
        return str(secret)

    def learn_bot_quietly(self) -> None:
        """Learn the bot's name before parsing a delivery; a tracker out of reach leaves it
        unknown (``by_syncd`` stays False, the marker still names syncd's writes)."""
        if self._bot_name is None:
            with contextlib.suppress(RemoteError):
                self.check()

    def rate_budget(self) -> RateBudget:
        """The budget the tracker reported on its last answer."""
        return self._client.budget()

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()
