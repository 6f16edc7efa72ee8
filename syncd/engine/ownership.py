"""Per-field ownership: which side's value of a synced field wins.

A route names who leads each field (by default the dev side leads ``status`` once a ticket is
escalated, support leads ``priority``). A value only crosses from its leader's side: a write
the planner derived from a change on the other side loses that field, and the losing value goes
to the audit. Because the other side's value never crosses, the result is the same whatever the
order in which the two sides' changes arrive. A field both sides lead (``both``) crosses either
way; the planner lets the later change win by the vendors' own timestamps. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from syncd.engine.actions import Action, ActionKind

Side = Literal["support", "dev"]
Lead = Literal["support", "dev", "both"]
DEFAULT: dict[str, Side] = {"status": "dev", "priority": "support"}
FIELDS = ("status", "priority")
# moves a route's own policy asks for (``support_changes``), not a synced field's value: they
# cross whoever leads the field
POLICY_MOVES = frozenset({"support_reopened", "support_solved", "impact_priority"})
# the side an action writes to
_WRITES: dict[ActionKind, Side] = {
    ActionKind.UPDATE_TICKET: "support",
    ActionKind.UPDATE_ISSUE: "dev",
}


@dataclass(frozen=True)
class Overruled:
    """A value that lost to the field's owner."""

    key: str
    field: str
    value: str
    owner: Lead


def owner(ownership: Mapping[str, str] | None, name: str) -> Lead:
    """The side that leads ``name`` under a route's ownership map (``both``: either)."""
    value = (ownership or {}).get(name) or DEFAULT.get(name, "support")
    return value if value in ("dev", "both") else "support"  # type: ignore[return-value]


def resolve(
    actions: list[Action], source: Side, ownership: Mapping[str, str] | None
) -> tuple[list[Action], list[Overruled]]:
    """Drop from ``actions`` (planned for a change seen on ``source``) every field that would
    carry the non-owner's value over the owner's side; return what was dropped."""
    out: list[Action] = []
    lost: list[Overruled] = []
    for a in actions:
        target = _WRITES.get(a.kind)
        if target is None or target == source or a.message in POLICY_MOVES:
            out.append(a)
            continue
        update: dict[str, None] = {}
        for name in FIELDS:
            value = getattr(a, name)
            if value is not None and owner(ownership, name) == target:
                update[name] = None
                lost.append(Overruled(a.key, name, str(getattr(value, "value", value)), target))
        out.append(a.model_copy(update=update) if update else a)
    return out, lost
