"""Field mappings of a route (``routes[].fields``): any ticket field to any issue field.

A mapping names one field on each side, the way values cross (``to_issue``, ``to_ticket``,
``both``), a value map and an optional transform (a small jinja2 expression, sandboxed). The
helpdesk side names a ticket custom field by its name, or ``organization``, ``tier`` (the
requester's customer tier) or ``tags``; the tracker side names ``labels``, ``milestone``,
``assignee``, or whatever field its connector reads by name (e.g. ``components``,
``versions``, ``fixVersions``, a custom field's display name). When both sides may write,
the route's ``ownership`` entry for the mapping's ``name`` decides (``both``, the default:
the later change wins, by the vendors' timestamps).
"""

from __future__ import annotations

from typing import Literal

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import Field, field_validator, model_validator

from syncd.workflow import Strict

Direction = Literal["to_issue", "to_ticket", "both"]
# ticket-side names that are not custom fields ("field:<name>" names a custom field called so)
TICKET_BUILTINS = ("organization", "tier", "tags")
READ_ONLY = ("organization", "tier")  # syncd reads these of a ticket, never writes them
SETS = ("tags", "labels")  # one value among a set: the value map says which values count
CUSTOM = "field:"

_env = SandboxedEnvironment()


def expression_env() -> SandboxedEnvironment:
    """The sandbox transforms run in (no attribute access to internals, no I/O)."""
    return _env


class FieldMap(Strict):
    """One field mapped between a ticket and its issue."""

    ticket: str = Field(min_length=1)
    issue: str = Field(min_length=1)
    direction: Direction = "both"
    # ticket value -> issue value; read from right to left toward the ticket
    values: dict[str, str] = Field(default_factory=dict)
    # values outside ``values`` cross as they are (false: they do not cross at all)
    pass_unmapped: bool = True
    # a jinja2 expression over ``value`` (after the value map), ``direction``, ``ticket``,
    # ``issue`` and ``due`` (the value's date, if any); its result is what is written
    transform: str | None = None
    # the key of this mapping in ``ownership``, in templates (``fields.<name>``) and notes
    name: str | None = None

    @property
    def key(self) -> str:
        """The mapping's name: ``name``, else the ticket field's."""
        return self.name or self.ticket.removeprefix(CUSTOM)

    @property
    def ticket_field(self) -> str:
        """The ticket-side name without the ``field:`` prefix."""
        return self.ticket.removeprefix(CUSTOM)

    @property
    def ticket_custom(self) -> bool:
        """Whether the ticket side is a custom field (not a built-in name)."""
        return self.ticket.startswith(CUSTOM) or self.ticket not in TICKET_BUILTINS

    def crosses(self, way: Literal["to_issue", "to_ticket"]) -> bool:
        """Whether values cross this way."""
        return self.direction in (way, "both")

    @field_validator("transform")
    @classmethod
    def _compiles(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            _env.compile_expression(v)
        except TemplateSyntaxError as exc:
            raise ValueError(f"transform is not a jinja2 expression: {exc.message}") from None
        return v

    @model_validator(mode="after")
    def _writable(self) -> FieldMap:
        if self.crosses("to_ticket") and not self.ticket_custom and self.ticket in READ_ONLY:
            raise ValueError(
                f"{self.ticket!r} is read-only on the ticket: give direction: to_issue"
            )
        for side, name in (("ticket", self.ticket), ("issue", self.issue)):
            if name in SETS and not self.values:
                raise ValueError(
                    f"{side}: {name} is a set: give the values that count in values: "
                    "(e.g. values: {sev1: severity-1})"
                )
        return self


def named_twice(maps: list[FieldMap]) -> list[str]:
    """Mapping names used twice (their ownership and templates would clash)."""
    seen: set[str] = set()
    twice = []
    for m in maps:
        if m.key in seen:
            twice.append(m.key)
        seen.add(m.key)
    return twice
