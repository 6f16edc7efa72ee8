"""Jira Service Management (Cloud and Data Center) as a helpdesk."""

from __future__ import annotations

from connectors.jsm.connector import JsmConnector
from connectors.jsm.settings import JsmSettings
from syncd.connector import ConnectorSpec, Role, lazy_kit, settings_factory

# the jira library owns HTTP: the injected client is not used
create = settings_factory(JsmSettings, lambda name, s, _http: JsmConnector(name, s))

CONNECTOR = ConnectorSpec(
    kind="jsm",
    role=Role.HELPDESK,
    settings=JsmSettings,
    factory=create,
    emulator_kit=lazy_kit("connectors.jsm.emulator"),
)

__all__ = ["CONNECTOR", "JsmConnector", "JsmSettings", "create"]
