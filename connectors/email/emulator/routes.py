"""One IMAP4rev1 session of the emulator: the commands syncd's connector and a person's mail
client use, answered as Dovecot answers them (the same response codes: ``NONEXISTENT``,
``ALREADYEXISTS``, ``TRYCREATE``, ``AUTHENTICATIONFAILED``, ``APPENDUID`` of UIDPLUS...).

Not authenticated: CAPABILITY, NOOP, LOGOUT, STARTTLS, LOGIN. Authenticated: SELECT, EXAMINE,
CREATE, DELETE, LIST, STATUS, APPEND. Selected: SEARCH, FETCH, STORE (also as UID commands),
IDLE (RFC 2177), CHECK, CLOSE, UNSELECT. New mail in the selected folder is announced
(``* n EXISTS``) before the end of any command, and at once during IDLE.
"""

from __future__ import annotations

import fnmatch
import ssl
from collections.abc import Callable

from .records import SYSTEM_FLAGS, Account, MailError, canonical
from .selected import Selected
from .state import MailStore
from .syntax import Bad, Reader, flags_of, mailbox_name
from .wire import Closed, Wire, read_command

CAPS = "IMAP4rev1 IDLE"
AUTH_CAPS = "IMAP4rev1 IDLE UIDPLUS UNSELECT"


class Session(Selected):
    def __init__(self, store: MailStore, wire: Wire, tls: ssl.SSLContext, *, tls_on: bool):
        self.store = store
        self.wire = wire
        self.tls = tls
        self.tls_on = tls_on
        self.account: Account | None = None
        self.selected: str | None = None
        self.readonly = False
        self.told = 0  # the EXISTS count the client knows

    def caps(self) -> str:
        if self.account is not None:
            return AUTH_CAPS
        return CAPS if self.tls_on else f"{CAPS} STARTTLS LOGINDISABLED"

    def run(self) -> None:
        self.wire.send(f"* OK [CAPABILITY {self.caps()}] Dovecot ready.\r\n".encode())
        while True:
            line = read_command(self.wire)
            tag, _, rest = line.partition(b" ")
            if not tag.strip() or not rest.strip():
                self.wire.send(b"* BAD Error in IMAP command received by server.\r\n")
                continue
            tagged = tag.decode("ascii", "replace")
            reader = Reader(rest)
            try:
                name = str(reader.token()).upper()
                if name == "UID":
                    name = "UID " + str(reader.token()).upper()
                answer = self.command(name, tagged, reader)
            except Bad as exc:
                answer = f"BAD Error in IMAP command: {exc}"
            except MailError as exc:
                answer = f"NO [{exc.code}] {exc.text}"
            self._news()
            self.wire.send(f"{tagged} {answer}\r\n".encode())
            if name == "LOGOUT":
                raise Closed()
            if name == "STARTTLS" and answer.startswith("OK"):
                self.wire.starttls(self.tls)
                self.tls_on = True

    def command(self, name: str, tag: str, r: Reader) -> str:
        handler: Callable[[Reader], str] | None = getattr(
            self, "do_" + name.replace(" ", "_"), None
        )
        if handler is None:
            return f"BAD Error in IMAP command {name}: Unknown command."
        if name in ("IDLE",):
            return self.do_IDLE(r)
        open_ = {"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "LOGIN"}
        if name not in open_ and self.account is None:
            return "BAD Error in IMAP command: Not logged in."
        selected = {"SEARCH", "FETCH", "STORE", "CHECK", "CLOSE", "UNSELECT"}
        if name.removeprefix("UID ") in selected and self.selected is None:
            return "BAD No mailbox selected."
        return handler(r)

    def send(self, line: str) -> None:
        self.wire.send(line.encode() + b"\r\n")

    def _count(self) -> int:
        assert self.account is not None and self.selected is not None
        with self.store.lock:
            return len(self.account.folder(self.selected).messages)

    def _news(self) -> bool:
        if self.account is None or self.selected is None:
            return False
        try:
            count = self._count()
        except MailError:
            return False
        if count <= self.told:
            return False
        self.told = count
        self.send(f"* {count} EXISTS")
        return True

    # --- any state -------------------------------------------------------------------------

    def do_CAPABILITY(self, r: Reader) -> str:
        self.send(f"* CAPABILITY {self.caps()}")
        return "OK Capability completed."

    def do_NOOP(self, r: Reader) -> str:
        return "OK NOOP completed."

    def do_LOGOUT(self, r: Reader) -> str:
        self.send("* BYE Logging out")
        return "OK Logout completed."

    def do_STARTTLS(self, r: Reader) -> str:
        if self.tls_on:
            return "BAD TLS is already active."
        return "OK Begin TLS negotiation now."

    def do_LOGIN(self, r: Reader) -> str:
        user, password = r.string(), r.string()
        if not self.tls_on:
            return (
                "NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure "
                "(SSL/TLS) connections."
            )
        if self.account is not None:
            return "BAD Error in IMAP command LOGIN: Already logged in."
        account = self.store.login(user, password)
        if account is None:
            return "NO [AUTHENTICATIONFAILED] Authentication failed."
        self.account = account
        return f"OK [CAPABILITY {self.caps()}] Logged in"

    # --- authenticated ---------------------------------------------------------------------

    def _select(self, r: Reader, readonly: bool) -> str:
        assert self.account is not None
        self.selected = None
        name = canonical(r.string())
        with self.store.lock:
            folder = self.account.folder(name)
            count, validity, nxt = len(folder.messages), folder.validity, folder.next_uid
        flags = " ".join(SYSTEM_FLAGS)
        self.send(f"* FLAGS ({flags})")
        permanent = "" if readonly else f"{flags} \\*"
        self.send(f"* OK [PERMANENTFLAGS ({permanent})] Flags permitted.")
        self.send(f"* {count} EXISTS")
        self.send("* 0 RECENT")
        self.send(f"* OK [UIDVALIDITY {validity}] UIDs valid")
        self.send(f"* OK [UIDNEXT {nxt}] Predicted next UID")
        self.selected, self.readonly, self.told = name, readonly, count
        mode = "READ-ONLY] Examine" if readonly else "READ-WRITE] Select"
        return f"OK [{mode} completed."

    def do_SELECT(self, r: Reader) -> str:
        return self._select(r, readonly=False)

    def do_EXAMINE(self, r: Reader) -> str:
        return self._select(r, readonly=True)

    def do_CREATE(self, r: Reader) -> str:
        assert self.account is not None
        self.store.create(self.account, r.string())
        return "OK Create completed."

    def do_DELETE(self, r: Reader) -> str:
        assert self.account is not None
        name = canonical(r.string())
        self.store.delete(self.account, name)
        if self.selected == name:
            self.selected = None
        return "OK Delete completed."

    def do_LIST(self, r: Reader) -> str:
        assert self.account is not None
        ref, pattern = r.string(), r.string()
        if pattern == "":
            self.send('* LIST (\\Noselect) "." ""')
            return "OK List completed."
        wanted = (ref + pattern).replace("%", "*")
        with self.store.lock:
            names = sorted(self.account.folders)
        for name in names:
            if fnmatch.fnmatchcase(name, wanted) or (
                name == "INBOX" and fnmatch.fnmatchcase("INBOX", wanted.upper())
            ):
                self.send(f'* LIST (\\HasNoChildren) "." {mailbox_name(name)}')
        return "OK List completed."

    def do_STATUS(self, r: Reader) -> str:
        assert self.account is not None
        name, items = canonical(r.string()), r.token()
        if not isinstance(items, list) or not items:
            raise Bad("Invalid status items")
        with self.store.lock:
            folder = self.account.folder(name)
            values = {
                "MESSAGES": len(folder.messages),
                "RECENT": 0,
                "UIDNEXT": folder.next_uid,
                "UIDVALIDITY": folder.validity,
                "UNSEEN": sum("\\Seen" not in m.flags for m in folder.messages),
            }
        try:
            said = " ".join(f"{str(i).upper()} {values[str(i).upper()]}" for i in items)
        except KeyError as exc:
            raise Bad(f"Invalid status item {exc}") from None
        self.send(f"* STATUS {mailbox_name(name)} ({said})")
        return "OK Status completed."

    def do_APPEND(self, r: Reader) -> str:
        assert self.account is not None
        name = r.string()
        tokens = r.rest()
        if not tokens or not isinstance(tokens[-1], bytes):
            raise Bad("Missing message literal")
        flags = flags_of(tokens[0]) if isinstance(tokens[0], list) else set()
        validity, uid = self.store.append(self.account, name, tokens[-1], flags)
        return f"OK [APPENDUID {validity} {uid}] Append completed."
