"""Zendesk Support: tickets, public replies and internal notes."""

from __future__ import annotations

from typing import Any

import httpx

from syncd.connector import ConnectorSpec, Role, lazy_kit

from .connector import CAPABILITIES, ZendeskConnector
from .settings import ZendeskSettings


def factory(name: str, settings: Any, http: httpx.Client | None = None) -> ZendeskConnector:
    """Build one connector instance; tests inject ``http`` pointed at the emulator."""
    if not isinstance(settings, ZendeskSettings):
        settings = ZendeskSettings.model_validate(settings)
    return ZendeskConnector(name, settings, http)


def _emulator(**kw: Any) -> Any:
    from .emulator import build

    return build(**kw)


CONNECTOR = ConnectorSpec(
    kind="zendesk",
    role=Role.HELPDESK,
    settings=ZendeskSettings,
    factory=factory,
    capabilities=CAPABILITIES,
    emulator=_emulator,
    emulator_kit=lazy_kit("connectors.zendesk.emulator_actor"),
    description="Zendesk Support over its REST API (httpx), webhooks and incremental exports",
)

__all__ = ["CONNECTOR", "ZendeskConnector", "ZendeskSettings", "factory"]
