"""The emulator's searches: the subset of RT's TicketSQL / TransactionSQL it understands,
and REST2's paging of the results.

``field op value`` clauses joined by ``AND`` / ``OR`` with parentheses; operators ``=``,
``!=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``, ``LIKE``, ``NOT LIKE``; values quoted with ``'`` or
``"`` (backslash escapes) or bare. Field names are case-insensitive; ``CF.{Name}`` may itself
be quoted, as RT allows. Comparisons are numeric when both sides are numbers, by time when
both are dates (``2024-05-01 10:00:00`` with an optional zone, ``Z``, ``UTC`` or ``+0200``;
none means the server's zone, UTC here), else case-insensitive, like RT on SQLite.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from starlette.requests import Request

from syncd.emulator_kit import page_of

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lp>\() | (?P<rp>\)) |
        (?P<op><>|!=|>=|<=|=|<|>) |
        (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*") |
        (?P<word>[^\s()'"=<>!]+)
    )""",
    re.VERBOSE,
)

Getter = Callable[[str], Sequence[Any]]
_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?", re.IGNORECASE
)


class QueryError(ValueError):
    """The query is not valid (REST2 answers 400)."""


@dataclass(frozen=True)
class Clause:
    """One ``field op value`` condition."""

    field: str
    op: str
    value: str

    def matches(self, get: Getter) -> bool:
        """Whether the record whose values ``get`` returns satisfies this."""
        values = list(get(self.field))
        if self.op in ("!=", "<>", "NOT LIKE"):
            positive = Clause(self.field, "=" if self.op != "NOT LIKE" else "LIKE", self.value)
            return not positive.matches(get)
        return any(_compare(v, self.op, self.value) for v in values)


@dataclass(frozen=True)
class Node:
    """Conditions joined by AND or OR."""

    op: str  # "AND" / "OR"
    parts: tuple[Clause | Node, ...]

    def matches(self, get: Getter) -> bool:
        """Whether the record whose values ``get`` returns satisfies this."""
        results = (p.matches(get) for p in self.parts)
        return all(results) if self.op == "AND" else any(results)


def _compare(actual: Any, op: str, wanted: str) -> bool:
    if actual is None:
        return False
    left, right = str(actual), wanted
    if op == "LIKE":
        return right.lower().strip("%") in left.lower()
    times = _time(left), _time(right)
    if re.fullmatch(r"-?\d+", left) and re.fullmatch(r"-?\d+", right):
        a, b = int(left), int(right)
    elif times[0] is not None and times[1] is not None:
        a, b = times  # type: ignore[assignment]
    else:
        a, b = left.lower(), right.lower()  # type: ignore[assignment]
    return {
        "=": a == b,
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
    }[op]


def _time(text: str) -> datetime | None:
    """A date as RT reads one in a query, or None."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    at = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}")
    zone = (match.group(3) or "UTC").upper()
    if zone in ("Z", "UTC", "GMT"):
        return at.replace(tzinfo=UTC)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return at.replace(tzinfo=timezone(sign * offset))


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError(f"Wrong query, near: {text[pos : pos + 20]!r}")
        pos = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        """The next token, not consumed."""
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        """Consume the next token."""
        tok = self.peek()
        if tok is None:
            raise QueryError("Wrong query: unexpected end")
        self.pos += 1
        return tok

    def expr(self) -> Clause | Node:
        """Clauses joined by AND / OR (AND binds tighter)."""
        parts = [self.term()]
        ops: list[str] = []
        while (tok := self.peek()) and tok[0] == "word" and tok[1].upper() in ("AND", "OR"):
            ops.append(self.take()[1].upper())
            parts.append(self.term())
        if not ops:
            return parts[0]
        # AND binds tighter than OR
        groups: list[list[Clause | Node]] = [[parts[0]]]
        for op, part in zip(ops, parts[1:], strict=True):
            if op == "AND":
                groups[-1].append(part)
            else:
                groups.append([part])
        ors = [g[0] if len(g) == 1 else Node("AND", tuple(g)) for g in groups]
        return ors[0] if len(ors) == 1 else Node("OR", tuple(ors))

    def term(self) -> Clause | Node:
        """One clause or a parenthesised expression."""
        kind, value = self.take()
        if kind == "lp":
            inner = self.expr()
            if self.take()[0] != "rp":
                raise QueryError("Wrong query: missing )")
            return inner
        if kind not in ("word", "str"):
            raise QueryError(f"Wrong query: unexpected {value!r}")
        field = value
        op_kind, op = self.take()
        if op_kind == "word" and op.upper() == "NOT":
            op = "NOT " + self.take()[1].upper()
        elif op_kind == "word" and op.upper() == "LIKE":
            op = "LIKE"
        elif op_kind != "op":
            raise QueryError(f"Wrong query: expected an operator after {field!r}")
        _, operand = self.take()
        return Clause(field=field, op=op, value=operand)


def parse(text: str) -> Clause | Node:
    """Parse a TicketSQL / TransactionSQL query."""
    parser = _Parser(_tokens(text))
    tree = parser.expr()
    if parser.peek() is not None:
        raise QueryError(f"Wrong query: unexpected {parser.peek()!r}")
    return tree


def cf_name(field: str) -> str | None:
    """``CF.{Name}`` / ``CustomField.{Name}`` -> ``Name``."""
    match = re.fullmatch(r"(?:CF|CustomField)\.\{(.+)\}", field, re.IGNORECASE)
    return match.group(1) if match else None


def page(
    request: Request,
    rows: list[Any],
    visible: Callable[[Any], bool],
    render: Callable[[Any, list[str] | None], dict[str, Any]],
    *,
    total: bool = False,
) -> dict[str, Any]:
    """REST2's paging: rights are applied after the SQL limit, so a page of an account
    that may not see everything can hold fewer items, with ``total``/``pages`` null."""
    params = request.query_params
    per_page = max(1, min(100, _int(params.get("per_page"), 20)))
    page = max(1, _int(params.get("page"), 1))
    chunk = page_of(rows, page, per_page)
    fields = [f for f in params.get("fields", "").split(",") if f] or None
    items = [render(r, fields) for r in chunk if visible(r)]
    count_all = len(rows) if total else None
    pages = math.ceil(count_all / per_page) if count_all is not None else None
    result: dict[str, Any] = {
        "count": len(items),
        "page": page,
        "pages": pages,
        "per_page": per_page,
        "total": count_all,
        "items": items,
    }
    if pages and page < pages:
        result["next_page"] = str(request.url.include_query_params(page=page + 1))
    if pages and page > 1:
        result["prev_page"] = str(request.url.include_query_params(page=min(page - 1, pages)))
    return result


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default
