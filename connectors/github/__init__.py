"""GitHub Issues as a syncd tracker, built on PyGithub."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from syncd.connector import ConnectorSpec, Role, lazy_kit

from .connector import CAPABILITIES, GitHubConnector
from .settings import GitHubSettings

if TYPE_CHECKING:
    import httpx


def create(name: str, settings: Any, http_client: httpx.Client | None = None) -> GitHubConnector:
    """Build a connector instance; PyGithub brings its own HTTP stack, so ``http_client``
    is not used."""
    if not isinstance(settings, GitHubSettings):
        settings = GitHubSettings.model_validate(settings)
    return GitHubConnector(name, settings)


def _emulator(**kwargs: Any) -> Any:
    from .emulator import build

    return build(**kwargs)


CONNECTOR = ConnectorSpec(
    kind="github",
    role=Role.TRACKER,
    settings=GitHubSettings,
    factory=create,
    capabilities=CAPABILITIES,
    emulator=_emulator,
    emulator_kit=lazy_kit("connectors.github.emulator_actor"),
    description="GitHub Issues (github.com or GitHub Enterprise Server) through PyGithub",
)

__all__ = ["CONNECTOR", "GitHubConnector", "GitHubSettings", "create"]
