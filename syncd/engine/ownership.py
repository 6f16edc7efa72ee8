"""Per-field ownership: which side's value of a synced field wins.

A route names an owner per field (by default the dev side owns ``status`` once a ticket is
escalated, support owns ``priority``). A value only crosses from its owner's side: a write the
planner derived from a change on the other side loses that field, and the losing value goes to
the audit. Because the non-owner's value never crosses, the result is the same whatever the
order in which the two sides' changes arrive. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from syncd.engine.actions import Action, ActionKind

Side = Literal["support", "dev"]
DEFAULT: dict[str, Side] = {"status": "dev", "priority": "support"}
FIELDS = ("status", "priority")
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
    owner: Side


def owner(ownership: Mapping[str, str] | None, name: str) -> Side:
    """The side that owns ``name`` under a route's ownership map."""
    value = (ownership or {}).get(name) or DEFAULT.get(name, "support")
    return "dev" if value == "dev" else "support"


def resolve(
    actions: list[Action], source: Side, ownership: Mapping[str, str] | None
) -> tuple[list[Action], list[Overruled]]:
    """Drop from ``actions`` (planned for a change seen on ``source``) every field that would
    carry the non-owner's value over the owner's side; return what was dropped."""
    out: list[Action] = []
    lost: list[Overruled] = []
    for a in actions:
        target = _WRITES.get(a.kind)
        if target is None or target == source:
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
