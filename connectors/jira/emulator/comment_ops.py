"""The comment operations of the emulated Jira, which the REST API and the in-process helpers
both call: add (with a role or group restriction and properties), find, edit and delete, each
firing Jira's ``comment_*`` webhook and the ``jira:issue_updated`` that comes with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.jira.emulator.records import GROUPS, ROLES, Json, OpError, StoredIssue, User, ms
from connectors.jira.emulator.state import Store


class CommentOperations:
    """Comment writes and their webhooks, mixed into the emulator."""

    flavour: str
    store: Store

    if TYPE_CHECKING:

        def _emit(self, event: str, payload: Json, issue: StoredIssue) -> None: ...

        def _issue_event(
            self, event: str, issue: StoredIssue, who: str, type_name: str | None, **extra: Any
        ) -> None: ...

        def _get(self, key: str, user: User | None = None) -> StoredIssue: ...

    def _comment_events(self, event: str, issue: StoredIssue, comment: Json, who: str) -> None:
        rendered = self.store.render_comment(issue, comment, "2")
        payload: Json = {"timestamp": ms(comment["updated"]), "webhookEvent": event}
        payload["comment"] = rendered
        if self.flavour == "cloud":
            # Cloud names the issue in comment events; Server/DC does not
            payload["issue"] = {
                "id": issue.id,
                "self": f"{self.store.rest('2')}/issue/{issue.id}",
                "key": issue.key,
                "fields": {
                    k: v
                    for k, v in self.store.render_issue(issue, "2")["fields"].items()
                    if k in ("summary", "status", "priority", "issuetype", "project", "assignee")
                },
            }
        self._emit(event, payload, issue)
        type_name = {
            "comment_created": "issue_commented",
            "comment_updated": "issue_comment_edited",
            "comment_deleted": "issue_comment_deleted",
        }[event]
        extra = {"comment": rendered} if event != "comment_deleted" else {}
        self._issue_event("jira:issue_updated", issue, who, type_name, **extra)

    def add_comment(
        self,
        who: str,
        key: str,
        body: Any,
        visibility: Json | None = None,
        properties: list[Json] | None = None,
    ) -> tuple[StoredIssue, Json]:
        """Add a comment; ``visibility`` restricts it to a role or group."""
        s = self.store
        with s.lock:
            issue = self._get(key, s.users[who])
            _check_visibility(visibility)
            s.next_comment += 1
            now = s.now()
            comment: Json = {
                "id": str(s.next_comment),
                "author": who,
                "update_author": who,
                "body": s.native_body(body),
                "created": now,
                "updated": now,
                "visibility": dict(visibility) if visibility else None,
                "properties": {str(p["key"]): p.get("value") for p in properties or []},
            }
            issue.comments.append(comment)
            issue.updated = now
            self._comment_events("comment_created", issue, comment, who)
            return issue, comment

    def find_comment(self, issue: StoredIssue, comment_id: str) -> Json:
        for c in issue.comments:
            if c["id"] == str(comment_id):
                return c
        raise OpError(404, ["Can not find a comment for the id: " + str(comment_id) + "."])

    def edit_comment(
        self, who: str, key: str, comment_id: str, body: Any, visibility: Json | None = None
    ) -> tuple[StoredIssue, Json]:
        """Replace a comment's body; the restriction changes only when one is given."""
        s = self.store
        with s.lock:
            issue = self._get(key, s.users[who])
            comment = self.find_comment(issue, comment_id)
            if visibility:
                _check_visibility(visibility)
                comment["visibility"] = dict(visibility)
            comment["body"] = s.native_body(body)
            comment["update_author"] = who
            comment["updated"] = issue.updated = s.now()
            self._comment_events("comment_updated", issue, comment, who)
            return issue, comment

    def delete_comment(self, who: str, key: str, comment_id: str) -> None:
        """Delete a comment."""
        s = self.store
        with s.lock:
            issue = self._get(key, s.users[who])
            comment = self.find_comment(issue, comment_id)
            issue.comments.remove(comment)
            comment["updated"] = issue.updated = s.now()
            self._comment_events("comment_deleted", issue, comment, who)


def _check_visibility(visibility: Json | None) -> None:
    if not visibility:
        return
    kind, value = visibility.get("type"), visibility.get("value")
    if (kind == "role" and value in ROLES) or (kind == "group" and value in GROUPS):
        return
    raise OpError(
        400,
        [],
        {"commentLevel": f"You are currently not a member of the project role or group: {value}."},
    )
