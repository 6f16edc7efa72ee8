"""GitLab issues (gitlab.com and self-managed GitLab) as a syncd tracker, on python-gitlab."""

from __future__ import annotations

from syncd.connector import ConnectorSpec, settings_factory

from .connector import GitLabConnector
from .mapping import issue_reference
from .settings import GitLabSettings

# python-gitlab brings its own HTTP stack (requests): the injected client is not used
create = settings_factory(GitLabSettings, lambda name, s, _http: GitLabConnector(name, s))


CONNECTOR = ConnectorSpec(
    connector=GitLabConnector,
    settings=GitLabSettings,
    factory=create,
    issue_reference=issue_reference,
    demo_projects=("acme/widgets",),
)

__all__ = ["CONNECTOR", "GitLabConnector", "GitLabSettings", "create"]
