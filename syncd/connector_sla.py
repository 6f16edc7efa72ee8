"""The part of the connector contract that reads a helpdesk's own SLA (``Capability.HELPDESK_SLA``).

Some helpdesks keep their own service levels on each ticket: the promise made to the
customer (a time to resolution, a time to first response), with a goal, a breach time and
whether it is paused or stopped. A helpdesk with the capability reads them as
:class:`HelpdeskSla` values; the SLA check (``syncd.engine.sla_job``) records them on the
dev team's clock and warns the dev team before the customer's promise breaks
(``syncd.engine.sla_helpdesk``). Helpdesks without it answer no SLA (the base class's
default), and the clocks count the dev team's own times only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from syncd.model import Ref


@dataclass(frozen=True)
class HelpdeskSla:
    """One of a ticket's own SLA goals, as the helpdesk counts it.

    A running goal has ``completed`` False: ``breach_at`` is when it breaches (None while
    paused, the helpdesk cannot tell then; ``remaining`` says what is left). A stopped goal
    has ``completed`` True: met unless ``breached``, ``breach_at`` when it would have."""

    name: str
    goal: timedelta | None
    breach_at: datetime | None
    breached: bool
    paused: bool = False
    completed: bool = False
    remaining: timedelta | None = None

    @property
    def met(self) -> bool:
        """Stopped within its goal."""
        return self.completed and not self.breached


@runtime_checkable
class HelpdeskSlas(Protocol):
    """Helpdesks with ``HELPDESK_SLA`` read a ticket's own SLA goals."""

    def helpdesk_slas(self, ref: Ref) -> list[HelpdeskSla]:
        """The ticket's SLA goals now (one each; none when it has none); ``NotFound`` if
        the ticket is gone. One read of the helpdesk's budget."""
        ...
