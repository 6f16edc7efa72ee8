"""Jira Cloud and Jira Data Center as a developer tracker."""

from __future__ import annotations

from connectors.jira.connector import JiraConnector
from connectors.jira.mapping import issue_reference
from connectors.jira.settings import JiraSettings
from syncd.connector import ConnectorSpec, Role, lazy_kit, settings_factory

# the jira library owns HTTP: the injected client is not used
create = settings_factory(JiraSettings, lambda name, s, _http: JiraConnector(name, s))


CONNECTOR = ConnectorSpec(
    kind="jira",
    role=Role.TRACKER,
    settings=JiraSettings,
    factory=create,
    emulator_kit=lazy_kit("connectors.jira.emulator"),
    issue_reference=issue_reference,
    demo_projects=("WID",),
)

__all__ = ["CONNECTOR", "JiraConnector", "JiraSettings", "create"]
