"""The connector contract.

A connector package (``connectors/<system>/``) exposes ``CONNECTOR = ConnectorSpec(...)``.
The engine only ever talks to a connector through the protocols below and checks
``capabilities`` before calling an optional method. All calls are synchronous and may raise
the errors of :mod:`syncd.errors`; nothing else may escape a connector.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, SecretStr

from syncd.errors import ConfigError
from syncd.model import Change, Comment, Issue, IssueDraft, Priority, Ref, Ticket, TicketStatus

if TYPE_CHECKING:
    import httpx


class Capability(StrEnum):
    WEBHOOKS = "webhooks"  # signed deliveries arrive on /webhooks/{instance}
    POLL = "poll"  # incremental poll with a cursor
    COMMENTS = "comments"
    INTERNAL_COMMENTS = "internal_comments"  # comments customers cannot read
    COMMENT_EDIT = "comment_edit"
    COMMENT_DELETE = "comment_delete"
    TRANSITIONS = "transitions"  # status goes through a workflow
    LABELS = "labels"
    PRIORITY = "priority"
    MARKERS = "markers"  # created objects carry a findable idempotency key
    CONDITIONAL_POLL = "conditional_poll"  # an idle poll costs no rate budget
    ACCESS_CHECK = "access_check"  # can_write(ref): is the issue's project still writable?
    ISSUE_SEARCH = "issue_search"  # open_issues(project, limit): for duplicate search
    VISIBILITY = "visibility"  # is_public(project): may anyone on the internet read it?


class Role(StrEnum):
    HELPDESK = "helpdesk"
    TRACKER = "tracker"


class ConnectorSettings(BaseModel):
    """Base of every connector's typed settings; subclasses add ``kind: Literal[...]``."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    base_url: str
    poll_interval: float = 60.0
    webhooks: bool = True
    timeout: float = 10.0
    # the account syncd writes with; its own comments and edits are recognised as echoes
    webhook_secret: SecretStr | None = None
    webhook_secret_file: Path | None = None

    def secret(self, name: str, *, required: bool = True) -> str | None:
        """The value of secret ``name``, from the setting itself or from ``<name>_file``."""
        value = getattr(self, name, None)
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        path = getattr(self, f"{name}_file", None)
        if path is not None:
            try:
                return Path(path).read_text().strip()
            except OSError as exc:
                raise ConfigError(
                    [(str(path), f"{name}_file", f"cannot read: {exc.strerror}")]
                ) from exc
        if required:
            raise ConfigError(
                [("", name, f"missing: set {name} (or {name}_file, or the environment)")]
            )
        return None


@dataclass(frozen=True)
class PollPage:
    """One page of a poll: the changes, the cursor to store once they are committed, and
    whether another page follows right away."""

    changes: Sequence[Change]
    cursor: str | None
    more: bool = False


@dataclass(frozen=True)
class WebhookResult:
    """A verified, parsed delivery. ``changes`` may be empty (ignored events)."""

    delivery_id: str | None
    event: str
    changes: Sequence[Change] = ()


@dataclass(frozen=True)
class RateBudget:
    """What the vendor last told us about our rate budget."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None


@runtime_checkable
class Connector(Protocol):
    """What every connector instance offers."""

    name: str
    capabilities: frozenset[Capability]

    def check(self) -> str:
        """Verify credentials and reachability; return the account syncd acts as."""
        ...

    def poll(self, cursor: str | None) -> PollPage:
        """Return the changes since ``cursor`` (``None``: start from now)."""
        ...

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise :class:`~syncd.errors.WebhookError` unless the delivery is authentic."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """Turn a verified delivery into changes; raise ``WebhookError(400)`` if malformed.

        A connector whose ``verify_webhook`` and ``parse_webhook`` make no remote call at the
        moment may say so with an optional ``webhooks_offline() -> bool``: the daemon then
        runs them on its event loop instead of a worker thread (without it: a thread). One
        delivery that needs a call after all raises ``syncd.webhooks.NeedsThread`` on the
        loop and is parsed again on a thread."""
        ...

    def comments(self, parent: Ref) -> list[Comment]:
        """All comments on a ticket or issue, oldest first."""
        ...

    def add_comment(self, parent: Ref, body: str, *, public: bool, key: str) -> Comment:
        """Add a comment carrying the hidden idempotency ``key``."""
        ...

    def find_comment(self, parent: Ref, key: str) -> Comment | None:
        """Find a comment syncd wrote earlier with ``key`` (after a crash or a timeout)."""
        ...

    def edit_comment(self, ref: Ref, parent: Ref, body: str) -> Comment:
        """Replace a comment's body (``COMMENT_EDIT``)."""
        ...

    def delete_comment(self, ref: Ref, parent: Ref) -> None:
        """Delete a comment (``COMMENT_DELETE``)."""
        ...

    def rate_budget(self) -> RateBudget:
        """The last rate-limit figures seen."""
        ...

    def close(self) -> None:
        """Release HTTP connections."""
        ...


@runtime_checkable
class HelpdeskConnector(Connector, Protocol):
    """A helpdesk: tickets, public replies and internal notes."""

    def get_ticket(self, ref: Ref) -> Ticket:
        """Read one ticket; ``NotFound`` if it is gone."""
        ...

    def update_ticket(
        self,
        ref: Ref,
        *,
        status: TicketStatus | None = None,
        priority: Priority | None = None,
        add_tags: Sequence[str] = (),
        remove_tags: Sequence[str] = (),
        fields: Mapping[str, str] | None = None,
        comment: str | None = None,
        public: bool = False,
        key: str | None = None,
    ) -> Ticket:
        """Change a ticket in one write; ``comment`` (with ``key``) is added in the same call."""
        ...


@runtime_checkable
class TrackerConnector(Connector, Protocol):
    """A developer tracker: issues in projects (a GitHub repository, a Jira project)."""

    def get_issue(self, ref: Ref) -> Issue:
        """Read one issue; ``NotFound`` if it is gone, ``Forbidden`` if access was lost."""
        ...

    def create_issue(self, project: str, draft: IssueDraft, *, key: str) -> Issue:
        """Create an issue carrying the hidden idempotency ``key``."""
        ...

    def find_issue(self, project: str, key: str, since: datetime | None) -> Issue | None:
        """Find an issue syncd created with ``key`` (created at or after ``since``)."""
        ...

    def update_issue(
        self,
        ref: Ref,
        *,
        status: Any = None,
        priority: Priority | None = None,
        add_labels: Sequence[str] = (),
        remove_labels: Sequence[str] = (),
        title: str | None = None,
        body: str | None = None,
    ) -> Issue:
        """Change an issue; ``status`` is an :class:`~syncd.model.IssueStatus`."""
        ...


@runtime_checkable
class AccessCheck(Protocol):
    """Trackers with ``ACCESS_CHECK`` also say whether an issue can still be written."""

    def can_write(self, ref: Ref) -> bool:
        """False when the issue's project is archived or read-only to syncd's account."""
        ...


@runtime_checkable
class IssueSearch(Protocol):
    """Trackers with ``ISSUE_SEARCH`` list a project's open issues (for duplicate search)."""

    def open_issues(self, project: str, limit: int) -> list[Issue]:
        """Up to ``limit`` open issues of ``project``, most recently updated first."""
        ...


@runtime_checkable
class Visibility(Protocol):
    """Trackers with ``VISIBILITY`` say whether a project is public."""

    def is_public(self, project: str) -> bool:
        """True when anyone may read the project's issues and comments."""
        ...


@dataclass(frozen=True)
class EmulatorKit:
    """How the demo and the tests use a connector's emulator without knowing the vendor.

    ``build(webhook_url=None, webhook_secret=None, **kw)`` returns an emulator with ``.app``
    and ``.control``; ``actor(emulator, instance_name, base_url)`` returns a
    :mod:`syncd.testing.actors` actor; ``config(base_url, webhook_secret)`` returns the
    connector settings (a dict) syncd's own account uses against that emulator.
    """

    build: Callable[..., Any]
    actor: Callable[[Any, str, str], Any]
    config: Callable[[str, str | None], dict[str, Any]]


def lazy_kit(module: str) -> EmulatorKit:
    """An :class:`EmulatorKit` whose ``KIT`` is imported from ``module`` on first use, so
    loading a connector does not load its emulator."""

    def kit() -> EmulatorKit:
        from importlib import import_module

        found = import_module(module).KIT
        assert isinstance(found, EmulatorKit)
        return found

    return EmulatorKit(
        build=lambda *a, **kw: kit().build(*a, **kw),
        actor=lambda emu, name, url: kit().actor(emu, name, url),
        config=lambda url, secret: kit().config(url, secret),
    )


Factory = Callable[[str, Any, "httpx.Client | None"], Connector]
"""``factory(instance_name, settings, http_client)``; ``http_client`` is injected by tests."""


@dataclass(frozen=True)
class ConnectorSpec:
    """How the registry knows a connector: its data, not its code paths."""

    kind: str
    role: Role
    settings: type[ConnectorSettings]
    factory: Factory
    capabilities: frozenset[Capability]
    emulator: Callable[..., Any] | None = None
    # build / actor / config of the emulator, for the demo, end-to-end tests and benchmarks
    emulator_kit: EmulatorKit | None = None
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def has(self, cap: Capability) -> bool:
        return cap in self.capabilities


SideName = Literal["helpdesk", "tracker"]
