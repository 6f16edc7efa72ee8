"""The subset of JQL the emulated Jira understands.

Enough for syncd and for humans in tests: ``project = X``, ``project in (X, Y)``, ``key = X``,
``updated``/``created`` compared with ``"yyyy/MM/dd HH:mm"`` dates (read in the searching user's
time zone, minute precision, as Jira does), ``issue.property[k].path = "v"``, joined by
``AND``, with ``ORDER BY updated|created|key ASC|DESC``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectors.jira.emulator.records import StoredIssue

Predicate = Callable[[StoredIssue], bool]


class JqlError(ValueError):
    """The query is outside what Jira (or this emulator) accepts."""


_ORDER = re.compile(r"\s+ORDER\s+BY\s+(\w+)(?:\s+(ASC|DESC))?\s*$", re.IGNORECASE)
_AND = re.compile(r"\s+AND\s+(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", re.IGNORECASE)
_PROJECT_EQ = re.compile(r'^project\s*=\s*"?([A-Za-z][A-Za-z0-9_]*)"?$', re.IGNORECASE)
_PROJECT_IN = re.compile(r"^project\s+in\s*\(([^)]*)\)$", re.IGNORECASE)
_KEY_EQ = re.compile(
    r'^(?:key|issue|issuekey)\s*=\s*"?([A-Za-z][A-Za-z0-9_]*-\d+)"?$', re.IGNORECASE
)
_DATE = re.compile(r'^(updated|created)\s*(>=|<=|>|<|=)\s*"?([^"]+?)"?$', re.IGNORECASE)
_PROPERTY = re.compile(r'^issue\.property\[([\w.\-]+)\]\.([\w.]+)\s*=\s*"([^"]*)"$', re.IGNORECASE)


def _parse_date(text: str, zone: ZoneInfo) -> datetime:
    for fmt in ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    raise JqlError(
        f"Date value '{text}' for field 'updated' is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd'"
    )


def _lookup(value: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _clause(text: str, zone: ZoneInfo) -> Predicate:
    text = text.strip()
    if m := _PROJECT_EQ.match(text):
        project = m.group(1).upper()
        return lambda i: i.project == project
    if m := _PROJECT_IN.match(text):
        names = {p.strip().strip('"').upper() for p in m.group(1).split(",") if p.strip()}
        return lambda i: i.project in names
    if m := _KEY_EQ.match(text):
        key = m.group(1).upper()
        return lambda i: i.key == key
    if m := _DATE.match(text):
        field, op, bound = m.group(1).lower(), m.group(2), _parse_date(m.group(3), zone)
        compare: dict[str, Callable[[datetime, datetime], bool]] = {
            ">=": lambda a, b: a >= b,
            ">": lambda a, b: a > b,
            "<=": lambda a, b: a <= b,
            "<": lambda a, b: a < b,
            "=": lambda a, b: a.replace(second=0, microsecond=0) == b,
        }
        return lambda i: compare[op](getattr(i, field), bound)
    if m := _PROPERTY.match(text):
        prop, path, want = m.group(1), m.group(2), m.group(3)
        return lambda i: str(_lookup(i.properties.get(prop), path)) == want
    raise JqlError(f"Error in the JQL Query: the clause '{text}' is not understood.")


def compile_jql(jql: str, zone: ZoneInfo) -> tuple[Predicate, Callable[[StoredIssue], Any], bool]:
    """``(predicate, sort key, descending)`` for a query; ``JqlError`` if unsupported."""
    jql = jql.strip()
    order_field, descending = "created", True
    if m := _ORDER.search(jql):
        order_field = m.group(1).lower()
        descending = (m.group(2) or "ASC").upper() == "DESC"
        jql = jql[: m.start()]
    if order_field not in ("updated", "created", "key"):
        raise JqlError(f"Error in the JQL Query: cannot order by '{order_field}'.")
    preds = [_clause(part, zone) for part in _AND.split(jql) if part.strip()] if jql else []

    def sort_key(i: StoredIssue) -> Any:
        if order_field == "key":
            return (i.project, int(i.key.split("-")[1]))
        return (getattr(i, order_field), int(i.id))

    return (lambda i: all(p(i) for p in preds)), sort_key, descending
