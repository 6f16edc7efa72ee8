"""GitHub Issues as a syncd tracker, built on PyGithub."""

from __future__ import annotations

from syncd.connector import ConnectorSpec, Role, lazy_kit, settings_factory

from .connector import GitHubConnector
from .mapping import issue_reference
from .settings import GitHubSettings

# PyGithub brings its own HTTP stack: the injected client is not used
create = settings_factory(GitHubSettings, lambda name, s, _http: GitHubConnector(name, s))


CONNECTOR = ConnectorSpec(
    kind="github",
    role=Role.TRACKER,
    settings=GitHubSettings,
    factory=create,
    emulator_kit=lazy_kit("connectors.github.emulator"),
    issue_reference=issue_reference,
    demo_projects=("acme/widgets",),
)

__all__ = ["CONNECTOR", "GitHubConnector", "GitHubSettings", "create"]
