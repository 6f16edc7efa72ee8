"""Zendesk files: reading an attachment's content, and attaching files to a ticket the
Zendesk way (``POST /api/v2/uploads.json?filename=`` for each file, all under one upload
token, then one ticket update whose comment names the token in ``uploads``).

Content URLs may point outside the account (Zendesk hosts files elsewhere and redirects):
the credentials go only to the account's own host, never to another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx

from syncd.connector_files import Upload
from syncd.errors import FileTooLarge, TransientError, classify_status
from syncd.model import Comment, FileRef, Ref

from .client import USER_AGENT, ZendeskClient

MAX_UPLOAD = 50 * 1024 * 1024  # Zendesk takes files up to 50 MB


def files_of(raw: Any, *, by_syncd: bool = False) -> tuple[FileRef, ...]:
    """A comment's ``attachments`` (the API's objects) as files; deleted ones left out."""
    if not isinstance(raw, list):
        return ()
    return tuple(
        FileRef(
            id=str(a["id"]),
            name=str(a.get("file_name") or a["id"]),
            content_type=str(a.get("content_type") or ""),
            size=a.get("size") if isinstance(a.get("size"), int) else None,
            url=str(a.get("content_url") or ""),
            by_syncd=by_syncd,
        )
        for a in raw
        if isinstance(a, dict) and a.get("id") is not None and not a.get("deleted")
    )


def read(client: ZendeskClient, file: FileRef, limit: int) -> bytes:
    """The content of ``file``, reading no more than ``limit`` bytes."""
    url = httpx.URL(client.url(file.url or f"/api/v2/attachments/{file.id}.json"))
    if not url.is_absolute_url:
        url = httpx.URL(client.settings.root).join(url)
    headers = {"User-Agent": USER_AGENT}
    if url.host == httpx.URL(client.settings.root).host:
        headers["Authorization"] = client._auth  # never to a host outside the account
    try:
        with client.http.stream(
            "GET", url, headers=headers, follow_redirects=True, timeout=client.settings.timeout
        ) as resp:
            if resp.status_code >= 400:
                resp.read()
                raise classify_status(
                    resp.status_code, f"Zendesk file {file.id}: {resp.status_code}"
                )
            out = bytearray()
            for chunk in resp.iter_bytes():
                out += chunk
                if len(out) > limit:
                    raise FileTooLarge(f"Zendesk file {file.id} is larger than {limit} bytes")
            return bytes(out)
    except httpx.HTTPError as exc:
        raise TransientError(f"Zendesk file {file.id}: {type(exc).__name__}: {exc}") from exc


def upload(client: ZendeskClient, files: Sequence[Upload]) -> str:
    """Upload ``files`` under one token and return it."""
    token: str | None = None
    for f in files:
        if len(f.content) > MAX_UPLOAD:
            raise FileTooLarge(f"{f.name}: Zendesk takes files up to 50 MB")
        params: dict[str, Any] = {"filename": f.name}
        if token:
            params["token"] = token
        headers = {
            "Authorization": client._auth,
            "User-Agent": USER_AGENT,
            "Content-Type": f.content_type or "application/octet-stream",
            "Accept": "application/json",
        }
        try:
            resp = client.http.post(
                client.url("/api/v2/uploads.json"),
                params=params,
                content=f.content,
                headers=headers,
                timeout=client.settings.timeout,
            )
        except httpx.HTTPError as exc:
            raise TransientError(f"Zendesk upload: {type(exc).__name__}: {exc}") from exc
        client.note(resp)
        if resp.status_code == 413:
            raise FileTooLarge(f"{f.name}: Zendesk refused the file as too large")
        if resp.status_code >= 400:
            raise classify_status(resp.status_code, f"Zendesk upload: {resp.status_code}")
        token = str(resp.json()["upload"]["token"])
    if token is None:
        raise ValueError("no files to upload")
    return token


class FileMethods:
    """The connector's ``Capability.ATTACHMENTS``."""

    if TYPE_CHECKING:
        client: ZendeskClient

        def _comment(
            self, parent: Ref, body: str, *, public: bool, key: str, uploads: Sequence[str] = ()
        ) -> Comment: ...

    def add_files(
        self, parent: Ref, files: Sequence[Upload], *, body: str, public: bool, key: str
    ) -> Comment:
        """Upload ``files`` under one token, then add the comment that attaches them."""
        token = upload(self.client, files)
        return self._comment(parent, body, public=public, key=key, uploads=[token])

    def read_file(self, file: FileRef, limit: int) -> bytes:
        """The content of an attachment, up to ``limit`` bytes."""
        return read(self.client, file, limit)
