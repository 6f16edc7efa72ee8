"""Jira Cloud and Jira Data Center as a developer tracker."""

from __future__ import annotations

from connectors.jira.connector import JiraConnector
from connectors.jira.mapping import issue_reference
from connectors.jira.settings import JiraSettings
from syncd.connector import ConnectorSpec

# the jira library owns HTTP: the injected client is not used
CONNECTOR = ConnectorSpec(
    connector=JiraConnector,
    settings=JiraSettings,
    own_http=True,
    issue_reference=issue_reference,
    demo_projects=("WID",),
)

create = CONNECTOR.factory

__all__ = ["CONNECTOR", "JiraConnector", "JiraSettings", "create"]
