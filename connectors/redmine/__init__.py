"""Redmine as a syncd tracker (JSON REST API over httpx).

Polls issues by ``updated_on`` (Redmine sends no webhooks) and reads journals only for issues
that changed; writes issues carrying their idempotency key as a hidden marker in the
description, notes (private notes are internal), statuses and priorities by name, and labels
in a text custom field.
"""

from __future__ import annotations

from typing import Any

import httpx

from syncd.connector import ConnectorSpec, Role

from .connector import RedmineConnector
from .mapping import issue_reference
from .settings import RedmineSettings


def _factory(instance: str, settings: Any, http: httpx.Client | None) -> RedmineConnector:
    if not isinstance(settings, RedmineSettings):
        settings = RedmineSettings.model_validate(settings)
    return RedmineConnector(instance, settings, http)


CONNECTOR = ConnectorSpec(
    kind="redmine",
    role=Role.TRACKER,
    settings=RedmineSettings,
    factory=_factory,
    issue_reference=issue_reference,
)

__all__ = ["CONNECTOR", "RedmineConnector", "RedmineSettings"]
