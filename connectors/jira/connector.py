"""The Jira tracker connector: issues, workflow transitions, comments and webhooks."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Unpack

from connectors.jira import mapping, webhooks
from connectors.jira.client import JiraClient
from connectors.jira.comments import CommentMethods
from connectors.jira.diagnose import diagnose
from connectors.jira.fields import FieldCatalog, FieldMethods
from connectors.jira.files import FileMethods
from connectors.jira.poll import Poller, cursor_since
from connectors.jira.settings import JiraSettings
from connectors.jira.site import SITE_CAPABILITIES, SiteMethods
from connectors.jira.visibility import ProjectVisibility
from syncd.connector import (
    PROJECT_LOOKUPS,
    Capability,
    ConnectorBase,
    DiagnoseContext,
    Finding,
    IssueChange,
    WebhookResult,
)
from syncd.errors import NotFound, PermanentError, RemoteError
from syncd.model import Issue, IssueDraft, IssueStatus, Ref, RefKind

CAPABILITIES = SITE_CAPABILITIES | PROJECT_LOOKUPS | {Capability.ATTACHMENTS, Capability.FIELDS}

ISSUE_FIELDS = mapping.ISSUE_FIELDS


class JiraConnector(SiteMethods, CommentMethods, FieldMethods, FileMethods, ConnectorBase):
    """A Jira Cloud or Data Center instance as a :class:`~syncd.connector.TrackerConnector`."""

    settings: JiraSettings

    capabilities = CAPABILITIES

    def __init__(self, name: str, settings: JiraSettings, client: JiraClient | None = None) -> None:
        self.name = name
        self.settings = settings
        self.client = client or JiraClient(settings)
        self.projects: list[str] = list(settings.projects)
        self._me: dict[str, Any] | None = None
        self._ids: dict[str, str] = {}  # issue key -> issue id, for comment refs
        self._lock = threading.Lock()
        self._poller = Poller(self)
        self._visibility = ProjectVisibility(self.client.get)
        self.catalog = FieldCatalog(self.client.get)
        self._mapped: list[str] = []  # field names routes map, read on every issue read
        self._unknown: set[str] = set()  # mapped names the instance has no field for (logged)

    # -- identity -------------------------------------------------------------------------

    def check(self) -> str:
        """Read ``/myself``: the account syncd writes as."""
        me = self.client.get("myself")
        self._me = dict(me)
        return mapping.user_name(me) or str(me.get("displayName") or "")

    def me(self) -> dict[str, Any]:
        """The account syncd writes as (read once)."""
        if self._me is None:
            self.check()
        return self._me or {}

    def bot_ids(self) -> set[str]:
        """Every id the bot account may appear under in comments and webhooks."""
        try:
            me = self.me()
        except RemoteError:
            return set()
        return {str(me[k]) for k in ("accountId", "name", "key") if me.get(k)}

    def diagnose(self, context: DiagnoseContext) -> list[Finding]:
        """Check the account and, per project, issue types, permissions, the role or group of
        internal comments, then the webhook."""
        return diagnose(self, context)

    def watch(self, projects: Sequence[str]) -> None:
        """Add the projects routes target to those polled."""
        with self._lock:
            for project in projects:
                if project not in self.projects:
                    self.projects.append(project)

    # -- issues ---------------------------------------------------------------------------

    def _issue(self, raw: Mapping[str, Any]) -> Issue:
        self._ids[str(raw["key"])] = str(raw.get("id", ""))
        issue = mapping.issue_from_raw(
            self.name,
            raw,
            base_url=self.settings.base_url,
            priorities=self.settings.priorities,
            bot=self.bot_ids(),
        )
        return self._with_fields(issue, raw)

    def _raw_issue(self, key: str) -> dict[str, Any]:
        names = ",".join(dict.fromkeys([*ISSUE_FIELDS, *self.field_ids()]))
        params = {"fields": names, "properties": mapping.PROPERTY}
        return dict(self.client.get(f"issue/{key}", params=params))

    def get_issue(self, ref: Ref) -> Issue:
        """Read one issue; a moved issue comes back under its new key."""
        return self._issue(self._raw_issue(ref.key))

    def create_issue(self, project: str, draft: IssueDraft, *, key: str) -> Issue:
        """Create an issue whose ``syncd`` property and remote link carry ``key``."""
        fields: dict[str, Any] = {
            "project": {"key": project},
            "issuetype": {"name": draft.issue_type or self.settings.issue_type},
            "summary": draft.title,
            "description": mapping.markdown_to_body(draft.body, self.settings.flavour),
            "labels": sorted(draft.labels),
        }
        if draft.components:
            fields["components"] = [{"name": c} for c in draft.components]
        if draft.priority is not None:
            fields["priority"] = {"name": self.settings.priority_name(draft.priority)}
        if draft.assignee:
            who = "accountId" if self.settings.flavour == "cloud" else "name"
            fields["assignee"] = {who: draft.assignee}
        body = {
            "fields": fields,
            # set in the same request as the issue, so no crash can leave it unmarked
            "properties": [{"key": mapping.PROPERTY, "value": {"key": key}}],
        }
        made = self.client.send("POST", "issue", body)
        if draft.origin_url:
            link = {
                "globalId": draft.origin_url,
                "relationship": "support ticket",
                "object": {
                    "url": draft.origin_url,
                    "title": draft.origin_title or draft.origin_url,
                },
            }
            self.client.send("POST", f"issue/{made['key']}/remotelink", link)
        return self._issue(self._raw_issue(str(made["key"])))

    def open_issues(self, project: str, limit: int) -> list[Issue]:
        """Up to ``limit`` open issues of ``project``, most recently updated first."""
        # closed ones are dropped here rather than in JQL, which every flavour then accepts
        jql = f'project = "{project}" ORDER BY updated DESC'
        found = [self._issue(raw) for raw in self._poller.search(jql, limit=min(limit, 100))]
        return [i for i in found if not i.status.is_closed][:limit]

    def find_issue(self, project: str, key: str, since: datetime | None) -> Issue | None:
        """Find the issue carrying ``key`` by its entity property."""
        jql = f'project = "{project}" AND issue.property[{mapping.PROPERTY}].key = "{key}"'
        found: list[dict[str, Any]] = []
        try:
            found = self._poller.search(jql, limit=5)
        except PermanentError as exc:
            if since is None or isinstance(exc, NotFound):
                raise
        if not found and since is not None:
            # instances that do not index the property: scan what was created since
            bound = self._poller.jql_time(since, slack=60)
            jql = f'project = "{project}" AND created >= "{bound}" ORDER BY created DESC'
            found = self._poller.search(jql, limit=100)
        for raw in found:
            if mapping.issue_marker(raw) == key:
                return self._issue(raw)
        return None

    def update_issue(self, ref: Ref, **change: Unpack[IssueChange]) -> Issue:
        """Edit fields in one PUT, then move the status through the workflow."""
        fields: dict[str, Any] = {}
        if (title := change.get("title")) is not None:
            fields["summary"] = title
        if (body := change.get("body")) is not None:
            fields["description"] = mapping.markdown_to_body(body, self.settings.flavour)
        if (priority := change.get("priority")) is not None:
            fields["priority"] = {"name": self.settings.priority_name(priority)}
        labels = [{"add": lb} for lb in change.get("add_labels", ())]
        labels += [{"remove": lb} for lb in change.get("remove_labels", ())]
        edit: dict[str, Any] = {}
        if fields:
            edit["fields"] = fields
        if labels:
            edit["update"] = {"labels": labels}
        if edit:
            self.client.send("PUT", f"issue/{ref.key}", edit)
        if (status := change.get("status")) is not None:
            self._move_to(ref.key, IssueStatus(status))
        return self.get_issue(ref)

    def _move_to(self, key: str, target: IssueStatus) -> None:
        raw = self._raw_issue(key)
        current = mapping.status_of(raw.get("fields") or {})
        if current == target:
            return
        project = ((raw.get("fields") or {}).get("project") or {}).get("key", "")
        wanted = self.settings.status_map.get(project, {}).get(target)
        listed = self.client.get(f"issue/{key}/transitions", {"expand": "transitions.fields"})
        transition = mapping.pick_transition(listed.get("transitions", []), target, wanted)
        resolution = self.settings.resolutions.get(target)
        if transition is None:
            if current.is_closed and target.is_closed and resolution:
                # already closed, only the reason differs: correct the resolution in place
                body = {"fields": {"resolution": {"name": resolution}}}
                self.client.send("PUT", f"issue/{key}", body)
                return
            raise PermanentError(f"{key}: no transition from {current} reaches {target}")
        missing = mapping.required_fields(transition)
        if missing:  # a screen asking for what syncd cannot know: said once, not retried
            raise PermanentError(
                f"{key}: transition {transition.get('name')!r} requires {', '.join(missing)}"
            )
        payload: dict[str, Any] = {"transition": {"id": str(transition["id"])}}
        if target.is_closed and resolution and mapping.needs_resolution(transition):
            payload["fields"] = {"resolution": {"name": resolution}}
        self.client.send("POST", f"issue/{key}/transitions", payload)

    def is_public(self, project: str) -> bool:
        """Whether anonymous users may browse ``project`` (its permission scheme), read at
        most once a minute; True when syncd's account may not read the scheme."""
        return self._visibility.is_public(project)

    def project_of(self, ref: Ref) -> str:
        """The project of an issue ref (``WID-12``: ``WID``; project keys hold no dash)."""
        project, dash, number = ref.key.rpartition("-")
        if ref.kind == RefKind.PROJECT:
            return ref.key
        if not dash or not project or not number.isdigit():
            raise ValueError(f"not a Jira issue key: {ref}")
        return project

    # -- changes --------------------------------------------------------------------------

    def cursor_since(self, moment: datetime) -> str:
        """A cursor whose polls return what changed at or after ``moment``."""
        return cursor_since(moment)

    def _context(self) -> webhooks.Context:
        return webhooks.Context(
            connector=self.name,
            base_url=self.settings.base_url,
            priorities=self.settings.priorities,
            bot=self.bot_ids(),
            field_ids=tuple(self.field_ids()),
            enrich=self._with_fields,
        )

    def webhooks_offline(self) -> bool:
        """Parsing a delivery calls Jira only while the bot's account (or, with mapped
        fields, the field catalog) is unknown."""
        return self._me is not None and (not self._mapped or self.catalog.loaded)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """Turn a verified delivery into changes."""
        return webhooks.parse(self._context(), headers, body)
