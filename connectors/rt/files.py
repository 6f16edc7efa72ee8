"""Request Tracker files over REST2: the file parts of a transaction (attachments with a
``Filename``) as files, an attachment's content (``GET /attachment/N``, base64-encoded by
RT), and the ``Attachments`` of a reply or comment (``FileName``, ``FileType``,
``FileContent`` in base64), which RT 5 takes in the JSON body."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from syncd.connector_files import Upload
from syncd.errors import FileTooLarge, PermanentError
from syncd.model import Comment, FileRef, Ref

from . import mapping

if TYPE_CHECKING:
    from connectors.rt.client import RTClient

ATT_FIELDS = "Content,ContentType,Filename,TransactionId"  # of a transaction's attachments


def files_of(attachments: Iterable[Mapping[str, Any]], *, by_syncd: bool) -> tuple[FileRef, ...]:
    """The file parts among one transaction's attachments (the message text is not one)."""
    return tuple(
        FileRef(
            id=str(a["id"]),
            name=str(a["Filename"]),
            content_type=str(a.get("ContentType") or "").split(";")[0].strip(),
            url=f"/attachment/{a['id']}",
            by_syncd=by_syncd,
        )
        for a in attachments
        if a.get("Filename") and a.get("id") is not None
    )


def read(client: RTClient, file: FileRef, limit: int) -> bytes:
    """The content of attachment ``file``, up to ``limit`` bytes."""
    data = client.get(file.url or f"/attachment/{file.id}")
    encoded = str((data or {}).get("Content") or "")
    if len(encoded) * 3 // 4 > limit + 4:  # base64: four characters for three bytes
        raise FileTooLarge(f"RT attachment {file.id} is larger than {limit} bytes")
    try:
        content = base64.b64decode(encoded)
    except (binascii.Error, ValueError) as exc:
        raise PermanentError(f"RT attachment {file.id}: content is not base64") from exc
    if len(content) > limit:
        raise FileTooLarge(f"RT attachment {file.id} is larger than {limit} bytes")
    return content


def payload(files: Sequence[Upload]) -> list[dict[str, str]]:
    """The ``Attachments`` of a REST2 reply or comment."""
    return [
        {
            "FileName": f.name,
            "FileType": f.content_type or "application/octet-stream",
            "FileContent": base64.b64encode(f.content).decode(),
        }
        for f in files
    ]


class FileMethods:
    """The connector's text and files of transactions, and ``Capability.ATTACHMENTS``."""

    if TYPE_CHECKING:
        client: RTClient

        def comment_of(self, tid: int, txn: Mapping[str, Any], body: str) -> Comment: ...

        def _tid(self, ref: Ref) -> int: ...

        def _post_message(
            self, tid: int, body: str, *, public: bool, key: str | None, extra: Mapping[str, Any]
        ) -> Comment: ...

    def message_of(self, txn_id: int) -> str:
        """The text of one transaction's message (plain text, from its attachments)."""
        return mapping.message_text(self._parts(txn_id))

    def _parts(self, txn_id: int) -> list[dict[str, Any]]:
        params = {"fields": ATT_FIELDS, "per_page": 100}
        return list(self.client.collection(f"/transaction/{txn_id}/attachments", params))

    def transaction_comment(self, tid: int, txn: Mapping[str, Any]) -> Comment:
        """A message transaction of ticket ``tid`` as a comment, with its text and files."""
        return self.with_files(tid, txn, self._parts(mapping.as_int(txn.get("id"))))

    def with_files(self, tid: int, txn: Mapping[str, Any], parts: list[dict[str, Any]]) -> Comment:
        """The comment of transaction ``txn`` from its attachments ``parts``."""
        comment = self.comment_of(tid, txn, mapping.message_text(parts))
        files = files_of(parts, by_syncd=comment.by_syncd)
        return comment.model_copy(
            update={"files": files, "attachments": tuple(f.name for f in files)}
        )

    def add_files(
        self, parent: Ref, files: Sequence[Upload], *, body: str, public: bool, key: str
    ) -> Comment:
        """A reply (public) or a comment carrying ``files`` and ``key``, in one call."""
        extra = {"Attachments": payload(files)}
        return self._post_message(self._tid(parent), body, public=public, key=key, extra=extra)

    def read_file(self, file: FileRef, limit: int) -> bytes:
        """The content of an attachment, up to ``limit`` bytes."""
        return read(self.client, file, limit)
