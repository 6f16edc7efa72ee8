"""The patterns of personal data, table by table: what each finds and what it leaves alone."""

from __future__ import annotations

import pytest

from syncd.engine.redact import MASK, Found, compile_patterns, luhn, redact, scan


def kinds(text: str, patterns: list[str | dict[str, str]] | None = None) -> dict[str, int]:
    found = Found()
    scan(text, compile_patterns(patterns or []), found)
    return found.counts()


@pytest.mark.parametrize(
    "text",
    [
        "ada@example.com",
        "Ada.Lovelace+support@mail.customer.co.uk",
        "ops-team@acme-corp.io",
        "x_y%z@sub-domain.example.museum",
    ],
)
def test_email_addresses_are_found(text: str) -> None:
    assert redact(f"write to {text} please") == f"write to {MASK} please"
    assert kinds(text) == {"email": 1}


@pytest.mark.parametrize(
    "text",
    ["user@localhost", "@mention", "name@", "a@b", "see docs@v2 for details"],
)
def test_not_email_addresses(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        # international
        "+44 20 7946 0958",
        "+1-415-555-0100",
        "+1 (415) 555-0100",
        "+33 6 12 34 56 78",
        "+49 (0)30 1234567",
        "+14155550100",
        "+353 1 234 5678",
        "0044 20 7946 0958",
        "001 415 555 0100",
        # national
        "(415) 555-0100",
        "(020) 7946 0958",
        "415-555-0100",
        "415.555.0100",
        "415 555 0100",
        "020 7946 0958",
        "06 12 34 56 78",
        "030 1234567",
        "030/1234567",
        "0171 1234567",
    ],
)
def test_phone_numbers_are_found(text: str) -> None:
    assert redact(f"call {text}, thanks") == f"call {MASK}, thanks"
    assert kinds(text) == {"phone": 1}


@pytest.mark.parametrize(
    "text",
    [
        # dates
        "2026-11-23",
        "23/11/2026",
        "11.23.2026",
        "01.12.2026",
        "2026-11-24 13:00 UTC",
        # versions and builds
        "4.2.1",
        "v1.2.3-4",
        "10.0.19045.3693",
        "build 20261123",
        # times
        "10:30",
        "10:30:15",
        # ids, amounts and short numbers
        "order 12345",
        "ticket #1234567890",
        "INC0012345",
        "0012345678",
        "123e4567-e89b-12d3-a456-426614174000",
        "ISBN 978-3-16-148410-0",
        "1,234,567.89",
        "555-0100",
        "0123 4567 8901",
        "192.168.100.200",
        "https://help.example.com/tickets/12345678901",
        "1732358400000",
    ],
)
def test_not_phone_numbers(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5555 5555 5555 4444",
        "378282246310005",
        "3782 822463 10005",
        "6011 0009 9013 9424",
        "4222222222222",
        "6200 0000 0000 0005 009",
    ],
)
def test_card_numbers_are_found_when_luhn_passes(text: str) -> None:
    assert redact(f"paid with {text} yesterday") == f"paid with {MASK} yesterday"
    assert kinds(text) == {"card": 1}


@pytest.mark.parametrize(
    "text",
    [
        "order 4111 1111 1111 1112",  # one digit off: Luhn fails
        "order 1234 5678 9012 3456",
        "order 1234567890123456",
        "4111 1111-1111 1111",  # mixed separators
        "41111111111111111111111",  # too long
        "1111 1111 1111 1117",  # passes Luhn, but no card network starts with 1
    ],
)
def test_not_card_numbers(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "text,expected,counts",
    [
        # a number the pattern ran on into the next one: each is found, the rest kept
        ("+44 20 7946 0958 4111 1111 1111 1111", f"{MASK} {MASK}", {"card": 1, "phone": 1}),
        ("020 7946 0958 06 12 34 56 78", f"{MASK} {MASK}", {"phone": 2}),
        ("+44 20 7946 0958 1234", f"{MASK} 1234", {"phone": 1}),
        ("4111 1111 1111 1111 222", f"{MASK} 222", {"card": 1}),
        ("415-555-0100 or 415 555 0101", f"{MASK} or {MASK}", {"phone": 2}),
        ("[call](tel:+14155550100)", f"[call](tel:{MASK})", {"phone": 1}),
    ],
)
def test_numbers_next_to_each_other(text: str, expected: str, counts: dict[str, int]) -> None:
    assert redact(text) == expected
    assert kinds(text) == counts


def test_luhn() -> None:
    assert luhn("79927398713") and not luhn("79927398710")


@pytest.mark.parametrize(
    "patterns,text,expected,counts",
    [
        ([r"ACCT-\d+"], "account ACCT-991 broke", f"account {MASK} broke", {"pattern": 1}),
        (
            [{"account number": r"ACCT-\d+"}],
            "ACCT-1 and ACCT-2 and ACCT-1",
            f"{MASK} and {MASK} and {MASK}",
            {"pattern:account number": 2},
        ),
        ([r"(?i)secret-\w+"], "the SECRET-abc", f"the {MASK}", {"pattern": 1}),
        ([r"ACCT-\d+"], "no account here", "no account here", {}),
    ],
)
def test_admin_patterns(
    patterns: list[str | dict[str, str]], text: str, expected: str, counts: dict[str, int]
) -> None:
    found = Found()
    assert scan(text, compile_patterns(patterns), found) == expected
    assert found.counts() == counts


def test_counts_are_of_distinct_values_never_the_values() -> None:
    found = Found()
    text = (
        "Ada <ada@example.com>, cc ADA@example.com and bob@example.com; "
        "+44 20 7946 0958 or +44-20-7946-0958; card 4111 1111 1111 1111"
    )
    out = scan(text, (), found)
    assert found.counts() == {"card": 1, "email": 2, "phone": 1}
    assert "example.com" not in out and "7946" not in out and "1111" not in out
    assert "ada" not in repr(found).lower() and "7946" not in repr(found)


def test_everything_at_once_keeps_the_rest() -> None:
    text = (
        "Since 4.2.1 (2026-11-23 10:30) export #4471 fails for ada@example.com; "
        "call +1-415-555-0100, card 4111-1111-1111-1111, order 1234 5678 9012 3456."
    )
    assert redact(text) == (
        f"Since 4.2.1 (2026-11-23 10:30) export #4471 fails for {MASK}; "
        f"call {MASK}, card {MASK}, order 1234 5678 9012 3456."
    )
