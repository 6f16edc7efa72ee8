"""Files in the emulated Zendesk: ``POST /api/v2/uploads.json?filename=`` and the attachments'
content URLs, with Zendesk's shapes and its 50 MB limit per file.

An upload answers ``{"upload": {"token", "attachment", "attachments"}}``; a ticket update
whose comment names the token in ``uploads`` attaches the file to that comment. A second
upload with ``token=`` adds its file to the same token. The content URL
(``/attachments/token/<token>/?name=<name>``) serves the bytes to anyone holding it, as
Zendesk's tokenised URLs do unless private attachments are switched on.
"""

from __future__ import annotations

import mimetypes
import secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from .app import ZendeskEmulator
    from .records import User

MAX_BYTES = 50 * 1024 * 1024  # Zendesk: "The maximum file size is 50 MB"


@dataclass
class StoredFile:
    id: int
    name: str
    content_type: str
    content: bytes
    token: str  # the attachment's own content token


class Uploads:
    """Uploaded files and the tokens that attach them."""

    def __init__(self, next_id: Any) -> None:
        self.lock = threading.Lock()
        self.next_id = next_id
        self.base_url = "https://example.zendesk.com"
        self.files: dict[int, StoredFile] = {}
        self.by_token: dict[str, StoredFile] = {}
        self.pending: dict[str, list[int]] = {}  # upload token -> files not attached yet

    def add(self, name: str, content_type: str, content: bytes, token: str | None = None) -> str:
        """Store one file under upload ``token`` (a new one if None); return the token."""
        with self.lock:
            f = StoredFile(self.next_id(), name, content_type, content, secrets.token_urlsafe(18))
            self.files[f.id] = f
            self.by_token[f.token] = f
            upload = token if token in self.pending else secrets.token_urlsafe(18)
            self.pending.setdefault(upload, []).append(f.id)
            return upload

    def by_hand(self, files: tuple[str | tuple[str, bytes], ...]) -> list[str]:
        """Upload ``files`` (names: empty files; or (name, content)) under one token, as
        the agent interface does; the token in a list, [] for no files."""
        token: str | None = None
        for f in files:
            name, content = (f, b"") if isinstance(f, str) else f
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            token = self.add(name, kind, content, token)
        return [token] if token else []

    def take(self, tokens: Any) -> list[dict[str, Any]]:
        """The attachments of the named upload tokens, now attached (unknown ones ignored)."""
        out: list[dict[str, Any]] = []
        with self.lock:
            for token in tokens if isinstance(tokens, list) else ():
                for fid in self.pending.pop(str(token), []):
                    out.append(self.render(self.files[fid]))
        return out

    def render(self, f: StoredFile) -> dict[str, Any]:
        """An attachment as the API shows it."""
        content = f"{self.base_url}/attachments/token/{f.token}/?name={quote(f.name)}"
        return {
            "id": f.id,
            "url": f"{self.base_url}/api/v2/attachments/{f.id}.json",
            "file_name": f.name,
            "content_url": content,
            "mapped_content_url": content,
            "content_type": f.content_type,
            "size": len(f.content),
            "width": None,
            "height": None,
            "inline": False,
            "deleted": False,
            "malware_access_override": False,
            "malware_scan_result": "malware_not_found",
            "thumbnails": [],
        }


def routes(emu: ZendeskEmulator, endpoint: Any) -> list[Route]:
    """``POST /api/v2/uploads.json`` (authenticated, rate-limited) and the content URLs."""

    async def upload(request: Request, who: User) -> Response:
        uploads = emu.state.uploads
        uploads.base_url = emu._base(request)
        name = request.query_params.get("filename", "").strip()
        if not name:
            body = {
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": {"base": [{"description": "Filename is required"}]},
            }
            return emu._json(request, who, body, 422)
        content = await request.body()
        if len(content) > MAX_BYTES:
            return emu._json(request, who, {"error": "Request Entity Too Large"}, 413)
        kind = request.headers.get("content-type", "application/octet-stream")
        token = uploads.add(name, kind, content, request.query_params.get("token"))
        attachments = [uploads.render(uploads.files[i]) for i in uploads.pending[token]]
        answer = {"token": token, "attachment": attachments[-1], "attachments": attachments}
        return emu._json(request, who, {"upload": answer}, 201)

    async def content(request: Request) -> Response:
        f = emu.state.uploads.by_token.get(request.path_params["token"])
        if f is None:
            return JSONResponse({"error": "RecordNotFound"}, status_code=404)
        return Response(f.content, media_type=f.content_type)

    return [
        Route("/api/v2/uploads.json", endpoint(upload), methods=["POST"]),
        Route("/api/v2/uploads", endpoint(upload), methods=["POST"]),
        Route("/attachments/token/{token}/", content, methods=["GET"]),
    ]
