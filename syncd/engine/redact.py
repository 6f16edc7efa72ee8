"""Redaction of personal data from text posted where the public can read it. Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# international or national numbers of 7+ digits, with the usual separators; dates, versions
# and short numbers (order ids of a few digits) are left alone by the digit count
PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d ()./-]{6,}\d(?![\w])")
DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$")
MASK = "[redacted]"


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _keep(found: str) -> bool:
    return not 7 <= _digits(found) <= 15 or bool(DATE.match(found.strip()))


def redact(text: str, patterns: Sequence[str] = ()) -> str:
    """``text`` with e-mail addresses, phone numbers and ``patterns`` replaced by a mask."""
    out = EMAIL.sub(MASK, text)
    out = PHONE.sub(lambda m: m.group() if _keep(m.group()) else MASK, out)
    for p in patterns:
        out = re.sub(p, MASK, out)
    return out
