"""Jira Service Management (Cloud and Data Center) as a helpdesk."""

from __future__ import annotations

from connectors.jsm.connector import JsmConnector
from connectors.jsm.settings import JsmSettings
from syncd.connector import ConnectorSpec, settings_factory

# the jira library owns HTTP: the injected client is not used
create = settings_factory(JsmSettings, lambda name, s, _http: JsmConnector(name, s))

CONNECTOR = ConnectorSpec(
    connector=JsmConnector,
    settings=JsmSettings,
    factory=create,
)

__all__ = ["CONNECTOR", "JsmConnector", "JsmSettings", "create"]
