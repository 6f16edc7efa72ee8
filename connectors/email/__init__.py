"""E-mail to third-party suppliers as a syncd tracker (SMTP out, IMAP in, stdlib only).

A route targets a supplier by address; syncd opens a case by mail, files every mail of the
case in a folder of its own mailbox, reads the supplier's replies from the inbox (IMAP IDLE
wakes the poll), and threads them back by the case reference in the subject, then by the
``In-Reply-To``/``References`` headers. See connectors/email/README.md.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from syncd.connector import ConnectorSpec, Role, lazy_kit

from .connector import EmailConnector
from .settings import EmailSettings

_PASTED = re.compile(r"\[case ([A-Z][A-Z0-9]{0,9}-[A-Z2-7]{10})\]")


def issue_reference(text: str) -> str | None:
    """The case a pasted ``[case SYN-XXXXXXXXXX]`` names."""
    found = _PASTED.search(text)
    return found.group(1) if found else None


def _factory(instance: str, settings: Any, http: httpx.Client | None) -> EmailConnector:
    if not isinstance(settings, EmailSettings):
        settings = EmailSettings.model_validate(settings)
    return EmailConnector(instance, settings)


CONNECTOR = ConnectorSpec(
    kind="email",
    role=Role.TRACKER,
    third_party=True,
    settings=EmailSettings,
    factory=_factory,
    issue_reference=issue_reference,
    emulator_kit=lazy_kit("connectors.email.emulator"),
)

__all__ = ["CONNECTOR", "EmailConnector", "EmailSettings"]
