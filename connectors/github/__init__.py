"""GitHub Issues as a syncd tracker, built on PyGithub."""

from __future__ import annotations

from syncd.connector import ConnectorSpec

from .connector import GitHubConnector
from .mapping import issue_reference
from .settings import GitHubSettings

# PyGithub brings its own HTTP stack: the injected client is not used
CONNECTOR = ConnectorSpec(
    connector=GitHubConnector,
    settings=GitHubSettings,
    own_http=True,
    issue_reference=issue_reference,
    demo_projects=("acme/widgets",),
)

create = CONNECTOR.factory

__all__ = ["CONNECTOR", "GitHubConnector", "GitHubSettings", "create"]
