"""Reading a supplier's mail, table by table: the new text without quotes and signatures,
machines recognised, hostile MIME read without an exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.email import hygiene
from connectors.email.mapping import header_case, same_sender, subject_case

HEAD = b"From: Jane <jane@supplier.test>\r\nTo: support@acme.test\r\nSubject: Re: x\r\n"


def _mail(body: str, extra: bytes = b"", ctype: bytes = b"text/plain; charset=utf-8") -> bytes:
    return HEAD + extra + b"Content-Type: " + ctype + b"\r\n\r\n" + body.encode()


@pytest.mark.parametrize(
    ("body", "kept", "gone"),
    [
        ("Fixed.\n\nOn Mon, 7 Dec 2026, Support wrote:\n> old text", "Fixed.", "old text"),
        ("Fixed.\nOn Mon, 7 Dec 2026 at 10:00, Support\n<s@a.test> wrote:\n> old", "Fixed.", "old"),
        ("Done.\n-- \nJane Doe\nSupplier Ltd", "Done.", "Jane Doe"),
        ("Done.\n\nSent from my iPhone", "Done.", "iPhone"),
        ("Ok.\n-----Original Message-----\nFrom: s\nold", "Ok.", "old"),
        ("Ok.\n\nFrom: Support <s@a.test>\nSent: Monday\nTo: x\n\nold body", "Ok.", "old body"),
        ("Le fix est prêt.\nLe lun. 7 déc. 2026, Support a écrit :\n> vieux", "prêt", "vieux"),
        ("Inline:\n> question one\nanswer one", "answer one", "question one"),
        ("Line 1\nLine 2", "Line 1\nLine 2", "--"),
    ],
)
def test_new_text_drops_quotes_and_signatures(body: str, kept: str, gone: str) -> None:
    text = hygiene.read(_mail(body)).text
    assert kept in text and gone not in text


@pytest.mark.parametrize(
    ("extra", "ctype", "subject_is_auto"),
    [
        (b"Auto-Submitted: auto-replied\r\n", b"text/plain", False),
        (b"Auto-Submitted: auto-generated\r\n", b"text/plain", False),
        (b"X-Autoreply: yes\r\n", b"text/plain", False),
        (b"X-Autorespond: on\r\n", b"text/plain", False),
        (b"Precedence: auto_reply\r\n", b"text/plain", False),
        (b"Return-Path: <>\r\n", b"text/plain", False),
        (b"", b'multipart/report; report-type=delivery-status; boundary="b"', False),
        (b"", b"text/plain", True),
    ],
)
def test_machines_are_recognised(extra: bytes, ctype: bytes, subject_is_auto: bool) -> None:
    raw = _mail("I am away.", extra, ctype)
    if subject_is_auto:
        raw = raw.replace(b"Subject: Re: x", b"Subject: Automatic reply: Re: x")
    assert hygiene.read(raw).automatic


def test_a_person_is_not_a_machine() -> None:
    assert hygiene.read(_mail("Answer", b"Auto-Submitted: no\r\n")).automatic is None


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage with no headers",
        HEAD + b'Content-Type: multipart/mixed; boundary="never"\r\n\r\nno parts at all',
        HEAD + b"Content-Type: text/plain; charset=x-klingon\r\n\r\nqapla\xff",
        HEAD + b"Content-Type: text/plain; charset=utf-8\r\n\r\ncaf\xe9 latin-1 bytes",
        HEAD + b"Subject: =?x-unknown?B?????=\r\nContent-Type: text/plain\r\n\r\nbody",
        HEAD + b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
        HEAD + b"Content-Type: text/html\r\n\r\n<p>Fixed<script>x()</script><blockquote>old",
        b"From: \r\nSubject:\r\nDate: not a date\r\n\r\n",
    ],
)
def test_hostile_mail_never_raises(raw: bytes) -> None:
    read = hygiene.read(raw)
    assert isinstance(read.text, str)


def test_a_wrong_charset_is_read_and_said() -> None:
    read = hygiene.read(HEAD + b"Content-Type: text/plain; charset=x-klingon\r\n\r\nqapla'")
    assert read.text == "qapla'" and read.defects
    latin = hygiene.read(HEAD + b"Content-Type: text/plain; charset=utf-8\r\n\r\ncaf\xe9 ok")
    assert "caf" in latin.text and "ok" in latin.text and latin.defects


def test_html_only_mail_is_read_as_text() -> None:
    raw = _mail("<p>Fixed in <b>7.2</b></p><style>p{}</style>", ctype=b"text/html")
    assert "Fixed in 7.2" in hygiene.read(raw).text.replace("\n", "")


def test_attachments_are_named() -> None:
    raw = HEAD + (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nsee log\r\n--b\r\n"
        b'Content-Type: text/plain\r\nContent-Disposition: attachment; filename="crash.log"\r\n'
        b"\r\nboom\r\n--b--\r\n"
    )
    read = hygiene.read(raw)
    assert read.text == "see log" and read.attachments == ("crash.log",)


def test_references_are_read_from_subjects_and_our_message_ids() -> None:
    assert subject_case("Re: Crash [case SYN-ABCDEFGHJK]", "SYN") == "SYN-ABCDEFGHJK"
    assert subject_case("Re: Crash [case SYN-ABC]", "SYN") is None
    assert subject_case("Re: Crash [case XYZ-ABCDEFGHJK]", "SYN") is None
    ours = "<SYN-ABCDEFGHJK.0123456789abcdef@acme.test>"
    assert header_case(["<x@y>", ours], "SYN", "acme.test") == "SYN-ABCDEFGHJK"
    # a Message-ID of the case's shape minted at another domain is not ours
    assert header_case(["<SYN-ABCDEFGHJK.1@evil.test>"], "SYN", "acme.test") is None


@pytest.mark.parametrize(
    ("sender", "rule", "allowed"),
    [
        ("help@supplier.test", "address", True),
        ("jane@supplier.test", "address", False),
        ("jane@supplier.test", "domain", True),
        ("JANE@Supplier.TEST", "domain", True),
        ("mallory@evil.test", "domain", False),
        ("help@supplier.test.evil.test", "domain", False),
        ("", "domain", False),
    ],
)
def test_who_may_answer_a_case(sender: str, rule: str, allowed: bool) -> None:
    assert same_sender(sender, "help@supplier.test", rule) is allowed


@settings(max_examples=300, deadline=None)
@given(
    head=st.lists(
        st.sampled_from([b"Content-Type: multipart/mixed; boundary=b", b"Content-Type: text/html",
                         b"Content-Transfer-Encoding: base64", b"Subject: =?utf-8?q?=FF?=",
                         b"Content-Type: text/plain; charset=x-nope", b"From: <<@>>",
                         b"Auto-Submitted: no", b"References: <a@b> <c"]),
        max_size=4,
    ),
    body=st.binary(max_size=3000),
)  # fmt: skip
def test_any_bytes_are_read_without_an_exception(head: list[bytes], body: bytes) -> None:
    read = hygiene.read(HEAD + b"\r\n".join(head) + b"\r\n\r\n" + body)
    assert isinstance(read.text, str) and isinstance(read.subject, str)
