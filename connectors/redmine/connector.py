"""The Redmine tracker connector: issues, notes and the poll of one account."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Unpack

import httpx

from syncd.connector import (
    BASICS,
    PROJECT_LOOKUPS,
    Capability,
    ConnectorBase,
    DiagnoseContext,
    Finding,
    IssueChange,
    PollPage,
    WebhookResult,
)
from syncd.connector_kit import WatchedProjects
from syncd.errors import NotFound, PermanentError, WebhookError
from syncd.model import Comment, Issue, IssueDraft, Priority, Ref

from . import mapping
from .catalog import Catalog
from .client import RedmineClient
from .diagnose import diagnose
from .mapping import Rules
from .poll import Poller, cursor_since, start_cursor
from .settings import RedmineSettings

CAPABILITIES = (
    BASICS
    | PROJECT_LOOKUPS
    | {Capability.INTERNAL_COMMENTS, Capability.TRANSITIONS, Capability.LABELS}
)


class RedmineConnector(WatchedProjects, ConnectorBase):
    """syncd's view of one Redmine, acting as one user (its API key)."""

    settings: RedmineSettings

    capabilities = CAPABILITIES

    def __init__(self, name: str, settings: RedmineSettings, http: httpx.Client | None) -> None:
        self.name = name
        self.settings = settings
        self.client = RedmineClient(name, settings, http)
        self.catalog = Catalog(self.client)
        self._me: dict[str, Any] | None = None
        self._watched: list[str] = []
        self.watch(settings.projects)
        self._poller = Poller(self.client, settings.poll_overlap, settings.page_size)

    # --- account -------------------------------------------------------------------------

    def check(self) -> str:
        """The login of syncd's user (``GET /users/current.json``)."""
        data = self.client.get("/users/current.json") or {}
        self._me = data.get("user") or {}
        return str(self._me.get("login") or self._me.get("id"))

    def me(self) -> dict[str, Any]:
        """syncd's user record (read once)."""
        if self._me is None:
            self.check()
        return self._me or {}

    def rules(self) -> Rules:
        """What mapping needs, syncd's user id included."""
        me = self.me().get("id")
        return Rules(self.name, self.settings, self.settings.base_url, int(me) if me else None)

    def diagnose(self, context: DiagnoseContext) -> list[Finding]:
        """Check the key, the REST API, the projects, trackers, statuses and priorities."""
        return diagnose(self, context)

    # --- issues --------------------------------------------------------------------------

    def _raw(self, ref: Ref, *, journals: bool = False) -> dict[str, Any]:
        try:
            number = mapping.issue_id(ref.key)
        except ValueError as exc:
            raise NotFound(str(exc)) from exc
        params = {"include": "journals"} if journals else None
        data = self.client.get(f"/issues/{number}.json", params) or {}
        raw = data.get("issue")
        if not isinstance(raw, dict):
            raise NotFound(f"{self.name}: issue {number} answered without a body")
        return raw

    def get_issue(self, ref: Ref) -> Issue:
        """Read one issue; ``NotFound`` if deleted, ``Forbidden`` if access was lost."""
        return mapping.issue_from_raw(self._raw(ref), self.rules())

    def create_issue(self, project: str, draft: IssueDraft, *, key: str) -> Issue:
        """Create an issue whose description ends with the hidden marker ``key``."""
        rules = self.rules()
        body: dict[str, Any] = {
            "project_id": self.catalog.project_id(project),
            "subject": draft.title,
            "description": mapping.add_marker(draft.body, key),
        }
        tracker = self.settings.tracker_for(project, draft.issue_type)
        if tracker:
            body["tracker_id"] = self.catalog.tracker_id(tracker)
        if draft.priority is not None:
            body["priority_id"] = self._priority_id(draft.priority)
        labels = self._labels_field(project)
        if labels is not None and draft.labels:
            body["custom_fields"] = [{"id": labels, "value": mapping.join_labels(draft.labels)}]
        raw = self.client.post("/issues.json", {"issue": body})["issue"]
        return mapping.issue_from_raw(raw, rules)

    def find_issue(self, project: str, key: str, since: datetime | None) -> Issue | None:
        """The issue syncd's user created with ``key`` (created at or after ``since``): one
        search on the description, then an exact check of the marker."""
        rules = self.rules()
        params: list[tuple[str, Any]] = [
            ("project_id", self.catalog.project_id(project)),
            ("status_id", "*"),
            ("author_id", rules.me),
            ("description", f"~syncd:key={key}"),
            ("sort", "id:desc"),
        ]
        if since is not None:
            params.append(("created_on", f">={mapping.filter_time(since)}"))
        for raw in self.client.pages("/issues.json", "issues", params):
            if mapping.split_marker(raw.get("description"))[1] == key:
                return mapping.issue_from_raw(raw, rules)
        return None

    def update_issue(self, ref: Ref, **change: Unpack[IssueChange]) -> Issue:
        """Change an issue in one PUT; a status Redmine's workflow refuses is an error."""
        raw = self._raw(ref)
        rules = self.rules()
        current = mapping.issue_from_raw(raw, rules)
        put: dict[str, Any] = {}
        written: str | None = None  # the status name written, if any
        status = change.get("status")
        if status is not None and mapping.issue_status(raw, rules) != status:
            written = self.settings.write_statuses()[status]
            put["status_id"] = self.catalog.status_id(written)
        priority, title = change.get("priority"), change.get("title")
        if priority is not None and current.priority != priority:
            put["priority_id"] = self._priority_id(priority)
        if title is not None and title != current.title:
            put["subject"] = title
        if (body := change.get("body")) is not None:
            marker = mapping.split_marker(raw.get("description"))[1]
            put["description"] = mapping.add_marker(body, marker) if marker else body
        labels = current.labels | set(change.get("add_labels", ()))
        labels -= set(change.get("remove_labels", ()))
        if labels != current.labels:
            field = self._labels_field(self.catalog.identifier(int(raw["project"]["id"])))
            if field is not None:
                value = mapping.join_labels(labels)
                put["custom_fields"] = [{"id": field, "value": value}]
        if not put:
            return current
        self.client.put(f"/issues/{raw['id']}.json", {"issue": put})
        after = self._raw(ref)
        now = int((after.get("status") or {}).get("id") or 0)
        if written is not None and now != put["status_id"]:
            # Redmine drops a status its workflow does not allow, and still answers 204
            raise PermanentError(
                f"{self.name}: Redmine's workflow does not let syncd's user move issue "
                f"{ref.key} to {written!r} (Administration → Workflow, for its role and tracker)"
            )
        return mapping.issue_from_raw(after, rules)

    def open_issues(self, project: str, limit: int) -> list[Issue]:
        """Up to ``limit`` open issues of ``project``, most recently updated first."""
        params = [
            ("project_id", self.catalog.project_id(project)),
            ("status_id", "open"),
            ("sort", "updated_on:desc"),
        ]
        rules = self.rules()
        out: list[Issue] = []
        for raw in self.client.pages("/issues.json", "issues", params, limit=min(limit, 100)):
            out.append(mapping.issue_from_raw(raw, rules))
            if len(out) >= limit:
                break
        return out

    def is_public(self, project: str) -> bool:
        """Whether the project is public (read at most once a minute)."""
        return self.catalog.project(project).public

    def project_of(self, ref: Ref) -> str:
        """The identifier of the project holding an issue or a note."""
        key = ref.key.split("#", 1)[0]
        if not key.isdigit():
            raise ValueError(f"not a Redmine issue or note: {ref}")
        raw = self._raw(Ref.issue(ref.connector, key))
        return self.catalog.identifier(int(raw["project"]["id"]))

    def _priority_id(self, priority: Priority) -> int:
        return self.catalog.priority_id(self.settings.write_priorities()[priority])

    def _labels_field(self, project: str) -> int | None:
        return self.catalog.labels_field(project, self.settings.labels_field)

    # --- notes ---------------------------------------------------------------------------

    def comments(self, parent: Ref) -> list[Comment]:
        """Every note on an issue, oldest first (private notes are internal)."""
        return mapping.notes_of(self._raw(parent, journals=True), self.rules())

    def add_comment(self, parent: Ref, body: str, *, public: bool, key: str) -> Comment:
        """A note with the marker ``key``; private unless ``public``."""
        number = self._raw(parent)["id"]
        note = {"notes": mapping.add_marker(body, key), "private_notes": not public}
        self.client.put(f"/issues/{number}.json", {"issue": note})
        # Redmine answers 204: the note is read back by its marker
        found = self.find_comment(parent, key)
        if found is None:
            raise PermanentError(f"{self.name}: the note on issue {number} is not there")
        return found

    def find_comment(self, parent: Ref, key: str) -> Comment | None:
        """syncd's note carrying ``key``, if any."""
        for comment in self.comments(parent):
            if comment.marker == key and comment.by_syncd:
                return comment
        return None

    def edit_comment(self, ref: Ref, parent: Ref, body: str) -> Comment:
        """Not offered (no ``COMMENT_EDIT``)."""
        raise PermanentError(f"{self.name}: the Redmine connector does not edit notes")

    def delete_comment(self, ref: Ref, parent: Ref) -> None:
        """Not offered (no ``COMMENT_DELETE``)."""
        raise PermanentError(f"{self.name}: the Redmine connector does not delete notes")

    # --- changes -------------------------------------------------------------------------

    def poll(self, cursor: str | None) -> PollPage:
        """Issues and notes changed since ``cursor`` in the watched projects (all projects
        syncd's user sees when none are watched)."""
        if cursor is None:
            return PollPage(changes=(), cursor=start_cursor())
        state = self._poller.load(self.name, cursor)  # an unreadable cursor costs no request
        ids = [self.catalog.project_id(p) for p in self._watched]
        return self._poller.poll(state, self.rules(), ids)

    def cursor_since(self, moment: datetime) -> str:
        """A cursor whose polls return what changed at or after ``moment``."""
        return cursor_since(moment)

    def check_cursor(self, cursor: str) -> None:
        """``CursorError`` if ``poll`` could not read ``cursor``; no request."""
        self._poller.load(self.name, cursor)

    def webhooks_offline(self) -> bool:
        """Refusing a delivery needs no call."""
        return True

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Redmine sends no webhooks: every delivery is refused."""
        raise WebhookError(404, "Redmine sends no webhooks; syncd polls it")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """Redmine sends no webhooks: every delivery is refused."""
        raise WebhookError(404, "Redmine sends no webhooks; syncd polls it")

    def close(self) -> None:
        """Release HTTP connections."""
        self.client.close()
