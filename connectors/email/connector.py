"""The e-mail supplier connector: cases mailed to suppliers, their replies read back.

A case is a tracker issue whose project is the supplier's address. Everything syncd knows of
a case lives in the mailbox, in the case folder (see :mod:`.mapping`), so a second replica or
a restarted process reads the same cases; nothing is kept in syncd's own store.

Every mail is filed before it is sent, flagged ``$SyncdUnsent`` until SMTP accepts it: a crash
in between sends it on the next attempt (the same Message-ID, so the supplier's mail client
sees the same message), and never files a second case or comment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Unpack
from urllib.parse import quote

import structlog

from syncd.connector import (
    BASICS,
    Capability,
    ConnectorBase,
    DiagnoseContext,
    Finding,
    IssueChange,
    PollPage,
    WebhookResult,
)
from syncd.errors import NotFound, PermanentError, WebhookError
from syncd.model import Comment, Issue, IssueDraft, Ref

from . import compose, mapping
from .client import Mailbox
from .diagnose import diagnose
from .mapping import Event
from .poll import CURSOR, HEADERS, Reader, events_of
from .settings import EmailSettings
from .smtp import Sender
from .watch import Watcher

log = structlog.get_logger("syncd.email")

CAPABILITIES = BASICS | {Capability.PUSH, Capability.LABELS, Capability.VISIBILITY}


class EmailConnector(ConnectorBase):
    """syncd's view of one mailbox it writes to suppliers from."""

    settings: EmailSettings
    capabilities = CAPABILITIES

    def __init__(self, name: str, settings: EmailSettings) -> None:
        self.name = name
        self.settings = settings
        self.box = Mailbox(name, settings)
        self.sender = Sender(name, settings)
        self.reader = Reader(name, settings, self.box, self.case_events, self._snapshot)
        self.watcher = Watcher(self.box, settings)
        self._ready = False

    # --- account ---------------------------------------------------------------------------

    def check(self) -> str:
        """Log in over IMAP and SMTP; the mailbox syncd acts as."""
        self.box.close()
        self._folder()
        self.sender.check()
        return f"{self.settings.imap_user} <{self.settings.address}>"

    def diagnose(self, context: DiagnoseContext) -> list[Finding]:
        """``syncd connectors test``: IMAP, the case folder, IDLE, SMTP, the suppliers."""
        return diagnose(self, context)

    def _folder(self) -> None:
        if not self._ready:
            self.box.ensure(self.settings.case_folder)
            self._ready = True

    def close(self) -> None:
        self.watcher.close()
        self.box.close()

    # --- cases -----------------------------------------------------------------------------

    def case_events(self, case: str) -> list[Event]:
        """Every filed event of ``case``, in filing order."""
        self._folder()
        folder = self.settings.case_folder
        uids = self.box.search(folder, "HEADER", mapping.CASE, case)
        return [e for e in events_of(self.box.fetch(folder, uids, HEADERS)) if e.case == case]

    def _url(self, case: str) -> str:
        s = self.settings
        return s.case_url.format(base_url=s.base_url.rstrip("/"), reference=quote(case))

    def _snapshot(self, case: str, events: list[Event]) -> Issue | None:
        return mapping.fold(self.name, events, self._url(case))

    def _issue(self, ref: Ref) -> tuple[Issue, list[Event]]:
        events = (
            self.case_events(ref.key)
            if mapping.id_pattern(self.settings.reference_prefix).fullmatch(ref.key)
            else []
        )
        issue = self._snapshot(ref.key, events)
        if issue is None:
            raise NotFound(f"{self.name}: no case {ref.key} in {self.settings.case_folder!r}")
        return issue, events

    def _deliver(self, event: Event) -> None:
        """Send a filed mail SMTP has not accepted yet, then clear its flag."""
        if not event.unsent:
            return
        folder = self.settings.case_folder
        got = self.box.fetch(folder, [event.uid], "BODY.PEEK[]")
        if not got:
            return
        to = str(event.data.get("to", ""))
        self.sender.send(compose.outgoing(got[0].data), to)
        self.box.flag(folder, event.uid, [mapping.UNSENT], add=False)
        log.info("mail.sent", connector=self.name, case=event.case, kind=event.kind)

    def get_issue(self, ref: Ref) -> Issue:
        return self._issue(ref)[0]

    def create_issue(self, project: str, draft: IssueDraft, *, key: str) -> Issue:
        """Open a case: file the mail to the supplier ``project``, then send it."""
        s = self.settings
        if not mapping.ADDRESS.match(project):
            raise PermanentError(f"{self.name}: {project!r} is not a supplier e-mail address")
        self._folder()
        case = mapping.case_id(s.reference_prefix)
        raw, data = compose.opening(s, case, key, project, draft, datetime.now(UTC))
        filed = compose.filed(case, "open", data, raw, key=key)
        self.box.append(s.case_folder, filed, ["\\Seen", mapping.UNSENT])
        for e in self.case_events(case):
            if e.kind == "open":
                self._deliver(e)
        return self.get_issue(mapping.issue_ref(self.name, case))

    def find_issue(self, project: str, key: str, since: datetime | None) -> Issue | None:
        """The newest case opened with ``key`` (at or after ``since``), its mail sent now if an
        earlier attempt filed it and stopped before SMTP took it."""
        self._folder()
        folder = self.settings.case_folder
        uids = self.box.search(folder, "HEADER", mapping.KEY, key)
        opened = [
            e
            for e in events_of(self.box.fetch(folder, uids, HEADERS))
            if e.kind == "open" and e.key == key and (since is None or (e.at and e.at >= since))
        ]
        if not opened:
            return None
        newest = max(opened, key=lambda e: e.uid)
        self._deliver(newest)
        return self.get_issue(mapping.issue_ref(self.name, newest.case))

    def update_issue(self, ref: Ref, **change: Unpack[IssueChange]) -> Issue:
        """Record syncd's change to the case. A case syncd closes or reopens is told to the
        supplier in its thread (``status_template``); other changes are not mailed."""
        issue, events = self._issue(ref)
        for e in events:
            if e.kind == "update" and e.unsent:
                self._deliver(e)  # an earlier call filed its notice and stopped before SMTP
        status = change.get("status")
        moved = mapping.changes(
            issue,
            status,
            change.get("priority"),
            change.get("add_labels", ()),
            change.get("remove_labels", ()),
            change.get("title"),
            change.get("body"),
        )
        if not moved:
            return issue
        s, now = self.settings, datetime.now(UTC)
        flips = status is not None and status.is_closed != issue.status.is_closed
        if flips and s.notify_status:
            assert status is not None
            raw, sent = compose.status_notice(s, ref.key, issue.title, status, events, now)
            moved.update(sent)
            flags = ["\\Seen", mapping.UNSENT]
        else:
            what = ", ".join(sorted(moved))
            raw, flags = compose.note(ref.key, s.address, f"update: {what}", now), ["\\Seen"]
        self.box.append(s.case_folder, compose.filed(ref.key, "update", moved, raw), flags)
        for e in self.case_events(ref.key):
            if e.kind == "update" and e.unsent:
                self._deliver(e)
        return self.get_issue(ref)

    def project_of(self, ref: Ref) -> str:
        key = ref.key.split("/", 1)[0]
        events = self.case_events(key)
        opened = next((e for e in events if e.kind == "open"), None)
        if opened is None:
            raise ValueError(f"no case {key}")
        return str(opened.data.get("to", ""))

    def is_public(self, project: str) -> bool:
        """Suppliers are outside the company: redacted toward unless ``public: false``."""
        return self.settings.public

    # --- the conversation ------------------------------------------------------------------

    def comments(self, parent: Ref) -> list[Comment]:
        self.reader.file_new_mail()  # what the inbox holds is part of the conversation
        _, events = self._issue(parent)
        return mapping.comments(self.name, events, self.settings.address)

    def add_comment(self, parent: Ref, body: str, *, public: bool, key: str) -> Comment:
        """Mail ``body`` to the case's supplier, in its thread."""
        s = self.settings
        issue, events = self._issue(parent)
        found = self._sent(parent, events, key)
        if found is not None:
            return found
        case = parent.key
        raw, data = compose.follow_up(s, case, key, issue.title, body, events, datetime.now(UTC))
        data["public"] = public
        self.box.append(
            s.case_folder,
            compose.filed(case, "sent", data, raw, key=key),
            ["\\Seen", mapping.UNSENT],
        )
        made = self._sent(parent, self.case_events(case), key)
        if made is None:
            raise PermanentError(f"{self.name}: the mail filed for {case} cannot be found")
        return made

    def _sent(self, parent: Ref, events: list[Event], key: str) -> Comment | None:
        for e in events:
            if e.kind == "sent" and e.key == key:
                self._deliver(e)
                mine = mapping.comments(self.name, [e], self.settings.address)
                return mine[0] if mine else None
        return None

    def find_comment(self, parent: Ref, key: str) -> Comment | None:
        try:
            _, events = self._issue(parent)
        except NotFound:
            return None
        return self._sent(parent, events, key)

    def edit_comment(self, ref: Ref, parent: Ref, body: str) -> Comment:
        raise PermanentError(f"{self.name}: a mail that was sent cannot be edited")

    def delete_comment(self, ref: Ref, parent: Ref) -> None:
        raise PermanentError(f"{self.name}: a mail that was sent cannot be deleted")

    # --- reading ---------------------------------------------------------------------------

    def poll(self, cursor: str | None) -> PollPage:
        if cursor is None:
            self.reader.file_new_mail()
            return PollPage(changes=(), cursor=self.reader.start())
        CURSOR.load(self.name, cursor)  # an unreadable cursor: before any request
        return self.reader.poll(cursor)

    def cursor_since(self, moment: datetime) -> str:
        return self.reader.since(moment)

    def check_cursor(self, cursor: str) -> None:
        CURSOR.load(self.name, cursor)

    def wait_for_changes(self, timeout: float) -> bool:
        """IMAP IDLE on the inbox: True as soon as new mail arrives (False after ``timeout``,
        or at once when the server has no IDLE or ``idle`` is off: poll on the interval)."""
        return self.watcher.wait(timeout)

    def verify_webhook(self, headers: object, body: bytes) -> None:
        raise WebhookError(404, "mail has no webhooks")

    def parse_webhook(self, headers: object, body: bytes) -> WebhookResult:
        raise WebhookError(404, "mail has no webhooks")
