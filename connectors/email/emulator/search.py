"""SEARCH over one folder's messages, as RFC 3501 says and Dovecot does: ``HEADER`` and the
text keys match by case-insensitive substring, dates by day (of the message's arrival), and
every key given must match (``OR``, ``NOT`` and parentheses combine them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from .records import MONTHS, Stored, header_values, split
from .syntax import Atom, Bad, Reader, Token, in_set, sequence

_FLAG_KEYS = {"SEEN": "\\Seen", "DELETED": "\\Deleted", "FLAGGED": "\\Flagged",
              "ANSWERED": "\\Answered", "DRAFT": "\\Draft"}  # fmt: skip


def imap_date(text: str) -> date:
    try:
        day, month, year = text.split("-")
        return date(int(year), MONTHS.index(month.capitalize()) + 1, int(day))
    except ValueError:
        raise Bad(f"Invalid date: {text}") from None


Test = Callable[[int, Stored], bool]


def search_keys(reader: Reader, largest_uid: int, count: int) -> Test:
    """The AND of every search key left in ``reader`` (seq numbers count to ``count``)."""
    tests = []
    while not reader.done():
        tests.append(_key(reader.token(), reader, largest_uid, count))
    return lambda seq, m: all(t(seq, m) for t in tests)


def _key(tok: Token, reader: Reader, largest_uid: int, count: int) -> Test:
    if isinstance(tok, list):
        return search_keys(_Feed(tok), largest_uid, count)
    if not isinstance(tok, Atom):
        raise Bad("Invalid search key")
    key = tok.upper()

    def text() -> str:
        return reader.string().lower()

    if key == "ALL":
        return lambda seq, m: True
    if key == "UID":
        uids = list(sequence(reader.string(), largest_uid))
        return lambda seq, m: in_set(m.uid, uids)
    if key[0].isdigit() or key[0] == "*":
        seqs = list(sequence(key, count))
        return lambda seq, m: in_set(seq, seqs)
    if key in _FLAG_KEYS:
        flag = _FLAG_KEYS[key]
        return lambda seq, m: flag in m.flags
    if key.startswith("UN") and key[2:] in _FLAG_KEYS:
        unflag = _FLAG_KEYS[key[2:]]
        return lambda seq, m: unflag not in m.flags
    if key in ("KEYWORD", "UNKEYWORD"):
        word, want = reader.string(), key == "KEYWORD"
        return lambda seq, m: (word in m.flags) is want
    if key == "HEADER":
        name, value = reader.string(), text()
        return lambda seq, m: any(value in v.lower() for v in header_values(m.raw, name))
    if key in ("SUBJECT", "FROM", "TO", "CC"):
        value = text()
        return lambda seq, m: any(value in v.lower() for v in header_values(m.raw, key))
    if key in ("BODY", "TEXT"):
        needle, body_only = text().encode(), key == "BODY"
        return lambda seq, m: needle in (split(m.raw)[1] if body_only else m.raw).lower()
    if key in ("SINCE", "BEFORE", "ON"):
        day = imap_date(reader.string())
        compare = {"SINCE": day.__le__, "BEFORE": day.__gt__, "ON": day.__eq__}[key]
        return lambda seq, m: compare(m.at.date())
    if key in ("LARGER", "SMALLER"):
        size = int(reader.string())
        return lambda seq, m: len(m.raw) > size if key == "LARGER" else len(m.raw) < size
    if key == "NOT":
        inner = _key(reader.token(), reader, largest_uid, count)
        return lambda seq, m: not inner(seq, m)
    if key == "OR":
        left = _key(reader.token(), reader, largest_uid, count)
        right = _key(reader.token(), reader, largest_uid, count)
        return lambda seq, m: left(seq, m) or right(seq, m)
    raise Bad(f"Unknown search key: {tok}")


class _Feed(Reader):
    """A reader over tokens already parsed (the inside of a parenthesized key list)."""

    def __init__(self, tokens: list[Token]) -> None:
        super().__init__(b"")
        self.tokens = list(tokens)

    def done(self) -> bool:
        return not self.tokens

    def token(self) -> Token:
        if not self.tokens:
            raise Bad("Missing argument")
        return self.tokens.pop(0)

    def string(self) -> str:
        found = self.token()
        if isinstance(found, list):
            raise Bad("Expected a string")
        return found.decode() if isinstance(found, bytes) else str(found)
