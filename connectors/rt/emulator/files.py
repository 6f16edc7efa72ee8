"""Files in the emulated RT: the ``Attachments`` of a REST2 reply or comment, as RT reads them
(``[{"FileName", "FileType", "FileContent": base64}]``, each field required, answered with
RT's own 400 message when one is missing), and their content as RT serves it."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .records import RTError

FIELDS = ("FileName", "FileType", "FileContent")


def attachments_of(data: dict[str, Any]) -> list[tuple[str, str, bytes]]:
    """The files a message body carries: (name, type, content)."""
    given = data.get("Attachments") or []
    if not isinstance(given, list):
        raise RTError(400, "Attachments must be an array")
    out = []
    for item in given:
        for field in FIELDS:
            if not isinstance(item, dict) or not item.get(field):
                raise RTError(
                    400, f"{field} is a required field for each attachment in Attachments"
                )
        try:
            content = base64.b64decode(str(item["FileContent"]), validate=False)
        except (binascii.Error, ValueError) as exc:
            raise RTError(400, "FileContent is not base64") from exc
        out.append((str(item["FileName"]), str(item["FileType"]), content))
    if not data.get("Content") and not out:
        raise RTError(400, "Content is a required field unless Attachments are given")
    return out


def collection_content(data: bytes) -> str:
    """A file's content in a collection (``fields=Content``): the raw bytes, as text."""
    return data.decode("utf-8", "replace")
