"""Redmine as a syncd tracker (JSON REST API over httpx).

Polls issues by ``updated_on`` (Redmine sends no webhooks) and reads journals only for issues
that changed; writes issues carrying their idempotency key as a hidden marker in the
description, notes (private notes are internal), statuses and priorities by name, and labels
in a text custom field.
"""

from __future__ import annotations

from syncd.connector import ConnectorSpec

from .connector import RedmineConnector
from .mapping import issue_reference
from .settings import RedmineSettings

CONNECTOR = ConnectorSpec(
    connector=RedmineConnector, settings=RedmineSettings, issue_reference=issue_reference
)

__all__ = ["CONNECTOR", "RedmineConnector", "RedmineSettings"]
