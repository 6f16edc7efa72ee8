"""Finding personal data in text bound for a public project: e-mail addresses, phone numbers,
payment card numbers and an admin's own patterns. Pure.

What is found is replaced by :data:`MASK`; :func:`scan` also says how many distinct values of
each kind it removed, never which. The phone and card rules look at the digits and their
neighbours, so dates, versions, times, IP addresses and ids of a few digits stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

MASK = "[redacted]"
EMAIL_KIND = "email"
PHONE_KIND = "phone"
CARD_KIND = "card"

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# neither glued to a word, a sign, a path or a decimal point, nor followed by more of a number
_BEFORE = r"(?<![\w.+/#-])(?<!\d:)"
_AFTER = r"(?!\w|[.,/:-]\d)"
# 13 to 19 digits starting as the card networks' numbers do (2 to 6; a millisecond timestamp
# starts with 1): unbroken, in groups of four, or grouped as Amex and Diners print them
CARD = re.compile(
    _BEFORE
    + r"(?:[2-6]\d{12,18}"
    + r"|[2-6]\d{3}(?P<s>[ -])\d{4}(?P=s)\d{4}(?P=s)\d{1,4}(?:(?P=s)\d{1,3})?"
    + r"|3\d{3}(?P<a>[ -])\d{6}(?P=a)\d{4,5})"
    + _AFTER
)
_SEP = r"[ .-]"
PHONE = re.compile(
    _BEFORE
    + r"(?:"
    # international: +44 20 7946 0958, +1-415-555-0100, +33 6 12 34 56 78, +49 (0)30 1234567
    + r"(?P<plus>\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){1,6})"
    # the same after the 00 prefix, with at least one separator: 0044 20 7946 0958
    + r"|(?P<zeros>00[1-9]\d{0,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]\d{1,5})(?:[ .-]?\d{1,5}){0,5})"
    # an area code in parentheses: (415) 555-0100, (020) 7946 0958
    + r"|(?P<paren>\(\d{2,5}\)[ .-]?\d{2,4}(?:[ .-]?\d{2,4}){1,3})"
    # North American groups: 415-555-0100, 415.555.0100, 415 555 0100
    + rf"|(?P<nanp>[2-9]\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{4}})"
    # a national trunk prefix with groups: 020 7946 0958, 06 12 34 56 78, 030/1234567
    + r"|(?P<trunk>0\d{1,4}(?:[ ./-]\d{2,8}){1,4})"
    + r")"
    + _AFTER
)
# digits each form may hold (the prefix's 00 and the national 0 counted)
_DIGITS = {"plus": (8, 15), "zeros": (10, 17), "paren": (9, 12), "nanp": (10, 10), "trunk": (9, 11)}
DATE = re.compile(r"^\d{1,4}([./-])\d{1,2}\1\d{1,4}$")


@dataclass(frozen=True)
class Pattern:
    """An admin's pattern; ``name`` is how the agent's note counts its matches."""

    regex: re.Pattern[str]
    name: str = ""

    @property
    def kind(self) -> str:
        return f"pattern:{self.name}" if self.name else "pattern"


@dataclass
class Found:
    """Distinct values removed, by kind, across every text scanned with it (values are held
    as hashes only while scanning, and never leave this object)."""

    seen: dict[str, set[int]] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"Found({self.counts()})"

    def add(self, kind: str, value: str) -> None:
        # one address or number written two ways (case, separators) counts once
        same = _only_digits(value) if kind in (PHONE_KIND, CARD_KIND) else value.strip().lower()
        self.seen.setdefault(kind, set()).add(hash(same))

    def counts(self) -> dict[str, int]:
        """Kind -> how many distinct values of it were removed."""
        return {k: len(v) for k, v in sorted(self.seen.items())}

    def __bool__(self) -> bool:
        return bool(self.seen)


def luhn(digits: str) -> bool:
    """Whether ``digits`` pass the Luhn check of payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _only_digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _card(m: re.Match[str]) -> bool:
    return luhn(_only_digits(m.group()))


def _phone(m: re.Match[str]) -> bool:
    form = m.lastgroup or ""
    low, high = _DIGITS[form]
    text = m.group()
    if form == "trunk" and DATE.match(text):
        return False
    return low <= len(_only_digits(text)) <= high


def compile_patterns(raw: Iterable[str | dict[str, str]]) -> tuple[Pattern, ...]:
    """Admin patterns from the config: a regex, or ``{name: regex}``."""
    out = []
    for item in raw:
        if isinstance(item, dict):
            for name, regex in item.items():
                out.append(Pattern(re.compile(regex), str(name)))
        else:
            out.append(Pattern(re.compile(item)))
    return tuple(out)


Accept = Callable[[re.Match[str]], bool]


def _accepted(regex: re.Pattern[str], m: re.Match[str], accept: Accept | None) -> int:
    """How much of a candidate is personal data: all of it, a leading part (a number the
    pattern ran on into the next one), or none."""
    if accept is None or accept(m):
        return m.end() - m.start()
    text = m.group()
    for cut in range(len(text) - 1, 0, -1):
        if text[cut] not in " .-/(":
            continue
        head = regex.fullmatch(m.string, m.start(), m.start() + cut)
        if head is not None and accept(head):
            return cut
    return 0


def _replace(
    regex: re.Pattern[str], text: str, kind: str, into: Found, accept: Accept | None = None
) -> str:
    parts: list[str] = []
    pos = done = 0
    while (m := regex.search(text, pos)) is not None:
        size = _accepted(regex, m, accept)
        if size == 0:
            pos = m.start() + 1  # a number may still begin inside the rejected candidate
            continue
        parts += [text[done : m.start()], MASK]
        into.add(kind, text[m.start() : m.start() + size])
        pos = done = m.start() + size
        if pos == m.start():
            pos += 1
    parts.append(text[done:])
    return "".join(parts)


def scan(text: str, patterns: Sequence[Pattern] = (), found: Found | None = None) -> str:
    """``text`` with personal data replaced by :data:`MASK`; what went is added to ``found``."""
    into = found if found is not None else Found()
    # cards first: their digit runs would otherwise be taken for phone numbers
    out = _replace(CARD, text, CARD_KIND, into, _card)
    out = _replace(EMAIL, out, EMAIL_KIND, into)
    out = _replace(PHONE, out, PHONE_KIND, into, _phone)
    for p in patterns:
        out = _replace(p.regex, out, p.kind, into)
    return out


def redact(text: str, patterns: Sequence[str] = ()) -> str:
    """``text`` with e-mail addresses, phone and card numbers and ``patterns`` masked."""
    return scan(text, compile_patterns(patterns))
