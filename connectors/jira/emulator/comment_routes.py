"""The comment endpoints of the emulated Jira's REST API: an issue's comments (list with
``startAt``/``maxResults``, add, read, edit, delete; ``expand=properties``) and comment
properties, with the property reads and writes that issue properties share.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from connectors.jira.emulator.records import Json, OpError, StoredIssue, User

if TYPE_CHECKING:
    from connectors.jira.emulator.admin import AdminState
    from connectors.jira.emulator.app import JiraEmulator
    from connectors.jira.emulator.state import Store


def read_property(properties: Json, name: str) -> tuple[int, Any]:
    """``GET .../properties/{name}`` of an issue or a comment."""
    if name not in properties:
        raise OpError(404, [f"The property with key '{name}' does not exist."])
    return 200, {"key": name, "value": properties[name]}


def write_property(properties: Json, name: str, value: Any) -> tuple[int, Any]:
    """``PUT .../properties/{name}``: 201 for a new property, 200 for a replaced one."""
    existed = name in properties
    properties[name] = value
    return (200 if existed else 201), None


def expands_properties(r: Request) -> bool:
    """Whether the call asks for comment properties (``expand=properties``)."""
    return "properties" in (r.query_params.get("expand") or "")


class CommentHandlers:
    """Comment handlers mixed into the REST API."""

    emu: JiraEmulator
    store: Store

    if TYPE_CHECKING:

        @property
        def admin(self) -> AdminState: ...

        def _issue(self, user: User, key: str) -> StoredIssue: ...

        def _check_body(self, api: str, value: Any, field: str) -> None: ...

    def list_comments(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self._issue(user, m["key"])
        start = int(r.query_params.get("startAt", 0))
        size = min(int(r.query_params.get("maxResults", 50)), 100)
        props = expands_properties(r)
        page = issue.comments[start : start + size]
        return 200, {
            "startAt": start,
            "maxResults": size,
            "total": len(issue.comments),
            "comments": [self.store.render_comment(issue, c, api, props) for c in page],
        }

    def add_comment(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        body = body or {}
        self._check_body(api, body.get("body"), "comment")
        self.admin.need(user, self._issue(user, m["key"]).project, "ADD_COMMENTS")
        issue, c = self.emu.add_comment(
            user.name, m["key"], body.get("body"), body.get("visibility"), body.get("properties")
        )
        props = expands_properties(r)
        return 201, self.store.render_comment(issue, c, api, props)

    def get_comment(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self._issue(user, m["key"])
        props = expands_properties(r)
        return 200, self.store.render_comment(
            issue, self.emu.find_comment(issue, m["cid"]), api, props
        )

    def edit_comment(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        body = body or {}
        self._check_body(api, body.get("body"), "comment")
        issue, c = self.emu.edit_comment(
            user.name, m["key"], m["cid"], body.get("body"), body.get("visibility")
        )
        props = expands_properties(r)
        return 200, self.store.render_comment(issue, c, api, props)

    def delete_comment(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        self.emu.delete_comment(user.name, m["key"], m["cid"])
        return 204, None

    def _comment_by_id(self, user: User, cid: str) -> Json:
        for issue in self.store.issues.values():
            if issue.key in user.hidden:
                continue
            for c in issue.comments:
                if c["id"] == cid:
                    return c
        raise OpError(404, [f"Can not find a comment for the id: {cid}."])

    def get_comment_property(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        return read_property(self._comment_by_id(user, m["cid"])["properties"], m["prop"])

    def put_comment_property(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        return write_property(self._comment_by_id(user, m["cid"])["properties"], m["prop"], body)
