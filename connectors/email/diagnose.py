"""``syncd connectors test`` for an e-mail supplier mailbox, through IMAP and SMTP.

Checks: the IMAP login (over TLS or STARTTLS), the case folder (made when missing, the one
write syncd makes here: it needs it before any case), IMAP IDLE (without it, replies wait for
the poll interval), UIDPLUS (needed: syncd finds each filed mail by the UID the server gives),
the SMTP login (STARTTLS or TLS, AUTH), and the supplier addresses the routes target. What
neither protocol shows (whether suppliers' mail reaches the inbox, a spam filter on the way)
is "could not tell".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncd.connector import DiagnoseContext, Finding
from syncd.diagnose import Checks, first_call
from syncd.errors import AuthError, RemoteError

from .mapping import ADDRESS

if TYPE_CHECKING:
    from .connector import EmailConnector


def diagnose(conn: EmailConnector, context: DiagnoseContext) -> list[Finding]:
    """The findings of one mailbox."""
    checks = Checks()
    s = conn.settings
    imap = f"imap://{s.imap_host}:{s.imap_port}"
    try:
        fresh = first_call(
            checks,
            imap,
            conn.box.connect,
            check="IMAP login",
            fix="set imap_user and imap_password(_file)",
        )
    except RemoteError as exc:
        checks.failed("IMAP login", exc, "give the server's CA in ca_file")
        return checks
    if fresh is None:
        return checks
    try:
        _, caps = fresh.capability()
        words = b" ".join(c for c in caps if isinstance(c, bytes)).upper().split()
    finally:
        fresh.logout()
    checks.ok("IMAP login", f"{s.imap_user} over {s.imap_security.upper()}")
    if b"UIDPLUS" in words:
        checks.ok("UIDPLUS", "the server gives each filed mail its UID")
    else:
        checks.missing(
            "UIDPLUS",
            "the server lacks UIDPLUS (RFC 4315)",
            "use an IMAP server with UIDPLUS (Dovecot, Cyrus, Exchange, Gmail all have it)",
        )
    if b"IDLE" in words and s.idle:
        checks.ok("IDLE", "replies are read as they arrive")
    else:
        checks.warning(
            "IDLE",
            f"replies wait for the poll, every {s.poll_interval:g} s",
            "use a server with IDLE and idle: true" if s.idle else "idle: true",
        )
    try:
        conn.box.ensure(s.case_folder)
        checks.ok("case folder", s.case_folder)
    except RemoteError as exc:
        checks.failed("case folder", exc, f"let {s.imap_user} create {s.case_folder!r}")
    try:
        conn.sender.check()
        checks.ok("SMTP login", f"{s.smtp_login()[0]} on {s.smtp_host}:{s.smtp_port}")
    except AuthError as exc:
        checks.missing("SMTP login", str(exc), "set smtp_user and smtp_password(_file)")
    except RemoteError as exc:
        checks.failed("SMTP login", exc, "check smtp_host, smtp_port and smtp_security")
    for use in context.projects:
        if ADDRESS.match(use.project):
            checks.ok(f"supplier {use.project}", ", ".join(use.routes))
        else:
            checks.missing(
                f"supplier {use.project}",
                "not an e-mail address",
                "routes target a supplier by address: project: help@supplier.example",
            )
    checks.unknown(
        "mail from suppliers",
        f"whether suppliers' replies reach {s.address} (a spam filter, a forward)",
        f"send a mail to {s.address} with a case reference and look at syncd's log",
    )
    return checks
