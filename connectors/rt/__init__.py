"""Request Tracker 5 connector (REST2 over httpx).

Polls ticket transactions with an exact cursor, takes the notices of the syncd Scrip as
webhooks, writes replies (Correspond) and internal notes (Comment) carrying their idempotency
key in a transaction custom field, and keeps the developer issue's URL in a ticket custom
field.
"""

from __future__ import annotations

from syncd.connector import ConnectorSpec, Role, lazy_kit, settings_factory

from .connector import RTConnector
from .settings import RTSettings

_factory = settings_factory(RTSettings, RTConnector)


CONNECTOR = ConnectorSpec(
    kind="rt",
    role=Role.HELPDESK,
    settings=RTSettings,
    factory=_factory,
    emulator_kit=lazy_kit("connectors.rt.emulator"),
)

__all__ = ["CONNECTOR", "RTConnector", "RTSettings"]
