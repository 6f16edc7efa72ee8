"""Jira Service Management (Cloud and Data Center) as a helpdesk."""

from __future__ import annotations

from connectors.jsm.connector import JsmConnector
from connectors.jsm.settings import JsmSettings
from syncd.connector import ConnectorSpec

# the jira library owns HTTP: the injected client is not used
CONNECTOR = ConnectorSpec(connector=JsmConnector, settings=JsmSettings, own_http=True)

create = CONNECTOR.factory

__all__ = ["CONNECTOR", "JsmConnector", "JsmSettings", "create"]
