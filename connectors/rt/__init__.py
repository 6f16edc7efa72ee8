"""Request Tracker 5 connector (REST2 over httpx).

Polls ticket transactions with an exact cursor, takes the notices of the syncd Scrip as
webhooks, writes replies (Correspond) and internal notes (Comment) carrying their idempotency
key in a transaction custom field, and keeps the developer issue's URL in a ticket custom
field.
"""

from __future__ import annotations

from typing import Any

import httpx

from syncd.connector import ConnectorSpec, Role

from .connector import CAPABILITIES, RTConnector
from .settings import RTSettings


def _factory(instance: str, settings: Any, http: httpx.Client | None) -> RTConnector:
    if not isinstance(settings, RTSettings):
        settings = RTSettings.model_validate(settings)
    return RTConnector(instance, settings, http)


def _emulator(**kw: Any) -> Any:
    from .emulator import build

    return build(**kw)


CONNECTOR = ConnectorSpec(
    kind="rt",
    role=Role.HELPDESK,
    settings=RTSettings,
    factory=_factory,
    capabilities=CAPABILITIES,
    emulator=_emulator,
    description="Best Practical Request Tracker 5 (REST2)",
    extra={"scrip": "syncd_notify_scrip.pl", "signature_header": "X-Syncd-Signature"},
)

__all__ = ["CONNECTOR", "RTConnector", "RTSettings"]
