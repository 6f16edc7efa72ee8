"""The Jira connector's comments: reading an issue's comments page by page with their
properties, adding one (internal ones restricted to the configured role or group, and marked
internal for Jira Service Management), finding one by syncd's key, editing and deleting.

Every comment syncd adds carries its idempotency key in the ``syncd`` property, set in the
same request, so a retried write finds the comment it made. An edit resends the comment's
restriction: Jira would otherwise make a private comment public.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from connectors.jira import mapping
from syncd.model import Comment, Ref
from syncd.paging import next_offset, walk

if TYPE_CHECKING:
    from connectors.jira.client import JiraClient
    from connectors.jira.settings import JiraSettings


class CommentMethods:
    """The connector's ``Capability.COMMENTS`` (with edit, delete and internal comments)."""

    name: str
    settings: JiraSettings
    client: JiraClient
    _ids: dict[str, str]  # issue key -> issue id, for comment refs

    if TYPE_CHECKING:

        def bot_ids(self) -> set[str]: ...

    def _issue_id(self, key: str) -> str:
        if key not in self._ids:
            raw = self.client.get(f"issue/{key}", {"fields": "summary"})
            self._ids[key] = str(raw["id"])
            self._ids[str(raw["key"])] = str(raw["id"])
        return self._ids[key]

    def _comment(self, parent: Ref, raw: Mapping[str, Any]) -> Comment:
        issue_id = mapping.issue_id_from_comment(raw) or self._issue_id(parent.key)
        return mapping.comment_from_raw(self.name, parent, issue_id, raw, bot=self.bot_ids())

    def comments(self, parent: Ref) -> list[Comment]:
        """All comments on an issue, oldest first, with their properties."""

        def fetch(start: int) -> Any:
            params = {"startAt": start, "maxResults": 100, "expand": "properties"}
            return self.client.get(f"issue/{parent.key}/comment", params)

        def following(page: Any, start: int) -> int | None:
            return next_offset(start, len(page.get("comments", [])), int(page.get("total", 0)))

        pages = walk(fetch, 0, following, max_pages=10_000)
        return [self._comment(parent, raw) for page in pages for raw in page.get("comments", [])]

    def add_comment(self, parent: Ref, body: str, *, public: bool, key: str) -> Comment:
        """Add a comment; internal ones get the configured visibility."""
        props: list[dict[str, Any]] = [{"key": mapping.PROPERTY, "value": {"key": key}}]
        payload: dict[str, Any] = {
            "body": mapping.markdown_to_body(body, self.settings.flavour),
            "properties": props,
        }
        if not public:
            payload["visibility"] = self.settings.internal_visibility.model_dump()
            if self.settings.service_management:
                props.append({"key": mapping.SD_PUBLIC, "value": {"internal": True}})
        raw = self.client.send("POST", f"issue/{parent.key}/comment?expand=properties", payload)
        return self._comment(parent, raw)

    def find_comment(self, parent: Ref, key: str) -> Comment | None:
        """The comment whose ``syncd`` property holds ``key``."""
        return next((c for c in self.comments(parent) if c.marker == key), None)

    def edit_comment(self, ref: Ref, parent: Ref, body: str) -> Comment:
        """Replace a comment's body, keeping its restriction."""
        path = f"issue/{parent.key}/comment/{ref.key.rsplit('/', 1)[-1]}"
        current = self.client.get(path, {"expand": "properties"})
        payload: dict[str, Any] = {"body": mapping.markdown_to_body(body, self.settings.flavour)}
        if current.get("visibility"):
            # resend the restriction: an edit must never make a private comment public
            payload["visibility"] = current["visibility"]
        raw = self.client.send("PUT", f"{path}?expand=properties", payload)
        return self._comment(parent, raw)

    def delete_comment(self, ref: Ref, parent: Ref) -> None:
        """Delete a comment."""
        self.client.send("DELETE", f"issue/{parent.key}/comment/{ref.key.rsplit('/', 1)[-1]}")
