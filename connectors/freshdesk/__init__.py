"""Freshdesk: tickets, public replies and private notes over API v2."""

from __future__ import annotations

from syncd.connector import ConnectorSpec, Role, lazy_kit, settings_factory

from .connector import FreshdeskConnector
from .settings import FreshdeskSettings

# tests inject the HTTP client pointed at the emulator
factory = settings_factory(FreshdeskSettings, FreshdeskConnector)


CONNECTOR = ConnectorSpec(
    kind="freshdesk",
    role=Role.HELPDESK,
    settings=FreshdeskSettings,
    factory=factory,
    emulator_kit=lazy_kit("connectors.freshdesk.emulator"),
)

__all__ = ["CONNECTOR", "FreshdeskConnector", "FreshdeskSettings", "factory"]
