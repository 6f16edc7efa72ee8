"""The GitLab tracker connector: issues, notes, polling and webhooks of one account."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import requests

from syncd.connector import Capability, DiagnoseContext, Finding, WebhookResult
from syncd.model import Comment, Issue, IssueDraft, Ref
from syncd.tracker_kit import BOT_TRACKER, BotTracker
from syncd.tracker_parts import IssueEdit, keyed, remarked

from . import webhooks
from .client import GitLabClient, project_path
from .diagnose import diagnose
from .mapping import (
    Rules,
    add_marker,
    comment_from_raw,
    draft_payload,
    is_user_note,
    issue_from_raw,
    label_names,
    parse_comment_key,
    parse_issue_key,
    parse_time,
    project_is_public,
    split_marker,
    state_event,
)
from .poll import Poller
from .settings import GitLabSettings

CAPABILITIES = BOT_TRACKER | {Capability.INTERNAL_COMMENTS}
DEVELOPER = 30  # GitLab's access level that may close, reopen and label issues


class GitLabConnector(BotTracker[Rules, GitLabClient]):
    """syncd's view of GitLab issues, acting as one account (the bot)."""

    settings: GitLabSettings
    capabilities = CAPABILITIES
    vendor = "GitLab"
    comment_noun = "note"
    edit_verb = "PUT"

    def __init__(
        self, name: str, settings: GitLabSettings, session: requests.Session | None = None
    ) -> None:
        self.name = name
        self.settings = settings
        client = GitLabClient(settings, str(settings.secret("token")), session)
        self.start(settings.projects, client, settings.rules, settings.bot_username)
        self._poller = Poller(
            self._client,
            self._rules,
            max_pages=settings.max_poll_pages,
            per_page=settings.per_page,
            overlap=settings.poll_overlap,
        )

    # --- account -------------------------------------------------------------------------

    def check(self) -> str:
        """The bot's username (``GET /user``); ``AuthError`` when the token is refused."""
        data = self._client.call("GET", "/user").data or {}
        self._bot_name = str(data.get("username") or "")
        return self._bot_name

    def diagnose(self, context: DiagnoseContext) -> list[Finding]:
        """Check the token and, per project, access, issues, labels and the webhook."""
        return diagnose(self, context)

    # --- issues --------------------------------------------------------------------------

    def issue_path(self, project: str, number: int) -> str:
        """``/projects/{url-encoded path}/issues/{iid}``."""
        return f"{project_path(project)}/issues/{number}"

    def issue_of(self, raw: Any, project: str) -> Issue:
        """A REST issue as a canonical issue."""
        return issue_from_raw(raw, self._rules(), project)

    def can_write(self, ref: Ref) -> bool:
        """False when the project is archived or syncd's account is below Reporter there
        (a Guest may comment, but not label, close or reopen)."""
        project, _ = self._issue_key(ref)
        data = self._client.call("GET", project_path(project)).data
        if not isinstance(data, dict):
            return True
        access = (data.get("permissions") or {}).get("project_access") or {}
        group = (data.get("permissions") or {}).get("group_access") or {}
        level = max(int(access.get("access_level") or 0), int(group.get("access_level") or 0))
        return not data.get("archived") and (level >= 20 or not data.get("permissions"))

    def open_issues(self, project: str, limit: int) -> list[Issue]:
        """Up to ``limit`` open issues of ``project``, most recently updated first."""
        params = {"state": "opened", "order_by": "updated_at", "sort": "desc", "per_page": 100}
        out: list[Issue] = []
        for raw in self._client.records(f"{project_path(project)}/issues", params):
            out.append(issue_from_raw(raw, self._rules(), project))
            if len(out) >= limit:
                break
        return out

    def read_public(self, project: str) -> bool:
        """Whether anyone may read the project's issues (``visibility`` public and issues
        not members-only)."""
        return project_is_public(self._client.call("GET", project_path(project)).data)

    def create_issue(self, project: str, draft: IssueDraft, *, key: str) -> Issue:
        """Create an issue whose description carries the hidden marker ``key``."""
        self._bot()
        body = draft_payload(draft, key, self._rules())
        if draft.assignee:
            body["assignee_username"] = draft.assignee
        raw = self._client.call("POST", f"{project_path(project)}/issues", body=body).data
        return issue_from_raw(raw, self._rules(), project)

    def find_issue(self, project: str, key: str, since: datetime | None) -> Issue | None:
        """The issue the bot created with ``key``, newest first: its own issues, searched for
        the key (GitLab's ``search`` reads titles and descriptions)."""
        params: dict[str, Any] = {
            "author_username": self._bot(),
            "search": key,
            "state": "all",
            "order_by": "created_at",
            "sort": "desc",
            "per_page": self.settings.per_page,
        }
        for raw in self._client.records(f"{project_path(project)}/issues", params):
            created = parse_time(raw.get("created_at"))
            if since is not None and created is not None and created < since:
                return None
            if split_marker(raw.get("description"))[1] == key:
                return issue_from_raw(raw, self._rules(), project)
        return None

    def apply_edit(self, ref: Ref, edit: IssueEdit) -> Issue:
        """Change an issue in one PUT: labels, ``state_event``, title and description."""
        project, iid = self._issue_key(ref)
        raw = self._raw_issue(project, iid)
        rules = self._rules()
        to_add, to_remove = edit.labels(label_names(raw), rules)
        put: dict[str, Any] = {}
        if to_add:
            put["add_labels"] = ",".join(to_add)
        if to_remove:
            put["remove_labels"] = ",".join(to_remove)
        if edit.status is not None and (event := state_event(edit.status, raw.get("state"))):
            put["state_event"] = event
        if (new_title := edit.new_title(raw.get("title"))) is not None:
            put["title"] = new_title
        if edit.body is not None:
            put["description"] = remarked(raw.get("description"), edit.body)
        if put:
            raw = self._client.call("PUT", self.issue_path(project, iid), body=put).data
        return issue_from_raw(raw, rules, project)

    # --- notes ---------------------------------------------------------------------------

    def comments(self, parent: Ref) -> list[Comment]:
        """Every note people wrote on an issue (GitLab's system notes left out), oldest first."""
        project, iid = self._issue_key(parent)
        path = f"{self.issue_path(project, iid)}/notes"
        params = {"order_by": "created_at", "sort": "asc", "per_page": self.settings.per_page}
        rules = self._rules()
        return [
            comment_from_raw(raw, rules, project, iid)
            for raw in self._client.records(path, params)
            if is_user_note(raw)
        ]

    def add_comment(self, parent: Ref, body: str, *, public: bool, key: str) -> Comment:
        """A note as the bot with the hidden marker ``key``; ``public=False`` writes an
        internal note, which only project members read."""
        project, iid = self._issue_key(parent)
        self._bot()
        payload = {"body": add_marker(body, key), "internal": not public}
        path = f"{self.issue_path(project, iid)}/notes"
        raw = self._client.call("POST", path, body=payload).data
        return comment_from_raw(raw, self._rules(), project, iid)

    # --- changes -------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check ``X-Gitlab-Token`` against the configured secret."""
        webhooks.verify(headers, self.webhook_secret())

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """Turn a verified Issue Hook or Note Hook delivery into changes."""
        self.learn_bot_quietly()
        return webhooks.parse(headers, body, self._rules())

    # --- helpers -------------------------------------------------------------------------

    def _issue_key(self, ref: Ref) -> tuple[str, int]:
        return keyed(parse_issue_key, ref)

    def comment_path(self, ref: Ref) -> str:
        """``.../issues/{iid}/notes/{id}``: a note's path needs its issue's iid."""
        project, iid, note_id = keyed(parse_comment_key, ref)
        return f"{self.issue_path(project, iid)}/notes/{note_id}"

    def comment_of(self, raw: Any, ref: Ref) -> Comment:
        """A REST note as a canonical comment."""
        project, iid, _ = keyed(parse_comment_key, ref)
        return comment_from_raw(raw, self._rules(), project, iid)
