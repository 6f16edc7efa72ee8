"""Zendesk Support: tickets, public replies and internal notes."""

from __future__ import annotations

from syncd.connector import ConnectorSpec, Role, lazy_kit, settings_factory

from .connector import ZendeskConnector
from .settings import ZendeskSettings

# tests inject the HTTP client pointed at the emulator
factory = settings_factory(ZendeskSettings, ZendeskConnector)


CONNECTOR = ConnectorSpec(
    kind="zendesk",
    role=Role.HELPDESK,
    settings=ZendeskSettings,
    factory=factory,
    emulator_kit=lazy_kit("connectors.zendesk.emulator"),
)

__all__ = ["CONNECTOR", "ZendeskConnector", "ZendeskSettings", "factory"]
