"""The e-mail connector's own promises about cases, against the real mail servers: threading,
refusals kept without loss, hostile mail, and resolution by the supplier or by syncd."""

from __future__ import annotations

import imaplib
import ssl
import uuid
from email.message import Message
from typing import Any

import pytest

from connectors.email import EmailConnector
from syncd.model import IssueDraft, IssueStatus, Priority, Ref
from tests.realservers.mail_actor import MailActor

from .harness import INSTANCE, EmailHarness, plain_text, settings

pytestmark = pytest.mark.realserver


def _open(h: EmailHarness, title: str) -> tuple[Ref, Message]:
    made = h.connector.create_issue(
        h.project, IssueDraft(title=title, body="Details."), key=f"k-{uuid.uuid4().hex}"
    )
    return made.ref, h.case_mail(made.ref)


def _inbox(info: dict[str, Any], *criteria: str) -> list[bytes]:
    """syncd's inbox, searched as a person would (IMAP, syncd's account)."""
    ctx = ssl.create_default_context(cafile=info["ca_file"])
    conn = imaplib.IMAP4(info["host"], info["imap_port"])
    try:
        conn.starttls(ctx)
        conn.login("syncd", info["users"]["syncd"]["password"])
        conn.select("INBOX", readonly=True)
        _, data = conn.uid("SEARCH", *criteria)
        return (data[0] or b"").split()
    finally:
        conn.logout()


def _delivered(h: EmailHarness, mid: str) -> None:
    MailActor(h.info, "syncd").wait_for(lambda m: str(m["Message-ID"]) == mid)


def test_case_mail_carries_the_reference_and_follow_ups_thread(harness: EmailHarness) -> None:
    h = harness
    title = f"Toner recall {uuid.uuid4().hex[:6]}"
    ref, opened = _open(h, title)
    assert str(opened["Subject"]) == f"{title} [case {ref.key}]"
    assert str(opened["Message-ID"]).startswith(f"<{ref.key}.")
    body = str(opened.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert "Details." in body and f"[case {ref.key}]" in body and "#resolved" in body
    h.connector.add_comment(ref, "One more detail.", public=True, key=f"k-{uuid.uuid4().hex}")
    follow = h.supplier.wait_for(lambda m: str(m["Subject"]).startswith(f"Re: {title}"))
    assert str(follow["In-Reply-To"]) == str(opened["Message-ID"])
    assert str(follow["References"]) == str(opened["Message-ID"])


def test_a_reply_is_threaded_by_its_headers_when_the_subject_lost_the_reference(
    harness: EmailHarness,
) -> None:
    h = harness
    ref, opened = _open(h, "Headers only")
    mid = h.supplier.reply(opened, "Answer without the reference.", subject="Re: your question")
    _delivered(h, mid)
    bodies = [c.body for c in h.connector.comments(ref)]
    assert "Answer without the reference." in bodies
    issue = h.connector.get_issue(ref)
    assert issue.status == IssueStatus.IN_PROGRESS and issue.assignee == h.supplier.address


def test_a_reply_is_filed_though_a_longer_source_holds_its_own(harness: EmailHarness) -> None:
    # IMAP's HEADER search matches within a value: a copy filed from inbox message 25 must
    # not pass for the copy of message 2, or message 2's reply would never be filed
    h = harness
    ref, opened = _open(h, "Substring of a source")
    ctx = ssl.create_default_context(cafile=h.info["ca_file"])
    conn = imaplib.IMAP4(h.info["host"], h.info["imap_port"])
    try:
        conn.starttls(ctx)
        conn.login("syncd", h.info["users"]["syncd"]["password"])
        _, got = conn.status("INBOX", "(UIDNEXT UIDVALIDITY)")
        words = (got[0] or b"").decode().replace("(", " ").replace(")", " ").split()
        validity, nxt = words[words.index("UIDVALIDITY") + 1], words[words.index("UIDNEXT") + 1]
        longer = f"X-Syncd-Source: {validity}:{nxt}7\r\nSubject: elsewhere\r\n\r\nfiled\r\n"
        folder = h.connector.settings.case_folder
        conn.append(folder, "(\\Seen)", None, longer.encode())
    finally:
        conn.logout()
    mid = h.supplier.reply(opened, "The one answer that counts.")
    _delivered(h, mid)
    bodies = [c.body for c in h.connector.comments(ref)]
    assert "The one answer that counts." in bodies


def test_machines_and_forgers_are_refused_and_kept_in_the_inbox(harness: EmailHarness) -> None:
    h = harness
    ref, opened = _open(h, "Refusals")
    tag = f"[case {ref.key}]"
    mallory, other = MailActor(h.info, "mallory"), MailActor(h.info, "other")
    sent = [
        h.supplier.reply(opened, "Out of office.", Auto_Submitted="auto-replied"),
        h.supplier.reply(opened, "Away.", subject=f"Automatic reply: {tag}"),
        mallory.reply(opened, "#resolved closed by me"),
        other.reply(opened, "#resolved another supplier"),
        h.supplier.send(h.connector.settings.address, "Re: [case SYN-AAAAAAAAAA]", "made up"),
    ]
    dsn = (
        f"From: MAILER-DAEMON@supplier.test\r\nTo: {h.connector.settings.address}\r\n"
        f"Subject: Undelivered Mail Returned to Sender {tag}\r\n"
        f"Message-ID: <dsn-{uuid.uuid4().hex}@supplier.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; supplier.test\r\n"
        "\r\nFinal-Recipient: rfc822; help@supplier.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--b--\r\n"
    )
    h.supplier.send_raw(dsn.encode(), h.connector.settings.address, sender="")
    for mid in sent:
        _delivered(h, mid)
    comments = h.connector.comments(ref)
    assert [c for c in comments if not c.by_syncd] == []
    assert h.connector.get_issue(ref).status == IssueStatus.TODO
    for mid in sent:  # each kept, flagged for a person to look at
        assert _inbox(h.info, "KEYWORD", "$SyncdRefused", "HEADER", "Message-ID", mid)


def test_hostile_mail_is_filed_without_loss(info: dict[str, Any]) -> None:
    h = EmailHarness(info)
    small = EmailConnector(INSTANCE, settings(info, max_message_bytes=100_000))
    try:
        ref, opened = _open(h, "Hostile")
        tag = f"[case {ref.key}]"
        to = h.connector.settings.address
        huge = h.supplier.reply(opened, "Big log follows.\n" + "x" * 1_500_000)
        _delivered(h, huge)
        run = uuid.uuid4().hex[:8]
        head = f"From: {h.supplier.address}\r\nTo: {to}\r\nSubject: Re: {tag}\r\n"
        mime = "Content-Type: multipart/mixed; boundary=nope\r\n\r\n--other\r\n"
        broken = f"{head}Message-ID: <b1-{run}@supplier.test>\r\n{mime}broken MIME answer\r\n"
        klingon = f"{head}Message-ID: <b2-{run}@supplier.test>\r\n" + (
            "Content-Type: text/plain; charset=x-klingon\r\n\r\n"
        )
        latin = f"{head}Message-ID: <b3-{run}@supplier.test>\r\n" + (
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        )
        cases = [
            (broken.encode(), f"<b1-{run}@supplier.test>"),
            (klingon.encode() + b"qapla\xff answer", f"<b2-{run}@supplier.test>"),
            (latin.encode() + b"caf\xe9 answer", f"<b3-{run}@supplier.test>"),
        ]
        for raw, mid in cases:
            h.supplier.send_raw(raw, to)
            _delivered(h, mid)
        replies = [c for c in small.comments(ref) if not c.by_syncd]
        texts = " | ".join(c.body for c in replies)
        assert len(replies) == 4, texts
        assert "Big log follows." in texts and "only its first 100000 were read" in texts
        assert "broken MIME answer" in texts and "qapla\xff answer" in texts
        assert "caf\xe9 answer" in texts  # Latin-1 bytes labelled UTF-8
        # the whole huge message is still in the inbox
        assert _inbox(info, "HEADER", "Message-ID", huge, "LARGER", "1500000")
    finally:
        small.close()
        h.close()


def test_the_supplier_is_told_when_syncd_closes_or_reopens_a_case(harness: EmailHarness) -> None:
    h = harness
    title = f"Closed by support {uuid.uuid4().hex[:6]}"
    ref, opened = _open(h, title)
    h.connector.update_issue(ref, status=IssueStatus.WONT_DO, add_labels=["sla:at-risk"])
    closed = h.supplier.wait_for(lambda m: "closed" in plain_text(m) and title in str(m["Subject"]))
    assert "without a fix" in plain_text(closed)
    assert str(closed["In-Reply-To"]) == str(opened["Message-ID"])
    h.connector.update_issue(ref, status=IssueStatus.TODO)
    again = h.supplier.wait_for(
        lambda m: "reopened" in plain_text(m) and title in str(m["Subject"])
    )
    assert str(again["In-Reply-To"]) == str(closed["Message-ID"])
    h.connector.update_issue(ref, priority=Priority.HIGH)  # recorded, not mailed
    issue = h.connector.get_issue(ref)
    assert issue.status == IssueStatus.TODO and issue.priority == Priority.HIGH
    assert "sla:at-risk" in issue.labels
    mails = [m for m in h.supplier.messages() if title in str(m["Subject"])]
    assert len(mails) == 3


def test_a_subject_tag_resolves_the_case(harness: EmailHarness) -> None:
    h = harness
    ref, opened = _open(h, "Resolve by tag")
    mid = h.supplier.reply(opened, "Shipped the fix.", subject=f"[resolved] {opened['Subject']}")
    _delivered(h, mid)
    h.connector.comments(ref)  # reads the inbox
    assert h.connector.get_issue(ref).status == IssueStatus.DONE
