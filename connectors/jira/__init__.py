"""Jira Cloud and Jira Data Center as a developer tracker."""

from __future__ import annotations

from connectors.jira.connector import JiraConnector
from connectors.jira.mapping import issue_reference
from connectors.jira.settings import JiraSettings
from syncd.connector import ConnectorSpec, settings_factory

# the jira library owns HTTP: the injected client is not used
create = settings_factory(JiraSettings, lambda name, s, _http: JiraConnector(name, s))


CONNECTOR = ConnectorSpec(
    connector=JiraConnector,
    settings=JiraSettings,
    factory=create,
    issue_reference=issue_reference,
    demo_projects=("WID",),
)

__all__ = ["CONNECTOR", "JiraConnector", "JiraSettings", "create"]
