"""Reading the mailbox: new inbox mail is filed under its case, then the case folder is polled.

**Filing.** Every inbox message syncd has not read yet (no ``$SyncdSeen`` keyword) is read
once: a message from a machine (auto-reply, bounce, receipt) or one that names no case, an
unknown case, or a case sent to another supplier is refused (kept in the inbox, flagged
``$SyncdSeen`` and ``$SyncdRefused``, logged with the reason); any other is filed in the case
folder as a ``reply`` event, then flagged. A crash between the two files it again on the
next read; the copy carries its source (``X-Syncd-Source: <uidvalidity>:<uid>``) and readers
keep only the first event of a source. One the server refuses to hand over or to file (a
permanent error) is flagged refused too and logged at error level, so that it cannot hold
up the replies behind it; a transient error leaves it for the next read.

**Polling.** The cursor is the last UID of the case folder read and that folder's UIDVALIDITY
(a folder recreated under the same name is an unreadable cursor: its UIDs start over). Each
poll returns, for every case with new events, its new replies as comments and then the case
itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import structlog
from pydantic import Field

from syncd.connector import PollPage
from syncd.connector_kit import comment_seen
from syncd.cursors import CursorFormat, CursorModel
from syncd.errors import CursorError, PermanentError
from syncd.model import Change, ChangeKind, Issue

from . import compose, hygiene, mapping
from .client import Fetched, Mailbox
from .mapping import Event
from .settings import EmailSettings

log = structlog.get_logger("syncd.email")
REFUSED = "$SyncdRefused"
HEADERS = (
    f"BODY.PEEK[HEADER.FIELDS ({mapping.CASE} {mapping.EVENT} {mapping.DATA} "
    f"{mapping.KEY} {mapping.SOURCE})]"
)
BATCH = 100


class EmailCursor(CursorModel):
    validity: int = Field(ge=1)  # the case folder's UIDVALIDITY
    uid: int = Field(ge=0)  # the last UID read there


CURSOR = CursorFormat("email", EmailCursor, version=1)


def events_of(fetched: Sequence[Fetched]) -> list[Event]:
    """The events among filed messages (headers fetched with :data:`HEADERS`)."""
    out: list[Event] = []
    for f in fetched:
        msg = message_from_bytes(f.data)
        case, kind = msg.get(mapping.CASE), msg.get(mapping.EVENT)
        if not case or not kind:
            continue
        data = mapping.unpack(str(msg.get(mapping.DATA, "")))
        if kind == "reply":
            data["source"] = str(msg.get(mapping.SOURCE, "")).strip()
        out.append(
            Event(
                uid=f.uid,
                case=str(case).strip(),
                kind=str(kind).strip(),
                data=data,
                at=f.at,
                key=str(msg[mapping.KEY]).strip() if msg.get(mapping.KEY) else None,
                unsent=mapping.UNSENT in f.flags,
            )
        )
    return dedupe(out)


def dedupe(events: list[Event]) -> list[Event]:
    """Only the first ``reply`` filed from each inbox message (a crash may file one twice)."""
    seen: set[str] = set()
    out: list[Event] = []
    for e in sorted(events, key=lambda e: e.uid):
        source = str(e.data.get("source") or "")
        if e.kind == "reply" and source:
            if source in seen:
                continue
            seen.add(source)
        out.append(e)
    return out


class Reader:
    """Files new inbox mail and polls the case folder of one mailbox."""

    def __init__(
        self,
        name: str,
        settings: EmailSettings,
        box: Mailbox,
        case_events: Callable[[str], list[Event]],
        snapshot: Callable[[str, list[Event]], Issue | None],
    ) -> None:
        self.name = name
        self.settings = settings
        self.box = box
        self.case_events = case_events
        self.snapshot = snapshot

    # --- filing ----------------------------------------------------------------------------

    def file_new_mail(self) -> int:
        """Read every inbox message not read yet; return how many were filed."""
        s = self.settings
        with self.box.lock:
            uids = self.box.search(s.inbox, "UNKEYWORD", mapping.SEEN)
            validity, _ = self.box.status(s.inbox)
            filed = 0
            for uid in uids[:BATCH]:
                try:
                    filed += self._intake(uid, validity)
                except PermanentError as exc:
                    # one message the server will not let syncd read or file must not stop
                    # every later reply: it stays in the inbox, flagged, for a person
                    log.error("mail.unfiled", connector=self.name, uid=uid, error=str(exc)[:300])
                    self.box.flag(s.inbox, uid, [mapping.SEEN, REFUSED], add=True)
            return filed

    def _intake(self, uid: int, validity: int) -> int:
        s = self.settings
        sized = self.box.fetch(s.inbox, [uid], "RFC822.SIZE")
        if not sized:
            return 0
        whole = sized[0].size <= s.max_message_bytes
        part = "BODY.PEEK[]" if whole else f"BODY.PEEK[]<0.{s.max_message_bytes}>"
        got = self.box.fetch(s.inbox, [uid], part)
        if not got:
            return 0
        raw = got[0].data
        inc = hygiene.read(raw)
        why, case = self._judge(inc)
        if why is not None:
            log.info(
                "mail.refused",
                connector=self.name,
                uid=uid,
                reason=why,
                sender=inc.sender,
                message_id=inc.message_id[:120],
            )
            self.box.flag(s.inbox, uid, [mapping.SEEN, REFUSED], add=True)
            return 0
        assert case is not None
        source = f"{validity}:{uid}"
        if not self._filed(source):
            text = inc.text or "(no text of its own)"
            if not whole:
                text += (
                    f"\n\n(the message is {sized[0].size} bytes; only its first "
                    f"{s.max_message_bytes} were read; the whole of it stays in the inbox)"
                )
            data = {
                "from": inc.sender,
                "text": text,
                "subject": inc.subject[:300],
                "message_id": inc.message_id,
                "resolved": self._resolves(inc),
                "attachments": list(inc.attachments)[:50],
                "defects": list(inc.defects)[:5],
                "truncated": not whole,
            }
            body = (
                raw
                if whole
                else compose.note(case, s.address, "reply (truncated)", datetime.now(UTC))
            )
            self.box.append(
                s.case_folder, compose.filed(case, "reply", data, body, source=source), ["\\Seen"]
            )
            log.info(
                "mail.filed",
                connector=self.name,
                uid=uid,
                case=case,
                resolved=data["resolved"],
                defects=data["defects"],
            )
        self.box.flag(s.inbox, uid, [mapping.SEEN], add=True)
        return 1

    def _filed(self, source: str) -> bool:
        """Whether the reply read from inbox message ``source`` is filed already. IMAP's
        HEADER search matches within the value (``7:2`` finds ``7:25`` and ``17:2``), so what
        it finds is compared whole."""
        folder = self.settings.case_folder
        found = self.box.search(folder, "HEADER", mapping.SOURCE, source)
        part = f"BODY.PEEK[HEADER.FIELDS ({mapping.SOURCE})]"
        return any(
            str(message_from_bytes(f.data).get(mapping.SOURCE, "")).strip() == source
            for f in (self.box.fetch(folder, found, part) if found else [])
        )

    def _judge(self, inc: hygiene.Incoming) -> tuple[str | None, str | None]:
        """(why the message is refused, None) or (None, its case)."""
        s = self.settings
        if inc.automatic:
            return f"written by a machine: {inc.automatic}", None
        case = mapping.subject_case(inc.subject, s.reference_prefix) or mapping.header_case(
            inc.in_reply_to, s.reference_prefix, s.domain
        )
        if case is None:
            return "names no case (no reference in the subject, no thread header of ours)", None
        opened = next((e for e in self.case_events(case) if e.kind == "open"), None)
        if opened is None:
            return f"names case {case}, which syncd never opened", None
        supplier = str(opened.data.get("to", ""))
        if not mapping.same_sender(inc.sender, supplier, s.reply_from):
            return (
                f"sender {inc.sender or '(none)'} may not answer case {case}, "
                f"sent to {supplier} (reply_from: {s.reply_from})"
            ), None
        return None, case

    def _resolves(self, inc: hygiene.Incoming) -> bool:
        s = self.settings
        subject = inc.subject.lower()
        if any(tag.lower() in subject for tag in s.resolve_tags):
            return True
        lines = [line.strip().lower() for line in inc.text.splitlines()]
        return any(line.startswith(k.lower()) for k in s.resolve_keywords for line in lines)

    # --- polling ---------------------------------------------------------------------------

    def start(self) -> str:
        self.box.ensure(self.settings.case_folder)
        validity, nxt = self.box.status(self.settings.case_folder)
        return CURSOR.dump(EmailCursor(validity=validity, uid=max(0, nxt - 1)))

    def since(self, moment: datetime) -> str:
        """A cursor before every event filed at or after ``moment``."""
        folder = self.settings.case_folder
        self.box.ensure(folder)
        validity, nxt = self.box.status(folder)
        day = (moment - timedelta(days=1)).strftime("%d-%b-%Y")
        uids = self.box.search(folder, "SINCE", day)
        at = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        later = [f.uid for f in self.box.fetch(folder, uids, "UID") if f.at and f.at >= at]
        first = min(later, default=nxt)
        return CURSOR.dump(EmailCursor(validity=validity, uid=max(0, first - 1)))

    def poll(self, cursor: str) -> PollPage:
        state = CURSOR.load(self.name, cursor)
        self.file_new_mail()
        folder = self.settings.case_folder
        self.box.ensure(folder)
        validity, _ = self.box.status(folder)
        if validity != state.validity:
            raise CursorError(
                self.name,
                f"the folder {folder!r} was made anew (UIDVALIDITY {validity}, the cursor's "
                f"{state.validity}): its UIDs start over",
                "",
            )
        uids = [u for u in self.box.search(folder, "UID", f"{state.uid + 1}:*") if u > state.uid]
        batch = uids[:BATCH]
        fresh = events_of(self.box.fetch(folder, batch, HEADERS))
        changes: list[Change] = []
        for case in dict.fromkeys(e.case for e in fresh):
            every = self.case_events(case)
            replies = {e.uid for e in every if e.kind == "reply"}
            issue = self.snapshot(case, every)
            for c in mapping.comments(self.name, every, self.settings.address):
                uid = int(c.ref.key.rsplit("/", 1)[1])
                if uid in replies and uid in set(batch):
                    changes.append(comment_seen(c.parent, c, at=c.created_at, actor=c.author))
            if issue is not None:
                changes.append(
                    Change(kind=ChangeKind.UPSERT, ref=issue.ref, issue=issue, at=issue.updated_at)
                )
        last = batch[-1] if batch else state.uid
        return PollPage(
            changes=changes,
            cursor=CURSOR.dump(EmailCursor(validity=validity, uid=last)),
            more=len(uids) > len(batch),
        )
