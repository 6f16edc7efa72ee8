"""What the helpdesk emulators share about their accounts and their figures, so each one
writes only its vendor's shapes.

- :class:`HelpdeskSeats`: the three people every helpdesk emulator seeds (syncd's own
  agent, a human agent and a customer, by e-mail address), the current state (``reset``
  replaces it) and answers held past the client's timeout (:meth:`~HelpdeskSeats.delay_answer`:
  the write lands, its answer comes late, as when a proxy times out).
- :func:`given` (the optional fields a test gave) and :func:`group_named` (the group an
  actor names, added when the account has none so called).
- :class:`VendorLimits`: the ``of``/``lifted`` constructors of an emulator's frozen
  dataclass of limits (``connectors/<system>/emulator/limits.py``), lifting leaving the
  windows' scale as it is.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from syncd.testing import emulator_parts

StateT = TypeVar("StateT")
PersonT = TypeVar("PersonT")

BOT_EMAIL = "syncd@example.com"
AGENT_EMAIL = "agent@example.com"
CUSTOMER_EMAIL = "customer@example.com"


class HelpdeskSeats(Generic[StateT, PersonT]):
    """The seeded people, the current state and held answers of a helpdesk emulator.

    A subclass sets ``state`` and fills ``accounts`` (e-mail address -> person) in its
    ``reset``, and calls ``HelpdeskSeats.__init__`` before."""

    state: StateT
    accounts: dict[str, PersonT]

    def __init__(self) -> None:
        self.accounts = {}
        self._holds: list[list[Any]] = []  # [method, seconds, times left]

    def state_ref(self) -> StateT:
        """The current state (``reset`` replaces it)."""
        return self.state

    @property
    def bot(self) -> PersonT:
        """The agent syncd acts as."""
        return self.accounts[BOT_EMAIL]

    @property
    def agent(self) -> PersonT:
        """A human agent, for tests that act as one."""
        return self.accounts[AGENT_EMAIL]

    @property
    def customer(self) -> PersonT:
        """The customer who asks."""
        return self.accounts[CUSTOMER_EMAIL]

    def delay_answer(self, method: str = "PUT", seconds: float = 1.0, times: int = 1) -> None:
        """Apply the next ``times`` writes of ``method`` but hold their answers ``seconds``."""
        self._holds.append([method.upper(), seconds, times])

    def take_answer_delay(self, method: str) -> float:
        """The hold owed to this request, if a ``delay_answer`` rule matches."""
        for rule in self._holds:
            if rule[0] == method and rule[2] > 0:
                rule[2] -= 1
                return float(rule[1])
        return 0.0


class VendorLimits(emulator_parts.VendorLimits):
    """A helpdesk's limits: a window's scale is kept when the limits are lifted."""

    KEPT = ("window_scale",)


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments that are not None: the optional fields a test gave."""
    return {key: value for key, value in values.items() if value is not None}


def group_named(groups: dict[int, str], name: str | None, first_id: int) -> int | None:
    """The id of the group called ``name`` (None: no group), added after ``first_id`` if
    the account has none of that name: how an actor names a group in a test."""
    if name is None:
        return None
    for gid, gname in groups.items():
        if gname == name:
            return int(gid)
    gid = first_id + len(groups) + 1
    groups[gid] = name
    return gid
