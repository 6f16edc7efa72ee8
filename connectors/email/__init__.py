"""E-mail to third-party suppliers as a syncd tracker (SMTP out, IMAP in, stdlib only).

A route targets a supplier by address; syncd opens a case by mail, files every mail of the
case in a folder of its own mailbox, reads the supplier's replies from the inbox (IMAP IDLE
wakes the poll), and threads them back by the case reference in the subject, then by the
``In-Reply-To``/``References`` headers. See connectors/email/README.md.
"""

from __future__ import annotations

import re

from syncd.connector import ConnectorSpec

from .connector import EmailConnector
from .settings import EmailSettings

_PASTED = re.compile(r"\[case ([A-Z][A-Z0-9]{0,9}-[A-Z2-7]{10})\]")


def issue_reference(text: str) -> str | None:
    """The case a pasted ``[case SYN-XXXXXXXXXX]`` names."""
    found = _PASTED.search(text)
    return found.group(1) if found else None


# SMTP and IMAP connections of its own: the injected HTTP client is not used
CONNECTOR = ConnectorSpec(
    connector=EmailConnector,
    settings=EmailSettings,
    own_http=True,
    issue_reference=issue_reference,
    third_party=True,
)

__all__ = ["CONNECTOR", "EmailConnector", "EmailSettings"]
