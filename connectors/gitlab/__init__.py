"""GitLab issues (gitlab.com and self-managed GitLab) as a syncd tracker, on python-gitlab."""

from __future__ import annotations

from syncd.connector import ConnectorSpec

from .connector import GitLabConnector
from .mapping import issue_reference
from .settings import GitLabSettings

# python-gitlab brings its own HTTP stack (requests): the injected client is not used
CONNECTOR = ConnectorSpec(
    connector=GitLabConnector,
    settings=GitLabSettings,
    own_http=True,
    issue_reference=issue_reference,
    demo_projects=("acme/widgets",),
)

create = CONNECTOR.factory

__all__ = ["CONNECTOR", "GitLabConnector", "GitLabSettings", "create"]
