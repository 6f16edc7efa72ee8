"""How the registry knows a connector (:class:`ConnectorSpec`, the ``CONNECTOR`` of a
connector package) and how a spec builds an instance from its settings (:data:`Factory`,
:func:`settings_factory`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any, TypeVar, cast

from syncd.connector_contract import Connector, ConnectorBase, Role
from syncd.connector_settings import ConnectorSettings
from syncd.emulator_kit import EmulatorKit, lazy_kit

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


class _Look(Enum):
    FOR_IT = "look for it"


# the emulator kit is looked for next to the settings class (``<package>.emulator``)
LOOK_FOR_IT = _Look.FOR_IT


@dataclass(frozen=True, init=False)
class ConnectorSpec:
    """How the registry knows a connector: its data, not its code paths. What an instance
    can do (its capabilities) is declared once, on the connector class.

    A package declares only what differs from the conventions: given the ``connector``
    class, the ``kind`` is the settings class's ``kind`` literal, the ``role`` is the
    protocol the class meets (``get_ticket``: a helpdesk; ``get_issue``: a tracker), the
    ``factory`` calls ``connector(instance_name, settings, http_client)`` (with
    ``own_http=True``, for a connector whose vendor library brings its own HTTP stack:
    ``connector(instance_name, settings)``, the injected client unused), and the emulator
    kit is the ``KIT`` of ``<package>.emulator`` next to the settings class, where there is
    one (``emulator_kit=None``: none even so). A connector whose constructor differs passes
    its own ``factory``."""

    kind: str
    role: Role
    settings: type[ConnectorSettings]
    factory: Factory
    # build / actor / config of the emulator, for ``syncd emulate``, the demo, end-to-end
    # tests and benchmarks
    emulator_kit: EmulatorKit | None
    # trackers: how agents point at an issue by hand (see syncd.engine.linking)
    issue_reference: IssueReference | None
    # trackers: the projects ``syncd emulate`` creates when none are given
    demo_projects: tuple[str, ...]
    # trackers outside the organisation (suppliers): a route to one shares no ticket
    # conversation and lets nobody write to the customer through the ticket unless it says so
    third_party: bool

    def __init__(
        self,
        *,
        settings: type[ConnectorSettings],
        connector: type[ConnectorBase] | None = None,
        kind: str | None = None,
        role: Role | None = None,
        factory: Factory | None = None,
        emulator_kit: EmulatorKit | _Look | None = LOOK_FOR_IT,
        issue_reference: IssueReference | None = None,
        demo_projects: tuple[str, ...] = (),
        third_party: bool = False,
        own_http: bool = False,
    ) -> None:
        known = {
            "kind": kind if kind is not None else _kind_of(settings),
            "role": role if role is not None else _role_of(connector, settings),
            "settings": settings,
            "factory": factory or _factory_of(connector, settings, own_http=own_http),
            "emulator_kit": _kit_near(settings) if emulator_kit is LOOK_FOR_IT else emulator_kit,
            "issue_reference": issue_reference,
            "demo_projects": demo_projects,
            "third_party": third_party,
        }
        for name, value in known.items():
            object.__setattr__(self, name, value)


def _kind_of(settings: type[ConnectorSettings]) -> str:
    """The ``kind: Literal["<kind>"] = "<kind>"`` discriminator of a settings class."""
    field = settings.model_fields.get("kind")
    if field is None or not isinstance(field.default, str):
        raise TypeError(f"{settings.__name__} gives kind no default: say kind= in the spec")
    return field.default


def _role_of(connector: type[ConnectorBase] | None, settings: type[ConnectorSettings]) -> Role:
    """The side the connector class takes, by the protocol it meets."""
    helpdesk = connector is not None and hasattr(connector, "get_ticket")
    tracker = connector is not None and hasattr(connector, "get_issue")
    if helpdesk != tracker:
        return Role.HELPDESK if helpdesk else Role.TRACKER
    raise TypeError(f"the spec of {settings.__name__} cannot tell its role: say role=")


def _factory_of(
    connector: type[ConnectorBase] | None, settings: type[ConnectorSettings], *, own_http: bool
) -> Factory:
    """``connector(instance_name, settings, http_client)`` on the settings read (``own_http``:
    ``connector(instance_name, settings)``)."""
    if connector is None:
        raise TypeError(f"the spec of {settings.__name__} has no connector: say factory=")
    if own_http:
        alone = cast("Callable[[str, Any], Connector]", connector)
        return settings_factory(settings, lambda name, value, _http: alone(name, value))
    build = cast("Callable[[str, Any, httpx.Client | None], Connector]", connector)
    return settings_factory(settings, build)


def _kit_near(settings: type[ConnectorSettings]) -> EmulatorKit | None:
    """The kit of the ``emulator`` package next to the settings class, if there is one
    (read on first use, so loading a connector does not load its emulator)."""
    package = settings.__module__.rpartition(".")[0]
    if not package:
        return None
    try:
        found = find_spec(f"{package}.emulator")
    except (ImportError, ValueError):
        return None
    return lazy_kit(found.name) if found is not None else None
