"""Jira attachments, Cloud and Data Center: an issue's ``attachment`` field as files, reading
an attachment's content, and attaching files (``POST /rest/api/{2,3}/issue/{key}/attachments``,
multipart, with ``X-Atlassian-Token: no-check``, Jira's XSRF opt-out for REST clients).

Jira keeps attachments on the issue, not on a comment: syncd attaches the files, then adds
the comment that names them and carries its key. A retry after a crash between the two
finds the files syncd attached already (same name and size, by syncd's account) and does
not attach them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from syncd.connector_files import Upload
from syncd.errors import FileTooLarge
from syncd.model import Comment, FileRef, Ref

if TYPE_CHECKING:
    from connectors.jira.client import JiraClient


def files_from_raw(raw: Any, bot: Iterable[str] = ()) -> tuple[FileRef, ...]:
    """An issue's ``attachment`` field (a list of attachment objects) as files."""
    if not isinstance(raw, list):
        return ()
    ours = set(bot)
    out = []
    for a in raw:
        if not isinstance(a, Mapping):
            continue
        # old servers name an attachment only by its ``self`` URL (.../attachment/10031)
        aid = a.get("id") or str(a.get("self") or "").rstrip("/").rsplit("/", 1)[-1]
        if not str(aid).isdigit():
            continue
        author = a.get("author") or {}
        who = str(author.get("accountId") or author.get("name") or author.get("key") or "")
        out.append(
            FileRef(
                id=str(aid),
                name=str(a.get("filename") or aid),
                content_type=str(a.get("mimeType") or ""),
                size=a.get("size") if isinstance(a.get("size"), int) else None,
                url=str(a.get("content") or ""),
                by_syncd=bool(who) and who in ours,
            )
        )
    return tuple(out)


def read(client: JiraClient, file: FileRef, limit: int) -> bytes:
    """The content of ``file`` (its ``content`` URL, or ``attachment/content/{id}``)."""
    url = file.url or client.url(f"attachment/content/{file.id}")
    with client.errors():
        response = client.jira._session.get(url, stream=True, allow_redirects=True)
        try:
            out = bytearray()
            for chunk in response.iter_content(64 * 1024):
                out += chunk
                if len(out) > limit:
                    raise FileTooLarge(f"Jira attachment {file.id} is larger than {limit} bytes")
            return bytes(out)
        finally:
            response.close()


def attach(client: JiraClient, key: str, files: Sequence[Upload], bot: Iterable[str]) -> None:
    """Attach ``files`` to issue ``key``, leaving out those syncd attached there already."""
    there = client.get(f"issue/{key}", params={"fields": "attachment"})
    have = {
        (f.name, f.size)
        for f in files_from_raw((there.get("fields") or {}).get("attachment"), bot)
        if f.by_syncd
    }
    todo = [f for f in files if (f.name, len(f.content)) not in have]
    if not todo:
        return
    parts = [("file", (f.name, f.content, f.content_type)) for f in todo]
    # the session's JSON content type must go: requests sets the multipart boundary
    headers: Any = {"X-Atlassian-Token": "no-check", "Content-Type": None}
    with client.errors():
        response = client.jira._session.post(
            client.url(f"issue/{key}/attachments"), files=parts, headers=headers
        )
    if response.status_code == 413:
        raise FileTooLarge(f"{key}: Jira refused the file as too large")


class FileMethods:
    """The connector's ``Capability.ATTACHMENTS``."""

    if TYPE_CHECKING:
        client: JiraClient

        def bot_ids(self) -> set[str]: ...

        def add_comment(self, parent: Ref, body: str, *, public: bool, key: str) -> Comment: ...

    def add_files(
        self, parent: Ref, files: Sequence[Upload], *, body: str, public: bool, key: str
    ) -> Comment:
        """Attach ``files`` to the issue, then add the comment that names them."""
        attach(self.client, parent.key, files, self.bot_ids())
        return self.add_comment(parent, body, public=public, key=key)

    def read_file(self, file: FileRef, limit: int) -> bytes:
        """The content of an attachment, up to ``limit`` bytes."""
        return read(self.client, file, limit)
