"""Freshdesk: tickets, public replies and private notes over API v2."""

from __future__ import annotations

from syncd.connector import ConnectorSpec

from .connector import FreshdeskConnector
from .settings import FreshdeskSettings

CONNECTOR = ConnectorSpec(connector=FreshdeskConnector, settings=FreshdeskSettings)

# tests inject the HTTP client pointed at the emulator
factory = CONNECTOR.factory

__all__ = ["CONNECTOR", "FreshdeskConnector", "FreshdeskSettings", "factory"]
