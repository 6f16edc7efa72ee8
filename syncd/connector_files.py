"""The part of the connector contract that moves files (``Capability.ATTACHMENTS``).

A connector with it reads the content of the files it lists on comments or issues
(:class:`~syncd.model.FileRef`) and attaches files to a ticket or an issue together with a
comment that carries syncd's idempotency key, so a retry finds the comment and sends nothing
twice. Trackers without an attachment API lack the capability: the engine links to
the files instead (``syncd.engine.file_copy``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from syncd.model import Comment, FileRef, Ref


@dataclass(frozen=True)
class Upload:
    """One file to attach: its name (as the target shows it), type and bytes."""

    name: str
    content_type: str
    content: bytes


@runtime_checkable
class Attachments(Protocol):
    """Connectors with ``ATTACHMENTS`` read and attach files."""

    def read_file(self, file: FileRef, limit: int) -> bytes:
        """The content of ``file``; :class:`~syncd.errors.FileTooLarge` past ``limit``
        bytes (read no further than that)."""
        ...

    def add_files(
        self, parent: Ref, files: Sequence[Upload], *, body: str, public: bool, key: str
    ) -> Comment:
        """Attach ``files`` to a ticket or issue with a comment ``body`` carrying ``key``
        (``public``: customers may read it); return that comment."""
        ...
