"""The connector contract.

A connector package (``connectors/<system>/``) exposes ``CONNECTOR = ConnectorSpec(...)``.
The engine only ever talks to a connector through the protocols below and checks
``capabilities`` before calling an optional method. All calls are synchronous and may raise
the errors of :mod:`syncd.errors`; nothing else may escape a connector.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from syncd.connector_sla import HelpdeskSla
from syncd.emulator_kit import EmulatorKit as EmulatorKit
from syncd.emulator_kit import lazy_kit as lazy_kit
from syncd.errors import ConfigError, RemoteError
from syncd.model import (
    Change,
    Comment,
    Issue,
    IssueDraft,
    IssueStatus,
    Priority,
    Ref,
    Ticket,
    TicketStatus,
)
from syncd.ratelimit import Limit, Operation
from syncd.ratelimit import RateBudget as RateBudget

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
    CURSOR_SINCE = "cursor_since"  # PollCursors: make a poll cursor from a time, check one
    DIAGNOSE = "diagnose"  # Diagnose: check credentials, permissions and set-up (connectors test)
    BATCH_UPDATE = "batch_update"  # BatchUpdates: one identical change to many tickets at once
    COLLAPSIBLE = "collapsible"  # comments render <details><summary> as a collapsed section
    ATTACHMENTS = "attachments"  # Attachments: reads and attaches files (syncd.connector_files)
    FIELDS = "fields"  # IssueFields: reads and writes the fields routes map, by name
    PUSH = "push"  # Push: wait_for_changes(timeout) says when to poll at once (IMAP IDLE)
    # HelpdeskSlas: a ticket's own SLA goals, helpdesk_slas(ref) (syncd.connector_sla)
    HELPDESK_SLA = "helpdesk_sla"


class Role(StrEnum):
    HELPDESK = "helpdesk"
    TRACKER = "tracker"


class ConnectorSettings(BaseModel):
    """Base of every connector's typed settings; subclasses add ``kind: Literal[...]``."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    base_url: str
    poll_interval: float = Field(default=60.0, gt=0)
    webhooks: bool = True
    timeout: float = Field(default=10.0, gt=0)
    # the account syncd writes with; its own comments and edits are recognised as echoes
    webhook_secret: SecretStr | None = None
    webhook_secret_file: Path | None = None
    # the vendor's rate limits syncd keeps under (None: the ones it documents, see
    # ``documented_limits``); give your plan's figures here
    limits: list[Limit] | None = None

    def documented_limits(self) -> list[Limit]:
        """The limits the vendor documents for this kind of account (none by default)."""
        return []

    def rate_limits(self) -> list[Limit]:
        """The limits syncd spaces its calls by: the configured ones, else the documented."""
        return list(self.limits) if self.limits is not None else self.documented_limits()

    def field_problem(self, name: str) -> str | None:
        """Why this helpdesk cannot read a ticket field called ``name`` (None: it can). A
        helpdesk that knows its fields by id says so when a name has no id in its config."""
        return None

    def issue_field_problem(self, name: str) -> str | None:
        """Why this tracker cannot map an issue field called ``name``, as far as its settings
        tell (None: it may; a field known only to the live system is checked by
        ``syncd connectors test``). By default only the canonical issue's own fields."""
        if name in ("labels", "milestone", "assignee"):
            return None
        return f"no issue field {name!r} here (this tracker maps labels, milestone, assignee)"

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


@runtime_checkable
class Connector(Protocol):
    """What every connector instance offers. The optional hooks (``watch``,
    ``webhooks_offline``) have defaults in :class:`ConnectorBase`, which connectors extend."""

    name: str
    capabilities: frozenset[Capability]

    @property
    def settings(self) -> ConnectorSettings:
        """The instance's typed settings (its ``poll_interval`` among them)."""
        ...

    def check(self) -> str:
        """Verify credentials and reachability; return the account syncd acts as."""
        ...

    def poll(self, cursor: str | None) -> PollPage:
        """Return the changes since ``cursor`` (``None``: start from now).

        A cursor that cannot be read raises :class:`~syncd.errors.CursorError` (read it with
        :mod:`syncd.cursors`) before any request: never a page from now instead."""
        ...

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise :class:`~syncd.errors.WebhookError` unless the delivery is authentic."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """Turn a verified delivery into changes; raise ``WebhookError(400)`` if malformed."""
        ...

    def webhooks_offline(self) -> bool:
        """Whether ``verify_webhook`` and ``parse_webhook`` make no remote call now: the
        daemon then runs them on its event loop instead of a worker thread. One delivery
        that needs a call after all raises ``syncd.webhooks.NeedsThread`` on the loop and is
        parsed again on a thread. Default: False (always a thread)."""
        ...

    def watch(self, projects: Sequence[str]) -> None:
        """Also poll these projects (the routes' targets on a tracker). Default: nothing."""
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


class ConnectorBase:
    """The defaults of the contract's optional hooks; every connector class extends it."""

    name: str
    settings: ConnectorSettings
    capabilities: frozenset[Capability] = frozenset()

    def webhooks_offline(self) -> bool:
        """Verified and parsed on a worker thread unless a connector says otherwise."""
        return False

    def watch(self, projects: Sequence[str]) -> None:
        """Nothing to watch: helpdesks poll their whole account."""

    def rate_budget(self) -> RateBudget:
        """Nothing known about the vendor's budget."""
        return RateBudget()

    def helpdesk_slas(self, ref: Ref) -> list[HelpdeskSla]:
        """No SLA of its own (helpdesks with ``HELPDESK_SLA`` read the ticket's)."""
        return []

    def close(self) -> None:
        """Nothing to release."""


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
    """A developer tracker: issues in projects (a repository, a project)."""

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
        status: IssueStatus | None = None,
        priority: Priority | None = None,
        add_labels: Sequence[str] = (),
        remove_labels: Sequence[str] = (),
        title: str | None = None,
        body: str | None = None,
    ) -> Issue:
        """Change an issue's status, priority, labels, title or body."""
        ...


@runtime_checkable
class IssueFields(Protocol):
    """Trackers with ``FIELDS`` read and write the fields routes map, by the names the config
    gives them (``labels``, ``milestone``, ``assignee`` and the tracker's own, e.g.
    ``components``, ``versions``, ``fixVersions``, a custom field's display name)."""

    def map_fields(self, names: Sequence[str]) -> None:
        """Also read these fields into ``Issue.fields`` (and ``Issue.dates``) on every read."""
        ...

    def set_fields(self, ref: Ref, values: Mapping[str, str]) -> Issue:
        """Write fields by name ("" empties one); a field that does not exist or refuses its
        value raises :class:`~syncd.errors.PermanentError` naming the field and why."""
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
    """Trackers with ``VISIBILITY`` say whether a project is public (the outgoing-text gate
    redacts what goes there). An answer may be cached for a minute or so; a read that fails
    for good answers True, a transient failure raises."""

    def is_public(self, project: str) -> bool:
        """True when anyone may read the project's issues and comments."""
        ...

    def project_of(self, ref: Ref) -> str:
        """The project holding an issue (or an issue's comment); ValueError if unknown."""
        ...


@runtime_checkable
class PollCursors(Protocol):
    """Connectors with ``CURSOR_SINCE`` make a poll cursor from a time and check a stored one
    (``syncd cursor``, ``syncd reconcile``)."""

    def cursor_since(self, moment: datetime) -> str:
        """A cursor from which a poll returns every change made at or after ``moment`` (may
        ask the vendor where that is)."""
        ...

    def check_cursor(self, cursor: str) -> None:
        """Raise :class:`~syncd.errors.CursorError` if ``poll`` could not read ``cursor``;
        never makes a request."""
        ...


@runtime_checkable
class Push(Protocol):
    """Polling connectors with ``PUSH`` hold a connection that tells when something changed
    (IMAP IDLE): the poller then polls at once; the interval stays the fallback."""

    def wait_for_changes(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True as soon as there is something to poll. May
        raise a :class:`~syncd.errors.RemoteError`; the poller then waits and asks again."""
        ...


@dataclass(frozen=True)
class BatchResult:
    """What a batch write did to each ticket it was given: ``failed`` holds the error each
    failed ticket met (a :class:`~syncd.errors.TransientError` where the vendor could not
    say, so the write may or may not have landed); every other ticket was written."""

    done: frozenset[Ref]
    failed: Mapping[Ref, RemoteError]

    def error(self, ref: Ref) -> RemoteError | None:
        """The error ``ref`` met (None: its update was applied)."""
        return self.failed.get(ref)


# spends one request of a kind from a rate budget if it may go now (0.0), else says the
# seconds until it may (nothing spent)
Pace = Callable[[Operation], float]


@runtime_checkable
class BatchUpdates(Protocol):
    """Helpdesks with ``BATCH_UPDATE`` apply one identical change (status, one comment) to
    many tickets in few requests: the fan-out of one issue's end to its tickets."""

    def batch_limit(self) -> int:
        """Tickets one request may carry; :meth:`update_tickets` splits larger sets."""
        ...

    def update_tickets(
        self,
        keys: Mapping[Ref, str],
        *,
        status: TicketStatus | None = None,
        comment: str | None = None,
        public: bool = False,
        pace: Pace | None = None,
    ) -> BatchResult:
        """Apply the change to every ticket of ``keys`` (ticket -> the idempotency key its
        comment carries, so ``find_comment`` finds it after a crash). A failure of the whole
        request is reported for each of its tickets, never raised. ``pace`` is asked before
        each request past the first (a look at a job, another part of the batch): the
        request waits until it may go."""
        ...


class CheckStatus(StrEnum):
    """The result of one check of ``syncd connectors test``."""

    OK = "ok"
    MISSING = "missing"  # something syncd needs is not there: the command exits 1
    WARNING = "warning"  # syncd works, with less than it could (exit 0)
    UNKNOWN = "could not tell"  # the vendor would not say, e.g. an admin-only listing


@dataclass(frozen=True)
class Finding:
    """One check: its name, its result, what was seen and, unless ok, what to do (the exact
    permission, setting or admin screen). Never carries a secret."""

    check: str
    status: CheckStatus
    detail: str = ""
    fix: str = ""


@dataclass(frozen=True)
class ProjectUse:
    """A project on a tracker that routes target, and what they ask of it."""

    project: str
    routes: tuple[str, ...] = ()
    issue_types: tuple[str, ...] = ()  # issue types routes name (none: the connector's own)
    labels: tuple[str, ...] = ()  # labels the engine puts on issues there, besides the connector's


@dataclass(frozen=True)
class FieldUse:
    """A ticket field the workflow names (or an issue field routes map), with the config
    keys that name it and the values routes may write to it (their value maps)."""

    name: str
    named_by: tuple[str, ...]
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiagnoseContext:
    """What a connector's :meth:`Diagnose.diagnose` needs from the rest of the config."""

    projects: tuple[ProjectUse, ...] = ()  # trackers: the projects routes target
    fields: tuple[FieldUse, ...] = ()  # helpdesks: the ticket fields the workflow names
    issue_fields: tuple[FieldUse, ...] = ()  # trackers: the issue fields routes map
    webhooks: bool = False  # deliveries are switched on for this connector
    # where the vendor should deliver (server.public_url + /webhooks/<name>); None when
    # server.public_url is empty and syncd cannot know it
    webhook_url: str | None = None


@runtime_checkable
class Diagnose(Protocol):
    """Connectors with ``DIAGNOSE`` check their own set-up for ``syncd connectors test``."""

    def diagnose(self, context: DiagnoseContext) -> list[Finding]:
        """Reach the vendor and check the credentials, the permissions syncd needs and the
        webhook to syncd; a vendor's refusal or failure is a finding, never an exception.
        Reads only: no check writes anything."""
        ...


Factory = Callable[[str, Any, "httpx.Client | None"], Connector]
"""``factory(instance_name, settings, http_client)``; ``http_client`` is injected by tests."""


S = TypeVar("S", bound=ConnectorSettings)
C = TypeVar("C", bound=Connector)


def settings_factory(
    settings: type[S], build: Callable[[str, S, httpx.Client | None], C]
) -> Callable[..., C]:
    """A :data:`Factory` that reads ``settings`` (a mapping or ready settings) into the
    connector's settings class, then calls ``build(instance_name, settings, http_client)``."""

    def factory(name: str, raw: Any, http_client: httpx.Client | None = None) -> C:
        value = raw if isinstance(raw, settings) else settings.model_validate(raw)
        return build(name, value, http_client)

    return factory


IssueReference = Callable[[str], "str | None"]
"""``reference(text)``: the key of this tracker's issue that an agent's pasted ``text`` (a URL
or a key) names, or None when it names none of this tracker's issues."""


@dataclass(frozen=True)
class ConnectorSpec:
    """How the registry knows a connector: its data, not its code paths. What an instance
    can do (its capabilities) is declared once, on the connector class."""

    kind: str
    role: Role
    settings: type[ConnectorSettings]
    factory: Factory
    # build / actor / config of the emulator, for ``syncd emulate``, the demo, end-to-end
    # tests and benchmarks
    emulator_kit: EmulatorKit | None = None
    # trackers: how agents point at an issue by hand (see syncd.engine.linking)
    issue_reference: IssueReference | None = None
    # trackers: the projects ``syncd emulate`` creates when none are given
    demo_projects: tuple[str, ...] = ()
    # trackers outside the organisation (suppliers): a route to one shares no ticket
    # conversation and lets nobody write to the customer through the ticket unless it says so
    third_party: bool = False


SideName = Literal["helpdesk", "tracker"]
