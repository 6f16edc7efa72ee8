"""How the registry knows a connector (:class:`ConnectorSpec`, the ``CONNECTOR`` of a
connector package) and how a spec builds an instance from its settings (:data:`Factory`,
:func:`settings_factory`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from syncd.connector_contract import Connector, Role
from syncd.connector_settings import ConnectorSettings
from syncd.emulator_kit import EmulatorKit

if TYPE_CHECKING:
    import httpx


Factory = Callable[[str, Any, "httpx.Client | None"], Connector]
"""``factory(instance_name, settings, http_client)``; ``http_client`` is injected by tests."""


S = TypeVar("S", bound=ConnectorSettings)
C = TypeVar("C", bound=Connector)


def settings_factory(
    settings: type[S], build: Callable[[str, S, httpx.Client | None], C]
) -> Callable[..., C]:
    """A :data:`Factory` that reads ``settings`` (a mapping or ready settings) into the
    connector's settings class, then calls ``build(instance_name, settings, http_client)``."""

    def factory(name: str, raw: Any, http_client: httpx.Client | None = None) -> C:
        value = raw if isinstance(raw, settings) else settings.model_validate(raw)
        return build(name, value, http_client)

    return factory


IssueReference = Callable[[str], "str | None"]
"""``reference(text)``: the key of this tracker's issue that an agent's pasted ``text`` (a URL
or a key) names, or None when it names none of this tracker's issues."""


@dataclass(frozen=True)
class ConnectorSpec:
    """How the registry knows a connector: its data, not its code paths. What an instance
    can do (its capabilities) is declared once, on the connector class."""

    kind: str
    role: Role
    settings: type[ConnectorSettings]
    factory: Factory
    # build / actor / config of the emulator, for ``syncd emulate``, the demo, end-to-end
    # tests and benchmarks
    emulator_kit: EmulatorKit | None = None
    # trackers: how agents point at an issue by hand (see syncd.engine.linking)
    issue_reference: IssueReference | None = None
    # trackers: the projects ``syncd emulate`` creates when none are given
    demo_projects: tuple[str, ...] = ()
    # trackers outside the organisation (suppliers): a route to one shares no ticket
    # conversation and lets nobody write to the customer through the ticket unless it says so
    third_party: bool = False
