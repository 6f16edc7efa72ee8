"""Zendesk Support: tickets, public replies and internal notes."""

from __future__ import annotations

from syncd.connector import ConnectorSpec

from .connector import ZendeskConnector
from .settings import ZendeskSettings

CONNECTOR = ConnectorSpec(connector=ZendeskConnector, settings=ZendeskSettings)

# tests inject the HTTP client pointed at the emulator
factory = CONNECTOR.factory

__all__ = ["CONNECTOR", "ZendeskConnector", "ZendeskSettings", "factory"]
