"""The GitHub tracker connector: issues, comments, polling and webhooks of one account."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from syncd.connector import Capability, DiagnoseContext, Finding, WebhookResult
from syncd.errors import NotFound
from syncd.model import Comment, Issue, IssueDraft, IssueStatus, Ref
from syncd.tracker_kit import BOT_TRACKER, BotTracker
from syncd.tracker_parts import IssueEdit, keyed, remarked

from . import webhooks
from .client import GitHubClient
from .diagnose import diagnose
from .fields import set_fields
from .mapping import (
    Rules,
    add_marker,
    comment_from_raw,
    draft_payload,
    is_pull_request,
    issue_from_raw,
    issue_status,
    label_names,
    parse_comment_key,
    parse_issue_key,
    parse_time,
    repo_is_public,
    split_marker,
    state_for,
)
from .poll import Poller
from .settings import GitHubSettings

CAPABILITIES = BOT_TRACKER | {
    Capability.CONDITIONAL_POLL,
    Capability.COLLAPSIBLE,
    Capability.FIELDS,
}


class GitHubConnector(BotTracker[Rules, GitHubClient]):
    """syncd's view of GitHub Issues, acting as one account (the bot)."""

    settings: GitHubSettings

    capabilities = CAPABILITIES
    vendor = "GitHub"

    def __init__(self, name: str, settings: GitHubSettings) -> None:
        self.name = name
        self.settings = settings
        client = GitHubClient(settings, str(settings.secret("token")))
        self.start(settings.repositories, client, settings.rules, settings.bot_login)
        self._poller = Poller(self._client, self._rules, settings.max_poll_pages, settings.per_page)

    # --- account -------------------------------------------------------------------------

    def check(self) -> str:
        """The bot's login (``GET /user``); ``AuthError`` when the token is refused."""
        with self._client.errors():
            login = str(self._client.gh.get_user().login)
        self._bot_name = login
        return login

    def diagnose(self, context: DiagnoseContext) -> list[Finding]:
        """Check the token and, per repository, access, Issues, labels and the webhook."""
        return diagnose(self, context)

    # --- issues --------------------------------------------------------------------------

    def issue_path(self, project: str, number: int) -> str:
        """``/repos/{owner}/{repo}/issues/{number}``."""
        return f"/repos/{project}/issues/{number}"

    def issue_of(self, raw: Any, project: str) -> Issue:
        """A REST issue as a canonical issue, its repository read from the answer (a moved
        issue answers under its new repository)."""
        return issue_from_raw(raw, self._rules())

    def can_write(self, ref: Ref) -> bool:
        """False when the issue's repository is archived or we may no longer push to it."""
        repo, _ = self._issue_key(ref)
        data = self._client.call("GET", f"/repos/{repo}").data
        if not isinstance(data, dict):
            return True
        perms = data.get("permissions") or {}
        return not data.get("archived") and perms.get("push", True) is not False

    def open_issues(self, project: str, limit: int) -> list[Issue]:
        """Up to ``limit`` open issues of ``project`` (pull requests left out), newest first."""
        params = {"state": "open", "sort": "updated", "direction": "desc", "per_page": 100}
        out: list[Issue] = []
        for raw in self._client.records(f"/repos/{project}/issues", params):
            if not is_pull_request(raw):
                out.append(issue_from_raw(raw, self._rules()))
            if len(out) >= limit:
                break
        return out

    def read_public(self, project: str) -> bool:
        """Whether anyone may read the repository (``visibility`` of ``GET /repos/{repo}``;
        an ``internal`` repository, readable by an enterprise's members, is not public)."""
        return repo_is_public(self._client.call("GET", f"/repos/{project}").data)

    def create_issue(self, project: str, draft: IssueDraft, *, key: str) -> Issue:
        """Create an issue whose body carries the hidden marker ``key``."""
        self._bot()
        payload = draft_payload(draft, key, self._rules())
        with self._client.errors():
            made = self._client.repo(project).create_issue(
                payload["title"],
                body=payload["body"],
                labels=payload["labels"],
                assignees=payload.get("assignees", []),
            )
            raw = made.raw_data
        return issue_from_raw(raw, self._rules())

    def find_issue(self, project: str, key: str, since: datetime | None) -> Issue | None:
        """Find the issue the bot created with ``key``, newest first, without the search API."""
        params: dict[str, Any] = {
            "creator": self._bot(),
            "state": "all",
            "sort": "created",
            "direction": "desc",
            "per_page": self.settings.per_page,
        }
        if since is not None:
            # since filters on updated_at, which is never older than created_at
            params["since"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        for raw in self._client.records(f"/repos/{project}/issues", params):
            if is_pull_request(raw):
                continue
            created = parse_time(raw.get("created_at"))
            if since is not None and created is not None and created < since:
                return None
            if split_marker(raw.get("body"))[1] == key:
                return issue_from_raw(raw, self._rules())
        return None

    def apply_edit(self, ref: Ref, edit: IssueEdit) -> Issue:
        """Change an issue: labels first, then one PATCH for state, title and body."""
        repo, number = self._issue_key(ref)
        raw = self._raw_issue(repo, number)
        rules = self._rules()
        to_add, to_remove = edit.labels(label_names(raw), rules)
        path = self.issue_path(repo, number)
        if to_add:
            self._client.call("POST", f"{path}/labels", body={"labels": to_add})
        for label in to_remove:
            # a label removed meanwhile leaves the wanted state: a 404 is fine
            with contextlib.suppress(NotFound):
                self._client.call("DELETE", f"{path}/labels/{quote(label, safe='')}")
        patch: dict[str, Any] = {}
        target = edit.status
        if target is not None and issue_status(raw) != _open_or(target):
            patch.update(state_for(target, raw.get("state")))
        if (new_title := edit.new_title(raw.get("title"))) is not None:
            patch["title"] = new_title
        if edit.body is not None:
            patch["body"] = remarked(raw.get("body"), edit.body)
        if patch:
            raw = self._client.call("PATCH", path, body=patch).data
        elif to_add or to_remove:
            raw = self._raw_issue(repo, number)
        return issue_from_raw(raw, rules)

    # --- mapped fields -------------------------------------------------------------------

    def map_fields(self, names: Sequence[str]) -> None:
        """Nothing more to read: milestone (with its due date) and assignee always come."""

    def set_fields(self, ref: Ref, values: Mapping[str, str]) -> Issue:
        """Set the milestone (by title) and the assignee (by login) in one PATCH."""
        repo, number = self._issue_key(ref)
        return issue_from_raw(set_fields(self._client, repo, number, values), self._rules())

    # --- comments ------------------------------------------------------------------------

    def comments(self, parent: Ref) -> list[Comment]:
        """Every comment on an issue, oldest first."""
        repo, number = self._issue_key(parent)
        rules = self._rules()
        params = {"per_page": self.settings.per_page}
        path = f"/repos/{repo}/issues/{number}/comments"
        return [comment_from_raw(raw, rules, repo) for raw in self._client.records(path, params)]

    def add_comment(self, parent: Ref, body: str, *, public: bool, key: str) -> Comment:
        """Comment as the bot with the hidden marker ``key`` (GitHub has no internal notes)."""
        repo, number = self._issue_key(parent)
        self._bot()
        raw = self._client.call(
            "POST", f"/repos/{repo}/issues/{number}/comments", body={"body": add_marker(body, key)}
        ).data
        return comment_from_raw(raw, self._rules(), repo)

    # --- changes -------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check ``X-Hub-Signature-256`` against the configured secret."""
        webhooks.verify(headers, body, self.webhook_secret())

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """Turn a verified ``issues`` / ``issue_comment`` delivery into changes."""
        self.learn_bot_quietly()
        return webhooks.parse(headers, body, self._rules())

    # --- helpers -------------------------------------------------------------------------

    def _issue_key(self, ref: Ref) -> tuple[str, int]:
        return keyed(parse_issue_key, ref)

    def comment_path(self, ref: Ref) -> str:
        """``/repos/{owner}/{repo}/issues/comments/{id}``: comment ids are the repository's."""
        repo, comment_id = keyed(parse_comment_key, ref)
        return f"/repos/{repo}/issues/comments/{comment_id}"

    def comment_of(self, raw: Any, ref: Ref) -> Comment:
        """A REST comment as a canonical comment."""
        return comment_from_raw(raw, self._rules(), self.project_of(ref))


def _open_or(target: IssueStatus) -> IssueStatus:
    # in_progress differs from todo only by a label, which label_changes already handles
    return IssueStatus.TODO if target == IssueStatus.IN_PROGRESS else target
