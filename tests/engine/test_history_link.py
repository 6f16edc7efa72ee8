"""Signed links to the conversation page: good until they expire, refused when forged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from syncd.engine.history_link import Signer, Verdict, expiry

NOW = datetime(2026, 11, 2, 9, 0, 30, 500000, tzinfo=UTC)
SIGNER = Signer(b"s" * 32, "http://127.0.0.1:8080/")


def signed(link_id: int, until: datetime, signer: Signer = SIGNER) -> tuple[str, str]:
    q = parse_qs(urlsplit(signer.url(link_id, until)).query)
    return q["exp"][0], q["sig"][0]


def test_a_fresh_link_is_good() -> None:
    until = expiry(NOW, timedelta(days=7))
    assert until == datetime(2026, 11, 9, 9, 0, 30, tzinfo=UTC)  # whole seconds
    url = SIGNER.url(3, until)
    assert url.startswith("http://127.0.0.1:8080/history/3?exp=")
    exp, sig = signed(3, until)
    assert SIGNER.check(3, exp, sig, NOW) == Verdict.OK
    assert SIGNER.check(3, exp, sig.upper(), NOW) == Verdict.OK  # hex in either case


def test_an_expired_link_is_refused_as_expired() -> None:
    until = expiry(NOW, timedelta(hours=1))
    exp, sig = signed(3, until)
    assert SIGNER.check(3, exp, sig, until - timedelta(seconds=1)) == Verdict.OK
    assert SIGNER.check(3, exp, sig, until) == Verdict.EXPIRED
    assert SIGNER.check(3, exp, sig, NOW + timedelta(days=30)) == Verdict.EXPIRED


def test_another_link_id_is_forged() -> None:
    exp, sig = signed(3, expiry(NOW, timedelta(days=1)))
    assert SIGNER.check(4, exp, sig, NOW) == Verdict.FORGED


@pytest.mark.parametrize(
    "exp,sig",
    [
        (None, None),
        ("", ""),
        ("later", "00"),
        ("99999999999", "0" * 64),  # a made-up signature
    ],
)
def test_missing_or_made_up_parts_are_forged(exp: str | None, sig: str | None) -> None:
    assert SIGNER.check(3, exp, sig, NOW) == Verdict.FORGED


def test_a_lengthened_expiry_or_another_secret_is_forged() -> None:
    # checked before the time: a forged link never learns whether it would have expired
    exp, sig = signed(3, NOW - timedelta(days=1))
    assert SIGNER.check(3, str(int(exp) + 86400 * 30), sig, NOW) == Verdict.FORGED
    other = Signer(b"t" * 32, SIGNER.base_url)
    exp, sig = signed(3, expiry(NOW, timedelta(days=1)), other)
    assert SIGNER.check(3, exp, sig, NOW) == Verdict.FORGED


def test_without_a_secret_nothing_is_good() -> None:
    empty = Signer()
    exp, sig = signed(3, expiry(NOW, timedelta(days=1)), empty)
    assert empty.check(3, exp, sig, NOW) == Verdict.FORGED
