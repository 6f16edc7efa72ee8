"""The mail emulator answers as Dovecot and a submission relay do, where syncd or a person's
mail client could tell the difference: TLS before any password, the response codes, UID
ranges, FETCH sections, ``\\Seen`` set by a non-PEEK fetch, and IDLE woken by a delivery."""

from __future__ import annotations

import imaplib
import smtplib
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.email.client import Mailbox
from connectors.email.emulator import MailEmulator, build
from tests.connectors.email.harness import settings


@pytest.fixture(scope="module")
def emu() -> Iterator[MailEmulator]:
    emulator = build()
    yield emulator
    emulator.close()


@pytest.fixture
def info(emu: MailEmulator) -> dict[str, Any]:
    return emu.info()


def _imap(emu: MailEmulator, user: str = "other") -> imaplib.IMAP4:
    info = emu.info()
    conn = imaplib.IMAP4(info["host"], info["imap_port"], timeout=10)
    conn.starttls(emu.certificate.client_context())
    conn.login(user, info["users"][user]["password"])
    return conn


def test_no_password_before_tls_and_wrong_ones_refused(emu: MailEmulator) -> None:
    info = emu.info()
    conn = imaplib.IMAP4(info["host"], info["imap_port"], timeout=10)
    try:
        assert b"LOGINDISABLED" in conn.welcome and "STARTTLS" in conn.capabilities
        with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
            conn.login("other", info["users"]["other"]["password"])
        conn.starttls(emu.certificate.client_context())
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            conn.login("other", "wrong")
        assert conn.login("other", info["users"]["other"]["password"])[0] == "OK"
        caps = conn.capability()[1][0].split()
        assert {b"IMAP4rev1", b"IDLE", b"UIDPLUS"} <= set(caps)
    finally:
        conn.shutdown()


def test_folders_answer_with_dovecots_codes(emu: MailEmulator) -> None:
    conn = _imap(emu)
    try:
        typ, data = conn.select('"nowhere"')
        assert typ == "NO" and b"[NONEXISTENT]" in data[0]
        typ, data = conn.append('"nowhere"', None, None, b"Subject: x\r\n\r\nx\r\n")
        assert typ == "NO" and b"[TRYCREATE]" in data[0]
        assert conn.create('"cases"')[0] == "OK"
        typ, data = conn.create('"cases"')
        assert typ == "NO" and b"[ALREADYEXISTS]" in data[0]
        typ, data = conn.append('"cases"', "(\\Seen $Mine)", None, b"Subject: a\r\n\r\nhi\r\n")
        assert typ == "OK" and data[0].startswith(b"[APPENDUID ")
        typ, data = conn.status('"cases"', "(UIDNEXT MESSAGES)")
        assert data[0] == b"cases (UIDNEXT 2 MESSAGES 1)"
    finally:
        conn.logout()


def test_uid_ranges_sections_and_seen(emu: MailEmulator) -> None:
    conn = _imap(emu, "mallory")
    try:
        conn.create("box")
        raw = b"Subject: hello\r\nX-Tag: one\r\n two\r\nFrom: a@b.test\r\n\r\nbody text\r\n"
        for _ in range(3):
            conn.append("box", None, None, raw)
        conn.select("box")
        assert conn.uid("SEARCH", "UID", "9:*")[1] == [b"3"]  # * is the last UID: 3:9
        assert conn.uid("SEARCH", "HEADER", "X-Tag", "ONE")[1] == [b"1 2 3"]
        assert conn.uid("SEARCH", "UNSEEN", "NOT", "UID", "1")[1] == [b"2 3"]
        _, data = conn.uid("FETCH", "2", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (X-TAG)])")
        assert data[0][0].startswith(b"2 (UID 2 FLAGS () BODY[HEADER.FIELDS (X-TAG)] {")
        assert data[0][1] == b"X-Tag: one\r\n two\r\n\r\n"
        _, data = conn.uid("FETCH", "2", "(BODY.PEEK[]<0.7>)")
        assert data[0][1] == b"Subject" and b"BODY[]<0>" in data[0][0]
        conn.uid("FETCH", "1", "(BODY[TEXT])")
        assert conn.uid("SEARCH", "SEEN")[1] == [b"1"]
    finally:
        conn.logout()


def test_submission_wants_tls_auth_and_a_known_recipient(info: dict[str, Any]) -> None:
    with (
        smtplib.SMTP(info["host"], info["smtp_port"], timeout=10) as conn,
        pytest.raises(smtplib.SMTPNotSupportedError),
    ):
        conn.login("other", info["users"]["other"]["password"])  # no AUTH before TLS
    with smtplib.SMTP(info["host"], info["smtp_port"], timeout=10) as conn:
        conn.starttls(context=ssl.create_default_context(cafile=info["ca_file"]))
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            conn.sendmail("x@other.test", ["help@other.test"], b"Subject: x\r\n\r\nx\r\n")
        assert refused.value.smtp_code == 530  # authentication required
        conn.login("other", info["users"]["other"]["password"])
        with pytest.raises(smtplib.SMTPRecipientsRefused) as nobody:
            conn.sendmail("help@other.test", ["ghost@nowhere.test"], b"Subject: x\r\n\r\nx")
        assert [c for c, _ in nobody.value.recipients.values()] == [550]


def test_a_delivery_wakes_idle(emu: MailEmulator, info: dict[str, Any]) -> None:
    box = Mailbox("suppliers", settings(info, "desk"))
    conn = box.connect()
    try:
        conn.select("INBOX", readonly=True)
        woke: list[bool] = []
        waiting = threading.Thread(target=lambda: woke.append(box.idle(conn, 30.0)))
        waiting.start()
        # before the IDLE begins or during it, the news is told (before ``+ idling``, or then)
        assert emu.store.deliver("desk@acme.test", b"Subject: news\r\n\r\nhi\r\n", "a@b.test")
        waiting.join(30)
        assert woke == [True]
    finally:
        conn.logout()
