"""Field mappings (``routes[].fields``), pure: which values cross between a ticket and its
issue, and what the templates see of them.

A value is read on one side (:func:`ticket_value`, :func:`issue_value`), put through the
mapping's value map and transform (:func:`convert`) and written to the other side when it
differs from what is there. Two sides that already agree (the other side's value maps back to
this side's) are left alone, so a value map that is not one-to-one never bounces a value to
and fro. Which side may write is the route's ``ownership`` entry for the mapping's name:
``support``, ``dev``, or ``both`` (the default: the later change wins, by the vendors' own
timestamps, like priority).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from jinja2 import TemplateError

from syncd.engine.router import customer_tier
from syncd.field_settings import FieldMap, expression_env
from syncd.model import Issue, Ticket
from syncd.route_settings import Route
from syncd.workflow import Tiers

Way = Literal["to_issue", "to_ticket"]
MESSAGE = "field_map"  # the message (and audit name) of every mapped field's write


class TransformError(ValueError):
    """A mapping's transform failed on a value (the reason is the message)."""


_ONE_WAY = {"to_issue": "support", "to_ticket": "dev", "both": "both"}


def lead_of(route: Route, m: FieldMap) -> str:
    """Who may write the mapped field: the route's ownership entry, else the side values
    come from (``both``: either, the later change wins)."""
    lead = route.ownership.get(m.key, _ONE_WAY[m.direction])
    return lead if lead in ("support", "dev") else "both"


def later(a: datetime | None, b: datetime | None) -> bool:
    """Whether ``a`` is not older than ``b`` (an unknown time never loses)."""
    return a is None or b is None or a >= b


def _one_of(present: Iterable[str], counted: Iterable[str]) -> str:
    """The first of ``counted`` values found in a set (tags, labels), else ""."""
    have = set(present)
    return next((v for v in sorted(set(counted)) if v in have), "")


def ticket_value(ticket: Ticket, m: FieldMap, tiers: Tiers) -> str | None:
    """The mapped ticket field's value ("" when empty)."""
    if m.ticket_custom:
        return ticket.fields.get(m.ticket_field) or ""
    if m.ticket == "organization":
        return ticket.organization or ""
    if m.ticket == "tier":
        return customer_tier(ticket, tiers) or ""
    return _one_of(ticket.tags, m.values)


def issue_value(issue: Issue, m: FieldMap) -> str | None:
    """The mapped issue field's value ("" when empty; None when the connector did not read
    it, so nothing can be said)."""
    if m.issue == "labels":
        return _one_of(issue.labels, m.values.values())
    if m.issue == "milestone":
        return issue.milestone or ""
    if m.issue == "assignee":
        return issue.assignee or ""
    return issue.fields.get(m.issue)


def due_of(issue: Issue | None, m: FieldMap) -> str | None:
    """The date that goes with the issue side's value (a release, a milestone's due date)."""
    if issue is None:
        return None
    return issue.dates.get(m.issue)


@lru_cache(maxsize=256)
def _compiled(text: str) -> Any:
    return expression_env().compile_expression(text, undefined_to_none=True)


def convert(m: FieldMap, value: str, way: Way, **context: Any) -> str | None:
    """``value`` as the other side should hold it (None: it does not cross)."""
    table = m.values if way == "to_issue" else {v: k for k, v in reversed(m.values.items())}
    if value in table:
        value = table[value]
    elif value and not m.pass_unmapped:
        return None
    if m.transform is None or not value:
        return value  # an emptied field empties the other side, whatever the transform
    try:
        out = _compiled(m.transform)(value=value, direction=way, **context)
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError) as exc:
        raise TransformError(f"transform of {m.key!r} failed on {value!r}: {exc}") from None
    return None if out is None else str(out)


def same(a: str, b: str) -> bool:
    """Equal values, a list's order and spacing aside (``"2.4, 2.5"`` == ``"2.5,2.4"``)."""

    def parts(v: str) -> list[str]:
        return sorted(p.strip() for p in v.split(",") if p.strip())

    return a == b or parts(a) == parts(b)


@dataclass
class Writes:
    """What one side owes for a set of mappings."""

    fields: dict[str, str] = field(default_factory=dict)
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # transform errors, for a note
    what: list[str] = field(default_factory=list)  # "name=value", for keys and the audit

    def __bool__(self) -> bool:
        return bool(self.fields or self.add or self.remove)


def _context(ticket: Ticket | None, issue: Issue | None, due: str | None) -> dict[str, Any]:
    return {
        "ticket": ticket.model_dump(mode="json") if ticket else {},
        "issue": issue.model_dump(mode="json") if issue else {},
        "due": due,
    }


def to_issue(
    route: Route, ticket: Ticket, issue: Issue | None, tiers: Tiers, *, fill: bool = False
) -> Writes:
    """The issue writes the ticket's mapped values call for (``fill``: only into empty
    fields, whatever the times: a link just made overwrites neither side)."""
    return _writes("to_issue", route, ticket, issue, tiers, fill)


def to_ticket(
    route: Route, issue: Issue, ticket: Ticket | None, tiers: Tiers, *, fill: bool = False
) -> Writes:
    """The ticket writes the issue's mapped values call for (``fill``: as for
    :func:`to_issue`)."""
    return _writes("to_ticket", route, ticket, issue, tiers, fill)


_BACK: dict[Way, Way] = {"to_issue": "to_ticket", "to_ticket": "to_issue"}
_LOSES: dict[Way, str] = {"to_issue": "dev", "to_ticket": "support"}


def _writes(
    way: Way, route: Route, ticket: Ticket | None, issue: Issue | None, tiers: Tiers, fill: bool
) -> Writes:
    out = Writes()
    for m in route.fields:
        lead = lead_of(route, m)
        if not m.crosses(way) or lead == _LOSES[way]:
            continue
        t = ticket_value(ticket, m, tiers) if ticket is not None else None
        i = issue_value(issue, m) if issue is not None else None
        value, have = (t, i) if way == "to_issue" else (i, t)
        if value is None or (fill and (have or not value)):
            continue  # nothing read on this side, or (filling) nothing to fill
        context = _context(ticket, issue, due_of(issue, m))
        try:
            want = convert(m, value, way, **context)
            if want is None or (have is not None and same(want, have)):
                continue
            if have is not None and m.crosses(_BACK[way]):
                back = convert(m, have, _BACK[way], **context)
                if back is not None and same(back, value):
                    continue  # the two sides agree already
        except TransformError as exc:
            out.failed.append(str(exc))
            continue
        if lead == "both" and not fill and ticket is not None and issue is not None:
            mine, theirs = (ticket, issue) if way == "to_issue" else (issue, ticket)
            if not later(mine.updated_at, theirs.updated_at):
                continue  # the other side changed later: its value stands
        _add(out, way, m, want, ticket, issue)
    return out


def _add(
    out: Writes, way: Way, m: FieldMap, want: str, ticket: Ticket | None, issue: Issue | None
) -> None:
    if way == "to_issue":
        out.what.append(f"{m.issue}={want}")
        if m.issue != "labels":
            out.fields[m.issue] = want
            return
        present: frozenset[str] = issue.labels if issue else frozenset()
        counted: Iterable[str] = m.values.values()
    else:
        out.what.append(f"{m.ticket_field}={want}")
        if m.ticket_custom:
            out.fields[m.ticket_field] = want
            return
        present = ticket.tags if ticket else frozenset()
        counted = list(m.values)
    out.add += [want] if want else []
    out.remove += sorted({v for v in counted if v != want and v in present})


def mapped(
    route: Route | None, ticket: Ticket | None, issue: Issue | None, tiers: Tiers
) -> dict[str, Any]:
    """What templates see as ``fields``: per mapping name, the ticket's and the issue's
    values, the issue's as the ticket would hold it (``value``) and its date (``due``)."""
    out: dict[str, Any] = {}
    for m in route.fields if route else ():
        t = ticket_value(ticket, m, tiers) if ticket else None
        i = issue_value(issue, m) if issue else None
        value = t
        if i:
            try:
                value = convert(m, i, "to_ticket", **_context(ticket, issue, due_of(issue, m)))
            except TransformError:
                value = i
        out[m.key] = {"ticket": t, "issue": i, "value": value, "due": due_of(issue, m)}
    return out
