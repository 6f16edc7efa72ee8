"""IMAP4rev1 syntax (RFC 3501) the emulator reads and writes: the arguments of a command
(atoms, quoted strings, literals, parenthesized lists), sequence sets, and the strings it
answers with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_NUMBER = re.compile(rb"\d+")
_LITERAL = re.compile(rb"\{(\d+)\}\r\n$")
_SAFE = re.compile(r"^[A-Za-z0-9_.\-/$\\]+$")


class Bad(Exception):
    """A command the server cannot parse: answered ``BAD``."""


class Atom(str):
    """An unquoted word (a command name, a flag, a search key)."""


Token = Atom | str | bytes | list["Token"]


def literal_size(line: bytes) -> int | None:
    """The size of the literal a command line ends with (``{n}``), or None."""
    found = _LITERAL.search(line)
    return int(found.group(1)) if found else None


class Reader:
    """The arguments of one command, literals inlined as the wire has them."""

    def __init__(self, data: bytes) -> None:
        self.data = data[:-2] if data.endswith(b"\r\n") else data  # the command's own CRLF
        self.at = 0

    def done(self) -> bool:
        self._space()
        return self.at >= len(self.data)

    def _space(self) -> None:
        while self.at < len(self.data) and self.data[self.at : self.at + 1] == b" ":
            self.at += 1

    def token(self) -> Token:
        self._space()
        if self.at >= len(self.data):
            raise Bad("Missing argument")
        c = self.data[self.at : self.at + 1]
        if c == b"(":
            self.at += 1
            out: list[Token] = []
            while True:
                self._space()
                if self.data[self.at : self.at + 1] == b")":
                    self.at += 1
                    return out
                if self.at >= len(self.data):
                    raise Bad("Missing ')'")
                out.append(self.token())
        if c == b'"':
            return self._quoted()
        if c == b"{":
            return self._literal()
        return Atom(self._atom())

    def _quoted(self) -> str:
        self.at += 1
        out = bytearray()
        while self.at < len(self.data):
            c = self.data[self.at : self.at + 1]
            self.at += 1
            if c == b"\\":
                out += self.data[self.at : self.at + 1]
                self.at += 1
            elif c == b'"':
                return out.decode("utf-8", "replace")
            else:
                out += c
        raise Bad("Missing '\"'")

    def _literal(self) -> bytes:
        end = self.data.find(b"}\r\n", self.at)
        if end < 0 or not _NUMBER.fullmatch(self.data[self.at + 1 : end]):
            raise Bad("Invalid literal")
        size = int(self.data[self.at + 1 : end])
        start = end + 3
        self.at = start + size
        return self.data[start : self.at]

    def _atom(self) -> str:
        start, depth = self.at, 0
        while self.at < len(self.data):
            c = self.data[self.at : self.at + 1]
            if c == b"[":
                depth += 1
            elif c == b"]":
                depth -= 1
            elif depth == 0 and c in b" ()":
                break
            self.at += 1
        return self.data[start : self.at].decode("utf-8", "replace")

    def string(self) -> str:
        """An astring: an atom, a quoted string or a literal."""
        found = self.token()
        if isinstance(found, list):
            raise Bad("Expected a string")
        return found.decode("utf-8", "replace") if isinstance(found, bytes) else str(found)

    def rest(self) -> list[Token]:
        out = []
        while not self.done():
            out.append(self.token())
        return out


def sequence(spec: str, largest: int) -> Iterator[tuple[int, int]]:
    """The ranges of a sequence set (``1,3:5,7:*``), ``*`` being ``largest``; BAD if broken."""
    for part in spec.split(","):
        ends = part.split(":")
        if len(ends) > 2 or not all(e == "*" or e.isdigit() for e in ends):
            raise Bad(f"Invalid messageset: {spec}")
        nums = [largest if e == "*" else int(e) for e in ends]
        low, high = min(nums), max(nums)
        yield low, high


def in_set(n: int, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= n <= high for low, high in ranges)


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox_name(name: str) -> str:
    """A folder name as Dovecot writes it in LIST and STATUS: bare when it is safe."""
    return name if _SAFE.match(name) and name.upper() != "NIL" else quoted(name)


def flags_of(tokens: Token) -> set[str]:
    """A flag list, ``(\\Seen $Keyword)`` or a single flag."""
    items = tokens if isinstance(tokens, list) else [tokens]
    out = set()
    for item in items:
        if not isinstance(item, Atom) or not item:
            raise Bad("Invalid flag")
        flag = str(item)
        if flag.startswith("\\"):
            flag = "\\" + flag[1:].capitalize()
        out.add(flag)
    return out
