"""Which files cross between a ticket and its issue: the root ``attachments`` and each
route's (a route's keys override the root's one by one, see :meth:`FilePolicy.within`).

A file crosses when its size is within ``max_size`` and its type is allowed: by extension
(``extensions``) and by content type (``content_types``, ``image/*`` style); an empty list
allows any. A refused file is named in an internal note on the ticket. Files never reach a
project the public may read (the outgoing-text gate's ``privacy.public`` or the tracker's
answer) unless ``public_projects`` says so, and a file on an internal note never does.
"""

from __future__ import annotations

import fnmatch
from datetime import timedelta

from pydantic import ByteSize, Field, field_validator

from syncd.model import FileRef
from syncd.workflow import Strict, parse_duration

MB = 1024 * 1024


class FilePolicy(Strict):
    """Files on comments and issues, both ways."""

    enabled: bool = True  # false: files stay where they are (their names still show)
    max_size: ByteSize = Field(default=ByteSize(20 * MB), gt=0)  # "20MB", "512KiB" or bytes
    # allowed file name extensions, without the dot (empty: any); compared case-blind
    extensions: list[str] = Field(default_factory=list)
    # allowed content types, "image/*" style (empty: any)
    content_types: list[str] = Field(default_factory=list)
    # files may go to a project anyone may read (public files only; never internal ones)
    public_projects: bool = False
    # how long the signed links to files work, on trackers without an attachment API
    link_ttl: timedelta = Field(default_factory=lambda: timedelta(days=7))

    @field_validator("link_ttl", mode="before")
    @classmethod
    def _duration(cls, v: object) -> timedelta:
        return parse_duration(v)

    @field_validator("extensions", mode="after")
    @classmethod
    def _bare(cls, v: list[str]) -> list[str]:
        return [e.strip().lstrip(".").casefold() for e in v if e.strip()]

    def within(self, route: FilePolicy) -> FilePolicy:
        """A route's policy on top of this one (the root's): the keys the route sets win."""
        given = route.model_fields_set
        merged = {k: getattr(route if k in given else self, k) for k in type(self).model_fields}
        return FilePolicy.model_validate(merged)

    def refusal(self, file: FileRef, size: int | None = None) -> str | None:
        """Why ``file`` may not cross (None: it may); ``size`` is what was read, if it was."""
        if not self.enabled:
            return "files do not cross on this route"
        known = size if size is not None else file.size
        if known is not None and known > self.max_size:
            return f"larger than {self.max_size.human_readable(decimal=True)}"
        ext = file.name.rsplit(".", 1)[-1].casefold() if "." in file.name else ""
        if self.extensions and ext not in self.extensions:
            return f"type .{ext or '?'} is not allowed"
        kind = (file.content_type or "application/octet-stream").split(";")[0].strip().lower()
        if self.content_types and not any(
            fnmatch.fnmatchcase(kind, p.lower()) for p in self.content_types
        ):
            return f"content type {kind} is not allowed"
        return None
