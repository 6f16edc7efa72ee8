"""FETCH of one message, as Dovecot answers it: the items in the order they were asked (UID
first when it came through ``UID FETCH`` without it), a body section as a literal, and
``\\Seen`` set by a ``BODY[...]`` that is not ``.PEEK``.

Supported items: UID, FLAGS, INTERNALDATE, RFC822.SIZE, RFC822, RFC822.HEADER, RFC822.TEXT,
BODY[<section>]<partial> and BODY.PEEK[...] with the sections ``""``, HEADER, TEXT,
HEADER.FIELDS (...) and HEADER.FIELDS.NOT (...), and the macros FAST; anything else is BAD.
"""

from __future__ import annotations

import re

from .records import Stored, internal_date, split
from .syntax import Atom, Bad, Reader, Token

_SECTION = re.compile(r"^(BODY(?:\.PEEK)?)\[([^\]]*)\](?:<(\d+)(?:\.(\d+))?>)?$", re.I)
_FIELDS = re.compile(r"^HEADER\.FIELDS(\.NOT)?\s*\((.*)\)$", re.I | re.S)
_MACROS = {"FAST": ["FLAGS", "INTERNALDATE", "RFC822.SIZE"]}

Part = tuple[str, bytes | None]  # (what the answer names, its literal or None for atoms)


def items_of(tok: Token) -> list[str]:
    """The FETCH items asked for: one item, a macro, or a parenthesized list."""
    if isinstance(tok, list):
        out = []
        for t in tok:
            if not isinstance(t, Atom):
                raise Bad("Invalid fetch attribute")
            out.append(str(t))
        return _known(out)
    if not isinstance(tok, Atom):
        raise Bad("Invalid fetch attribute")
    return _known(_MACROS.get(tok.upper(), [str(tok)]))


def _known(items: list[str]) -> list[str]:
    for item in items:
        upper = item.upper()
        if upper in ("UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "RFC822"):
            continue
        if upper in ("RFC822.HEADER", "RFC822.TEXT"):
            continue
        found = _SECTION.match(item)
        if found is None or not _section_ok(found.group(2)):
            raise Bad(f"Error in IMAP command FETCH: Unknown parameter {item}")
    return items


def _section_ok(section: str) -> bool:
    upper = section.upper()
    return upper in ("", "HEADER", "TEXT") or _FIELDS.match(section) is not None


def fetch(msg: Stored, items: list[str], *, by_uid: bool) -> tuple[list[Part], bool]:
    """The parts of the answer, and whether ``\\Seen`` is to be set now."""
    parts: list[Part] = []
    seen = False
    wanted = [i.upper() for i in items]
    if by_uid and "UID" not in wanted:
        items = ["UID", *items]
    for item in items:
        upper = item.upper()
        if upper == "UID":
            parts.append((f"UID {msg.uid}", None))
        elif upper == "FLAGS":
            parts.append(("FLAGS (" + " ".join(sorted(msg.flags)) + ")", None))
        elif upper == "INTERNALDATE":
            parts.append((f'INTERNALDATE "{internal_date(msg.at)}"', None))
        elif upper == "RFC822.SIZE":
            parts.append((f"RFC822.SIZE {len(msg.raw)}", None))
        elif upper == "RFC822":
            parts.append(("RFC822", msg.raw))
            seen = True
        elif upper == "RFC822.HEADER":
            parts.append(("RFC822.HEADER", split(msg.raw)[0]))
        elif upper == "RFC822.TEXT":
            parts.append(("RFC822.TEXT", split(msg.raw)[1]))
            seen = True
        else:
            found = _SECTION.match(item)
            assert found is not None  # checked by items_of
            kind, section, start, count = found.groups()
            data = _section(msg.raw, section)
            name = f"BODY[{_name(section)}]"
            if start is not None:
                first = int(start)
                data = data[first : first + int(count)] if count is not None else data[first:]
                name += f"<{first}>"
            parts.append((name, data))
            seen = seen or kind.upper() == "BODY"
    if seen and "\\Seen" not in msg.flags:
        flags = set(msg.flags) | {"\\Seen"}
        parts = [("FLAGS (" + " ".join(sorted(flags)) + ")", None) if p[0].startswith("FLAGS")
                 else p for p in parts]  # fmt: skip
        if not any(p[0].startswith("FLAGS") for p in parts):
            parts.append(("FLAGS (" + " ".join(sorted(flags)) + ")", None))
    return parts, seen and "\\Seen" not in msg.flags


def _name(section: str) -> str:
    found = _FIELDS.match(section)
    if found is None:
        return section.upper()
    names = Reader(b"(" + found.group(2).encode() + b")").token()
    assert isinstance(names, list)
    listed = " ".join(str(n).upper() for n in names if not isinstance(n, list | bytes))
    return f"HEADER.FIELDS{(found.group(1) or '').upper()} ({listed})"


def _section(raw: bytes, section: str) -> bytes:
    upper = section.upper()
    head, text = split(raw)
    if upper == "":
        return raw
    if upper == "HEADER":
        return head
    if upper == "TEXT":
        return text
    found = _FIELDS.match(section)
    assert found is not None
    names = {n.lower() for n in found.group(2).split()}
    keep = found.group(1) is None
    return _fields(head, names, keep)


def _fields(head: bytes, names: set[str], keep: bool) -> bytes:
    """The header lines (with their folded continuations) named, or not named, in ``names``;
    then the blank line, as Dovecot sends them."""
    out: list[bytes] = []
    taking = False
    for line in head.splitlines(keepends=True):
        if line in (b"\r\n", b"\n"):
            break
        if line[:1] in (b" ", b"\t"):
            if taking:
                out.append(line)
            continue
        name = line.split(b":", 1)[0].strip().decode("ascii", "replace").lower()
        taking = (name in names) is keep
        if taking:
            out.append(line)
    text = b"".join(out).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return text + b"\r\n"


def render(seq: int, parts: list[Part]) -> bytes:
    """The untagged FETCH response, each section a literal."""
    out = f"* {seq} FETCH (".encode()
    for i, (name, data) in enumerate(parts):
        out += (b" " if i else b"") + name.encode()
        if data is not None:
            out += f" {{{len(data)}}}\r\n".encode() + data
    return out + b")\r\n"
