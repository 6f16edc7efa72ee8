"""Jira Cloud and Jira Data Center as a developer tracker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.jira.connector import CAPABILITIES, JiraConnector
from connectors.jira.settings import JiraSettings
from syncd.connector import ConnectorSpec, Role, lazy_kit


def create(name: str, settings: Any, http_client: Any = None) -> JiraConnector:
    """Build a connector instance; ``http_client`` is unused (the jira library owns HTTP)."""
    if isinstance(settings, Mapping):
        settings = JiraSettings.model_validate(dict(settings))
    return JiraConnector(name, settings)


def emulator(**kwargs: Any) -> Any:
    """Build the Jira emulator (``flavour="cloud"|"datacenter"``)."""
    from connectors.jira.emulator import build

    return build(**kwargs)


CONNECTOR = ConnectorSpec(
    kind="jira",
    role=Role.TRACKER,
    settings=JiraSettings,
    factory=create,
    capabilities=CAPABILITIES,
    emulator=emulator,
    emulator_kit=lazy_kit("connectors.jira.emulator_actor"),
    description="Jira Cloud (REST v3, ADF) and Jira Data Center (REST v2, wiki markup)",
    extra={"flavours": ("cloud", "datacenter")},
)

__all__ = ["CONNECTOR", "JiraConnector", "JiraSettings", "create"]
