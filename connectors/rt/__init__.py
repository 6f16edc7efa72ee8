"""Request Tracker 5 connector (REST2 over httpx).

Polls ticket transactions with an exact cursor, takes the notices of the syncd Scrip as
webhooks, writes replies (Correspond) and internal notes (Comment) carrying their idempotency
key in a transaction custom field, and keeps the developer issue's URL in a ticket custom
field.
"""

from __future__ import annotations

from syncd.connector import ConnectorSpec

from .connector import RTConnector
from .settings import RTSettings

CONNECTOR = ConnectorSpec(connector=RTConnector, settings=RTSettings)

__all__ = ["CONNECTOR", "RTConnector", "RTSettings"]
