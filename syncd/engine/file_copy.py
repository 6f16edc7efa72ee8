"""Carrying the files of one ``COPY_FILES`` action, called by ``execute.perform``.

Each file is checked against the route's policy (size, type; a public target takes only
public files, and only where the route allows), read from its source with a size cap,
hashed, and skipped when the same content already reached (or came from) the target. The
rest go in one write: attached with a comment on a target with ``Capability.ATTACHMENTS``,
else as a comment with signed, expiring links to syncd's ``/files`` page, which reads the
file from its source at each visit. A retry finds the comment by the action's key.

File names were redacted by the outgoing-text gate on the way (they are text); the bytes
are not scanned.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncd.attachment_settings import FilePolicy
from syncd.connector import Capability, Connector, HelpdeskConnector
from syncd.connector_files import Attachments, Upload
from syncd.engine.actions import Action
from syncd.engine.gate import is_public
from syncd.engine.history_link import expiry
from syncd.engine.rules import Rules, ctx
from syncd.errors import ConfigError, FileTooLarge, NotFound, RemoteError
from syncd.model import Comment, FileRef, Frozen, Ref, RefKind
from syncd.workflow import Privacy

ATTACHED = "files_attached"  # the template of the comment that carries the files


class Carried(Frozen):
    """One file an action looked at: sent, a duplicate of one sent before, or refused."""

    name: str
    outcome: str  # sent, linked, duplicate, refused
    sha256: str | None = None
    size: int | None = None
    reason: str | None = None


class FilesCopied(Frozen):
    """What a ``COPY_FILES`` action did: the comment that carries the files (None: nothing
    was sent) and what became of each file."""

    comment: Comment | None = None
    files: tuple[Carried, ...] = ()

    def of(self, outcome: str) -> list[Carried]:
        return [f for f in self.files if f.outcome == outcome]


@dataclass(frozen=True)
class FileDesk:
    """What the runner lends the action: the rules (policy, signer, templates), the store's
    ledger (``seen(where, sha256)``: that content already reached or came from ``where``)
    and the clock that dates link expiries."""

    rules: Rules
    seen: Callable[[str, str], bool]
    clock: Callable[[], datetime]


def files_to_copy(a: Action, connectors: Mapping[str, Connector]) -> tuple[FileRef, ...]:
    """The files of the action: its own, or those of its source comment, read now."""
    if a.files is not None:
        return a.files
    assert a.parent is not None
    conn = connectors.get(a.parent.connector)
    if conn is None:
        raise ConfigError([("", "connectors", f"no connector named {a.parent.connector!r}")])
    with _from(a.parent.connector):
        for c in conn.comments(a.parent):
            if a.source is not None and c.ref == a.source:
                return c.files or ()
        raise NotFound(f"{a.source}: the comment is not on {a.parent} any more")


@contextmanager
def _from(connector: str) -> Iterator[None]:
    """Errors of calls to ``connector`` (a file's source) say so, for the runner."""
    try:
        yield
    except RemoteError as exc:
        exc.connector = connector
        raise


def copy_files(
    a: Action,
    connectors: Mapping[str, Connector],
    attempt: int,
    desk: FileDesk,
    privacy: Privacy,
    names: Mapping[str, str] | None = None,
) -> FilesCopied:
    """Check, read, deduplicate and send the files of ``a`` (already through the gate; the
    policy judges the types by ``names``, file id -> the name before redaction)."""
    assert a.source is not None and a.files is not None
    policy = desk.rules.files_of(a.route)
    source = connectors.get(a.source.connector)
    target = connectors.get(a.target.connector)
    if target is None:
        raise ConfigError([("", "connectors", f"no connector named {a.target.connector!r}")])
    public = not isinstance(target, HelpdeskConnector) and is_public(target, a.target, privacy)
    carried: list[Carried] = []
    ready: list[tuple[FileRef, Upload]] = []
    hashes: set[str] = set()
    for f in a.files:
        given = f.model_copy(update={"name": (names or {}).get(f.id, f.name)})
        why = _refusal(given, policy, public=public, file_public=a.public)
        if why is None and not isinstance(source, Attachments):
            why = f"{a.source.connector} cannot read files"
        if why is not None:
            carried.append(Carried(name=f.name, outcome="refused", size=f.size, reason=why))
            continue
        assert isinstance(source, Attachments)
        try:
            with _from(a.source.connector):
                content = source.read_file(f, int(policy.max_size))
        except FileTooLarge:
            big = policy.refusal(f, int(policy.max_size) + 1)
            carried.append(Carried(name=f.name, outcome="refused", reason=big))
            continue
        sha = hashlib.sha256(content).hexdigest()
        size = len(content)
        if sha in hashes or desk.seen(str(a.target), sha):
            carried.append(Carried(name=f.name, outcome="duplicate", sha256=sha, size=size))
            continue
        hashes.add(sha)
        kind = f.content_type or "application/octet-stream"
        ready.append((f, Upload(name=f.name, content_type=kind, content=content)))
        carried.append(Carried(name=f.name, outcome="sent", sha256=sha, size=size))
    if not ready:
        return FilesCopied(files=tuple(carried))
    if attempt > 1 and (earlier := target.find_comment(a.target, a.key)) is not None:
        return FilesCopied(comment=earlier, files=tuple(carried))
    if Capability.ATTACHMENTS in target.capabilities and isinstance(target, Attachments):
        listed = [{"name": u.name, "size": len(u.content), "url": ""} for _, u in ready]
        body = _body(desk.rules, a, listed)
        uploads = [u for _, u in ready]
        comment = target.add_files(a.target, uploads, body=body, public=a.public, key=a.key)
        return FilesCopied(comment=comment, files=tuple(carried))
    until = expiry(desk.clock(), policy.link_ttl)
    listed = [
        {
            "name": u.name,
            "size": len(u.content),
            "url": desk.rules.signer.file_url(a.link_id or 0, token(a.source, f), until),
        }
        for f, u in ready
    ]
    body = _body(desk.rules, a, listed, expires=until.strftime("%Y-%m-%d %H:%M UTC"))
    comment = target.add_comment(a.target, body, public=a.public, key=a.key)
    linked = [
        c.model_copy(update={"outcome": "linked"}) if c.outcome == "sent" else c for c in carried
    ]
    return FilesCopied(comment=comment, files=tuple(linked))


def _refusal(f: FileRef, policy: FilePolicy, *, public: bool, file_public: bool) -> str | None:
    why = policy.refusal(f)
    if why is None and public and not file_public:
        return "it is on an internal note and the project is public"
    if why is None and public and not policy.public_projects:
        return "the project is public (the route does not allow files there)"
    return why


def _body(rules: Rules, a: Action, files: list[dict[str, Any]], expires: str = "") -> str:
    route = rules.route(a.route or "")
    where = "issue" if a.source is not None and a.source.kind == RefKind.ISSUE else "ticket"
    return rules.templates.render(
        ATTACHED,
        route.templates if route else None,
        **ctx(None, route, files=files, expires=expires, origin=where),
    )


def token(source: Ref, f: FileRef) -> str:
    """The URL-safe name of a file for ``/files``: where it is and how to read it (the
    signature makes it trustworthy, not secret)."""
    data = {"c": source.connector, **f.model_dump(exclude_defaults=True)}
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(text: str) -> tuple[str, FileRef]:
    """The connector and file a :func:`token` names; ValueError if it names none."""
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("not a file token")
    connector = str(data.pop("c"))
    return connector, FileRef.model_validate(data)
