"""Attachments in the emulated Jira, Cloud and Data Center.

- ``POST /rest/api/{2,3}/issue/{key}/attachments``: multipart form data, one or more parts
  named ``file``; refused with 403 without ``X-Atlassian-Token: no-check`` (Jira's XSRF
  check), 413 past the attachment size limit (Jira's default: 10 MB); answers the list of
  the new attachment objects, as Jira does. The issue's ``updated`` moves and a
  ``jira:issue_updated`` webhook carries an ``Attachment`` changelog item.
- ``GET /rest/api/{2,3}/attachment/{id}``: the attachment object;
  ``GET /rest/api/3/attachment/content/{id}`` (Cloud) and ``GET /secure/attachment/{id}/{name}``
  (the ``content`` URL): the bytes, to an authenticated user who may see the issue.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.jira.emulator.records import Json, OpError, StoredIssue, User
from connectors.jira.mapping import format_time

if TYPE_CHECKING:
    from .app import JiraEmulator

MAX_BYTES = 10 * 1024 * 1024  # Jira's default attachment size limit (10 MB)


@dataclass
class StoredFile:
    id: str
    issue_id: str
    filename: str
    mime: str
    content: bytes
    author: str
    created: datetime


def parts(content_type: str, body: bytes) -> list[tuple[str, str, bytes]]:
    """The ``file`` parts of a multipart/form-data body: (file name, type, content)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    out = []
    for part in message.iter_parts() if message.is_multipart() else ():
        if part.get_param("name", header="content-disposition") != "file":
            continue
        name = part.get_filename() or "attachment"
        payload = part.get_payload(decode=True)
        out.append((name, part.get_content_type(), payload if isinstance(payload, bytes) else b""))
    return out


class Attachments:
    """The attachment operations, over the emulator's store."""

    def __init__(self, emu: JiraEmulator) -> None:
        self.emu = emu
        self.files: dict[str, StoredFile] = {}
        self.next_id = 10000
        self.max_bytes = MAX_BYTES

    def render(self, f: StoredFile, api: str) -> Json:
        s = self.emu.store
        out: Json = {
            "self": f"{s.rest(api)}/attachment/{f.id}",
            "id": f.id,
            "filename": f.filename,
            "author": s.render_user(f.author, api),
            "created": format_time(f.created),
            "size": len(f.content),
            "mimeType": f.mime,
            "content": f"{s.base_url}/secure/attachment/{f.id}/{quote(f.filename)}",
        }
        if f.mime.startswith("image/"):
            out["thumbnail"] = f"{s.base_url}/secure/thumbnail/{f.id}/{quote(f.filename)}"
        return out

    def of(self, issue: StoredIssue, api: str) -> list[Json]:
        """The issue's ``attachment`` field."""
        return [self.render(f, api) for f in self.files.values() if f.issue_id == issue.id]

    def attach(
        self, who: str, key: str, files: list[tuple[str, str, bytes]], api: str
    ) -> list[Json]:
        """Attach ``files`` to issue ``key`` as ``who``; the new attachment objects."""
        with self.emu.store.lock:
            issue = self.emu._get(key, self.emu.store.users.get(who))
            made = []
            for name, mime, content in files:
                self.next_id += 1
                f = StoredFile(
                    str(self.next_id), issue.id, name, mime, content, who, datetime.now(UTC)
                )
                self.files[f.id] = f
                made.append(f)
            issue.updated = self.emu.store.now()
            self.emu.store.next_change += 1
            log = {
                "id": str(self.emu.store.next_change),
                "items": [
                    {
                        "field": "Attachment",
                        "fieldtype": "jira",
                        "fieldId": "attachment",
                        "from": None,
                        "fromString": None,
                        "to": f.id,
                        "toString": f.filename,
                    }
                    for f in made
                ],
            }
            self.emu._issue_event("jira:issue_updated", issue, who, "issue_updated", changelog=log)
            return [self.render(f, api) for f in made]

    def post(
        self, user: User, api: str, m: re.Match[str], request: Request, body: Any
    ) -> tuple[int, Any]:
        """``POST issue/{key}/attachments`` (``body``: the content type and the raw bytes)."""
        if request.headers.get("x-atlassian-token", "").lower() != "no-check":
            raise OpError(403, ["XSRF check failed"])
        content_type, raw = body if isinstance(body, tuple) else ("", b"")
        if not content_type.startswith("multipart/form-data"):
            raise OpError(415, ["Unsupported Media Type: send multipart/form-data"])
        files = parts(content_type, raw)
        if not files:
            raise OpError(400, ["No file was sent: send it as the form part 'file'."])
        if any(len(c) > self.max_bytes for _, _, c in files):
            raise OpError(413, [f"The attachment is larger than {self.max_bytes} bytes."])
        return 200, self.attach(user.name, m["key"], files, api)

    def meta(
        self, user: User, api: str, m: re.Match[str], request: Request, body: Any
    ) -> tuple[int, Any]:
        """``GET attachment/{id}``."""
        return 200, self.render(self._visible(user, m["aid"]), api)

    def _visible(self, user: User, aid: str) -> StoredFile:
        f = self.files.get(aid)
        issue = self.emu.store.issues.get(f.issue_id) if f else None
        if f is None or issue is None or issue.key in user.hidden:
            raise OpError(404, [f"The attachment with id '{aid}' does not exist"])
        return f

    def content(self, user: User, aid: str) -> Response:
        """The bytes of an attachment."""
        try:
            f = self._visible(user, aid)
        except OpError as exc:
            return JSONResponse(exc.body, status_code=exc.status)
        return Response(f.content, media_type=f.mime)

    def routes(self) -> list[Route]:
        """The ``content`` URLs, outside ``/rest/api``."""

        async def secure(request: Request) -> Response:
            user = self.emu.api._user(request)
            if user is None:
                return JSONResponse({"errorMessages": ["Login required"]}, status_code=401)
            return self.content(user, request.path_params["aid"])

        return [Route("/secure/attachment/{aid}/{name:path}", secure, methods=["GET"])]
