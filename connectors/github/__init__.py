"""GitHub Issues as a syncd tracker, built on PyGithub."""

from __future__ import annotations

from syncd.connector import ConnectorSpec, settings_factory

from .connector import GitHubConnector
from .mapping import issue_reference
from .settings import GitHubSettings

# PyGithub brings its own HTTP stack: the injected client is not used
create = settings_factory(GitHubSettings, lambda name, s, _http: GitHubConnector(name, s))


CONNECTOR = ConnectorSpec(
    connector=GitHubConnector,
    settings=GitHubSettings,
    factory=create,
    issue_reference=issue_reference,
    demo_projects=("acme/widgets",),
)

__all__ = ["CONNECTOR", "GitHubConnector", "GitHubSettings", "create"]
