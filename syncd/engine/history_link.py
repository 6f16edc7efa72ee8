"""Signed links to a ticket's conversation page (``GET /history/{link_id}?exp=&sig=``) and to
the files syncd serves for trackers without an attachment API (``GET /files/{link_id}/{token}``).
Pure.

The signature is HMAC-SHA256 over the link id and the expiry (unix seconds), with the secret
of ``server.history_secret`` (or one syncd made and kept in the store). A link is good until
its expiry; a signature that does not match (another link id, an expiry changed by hand, a
secret changed since) is forged. The signature is checked first, so a forged link never
learns whether it would have been expired.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlencode


class Verdict(StrEnum):
    OK = "ok"
    EXPIRED = "expired"
    FORGED = "forged"


@dataclass(frozen=True)
class Signer:
    """Signs and checks page links; ``base_url`` is how readers reach syncd."""

    secret: bytes = b""
    base_url: str = ""

    def signature(self, link_id: int, expires: int) -> str:
        """The hex HMAC-SHA256 of ``link_id`` and ``expires``."""
        return self.sign(f"history:{link_id}", expires)

    def sign(self, subject: str, expires: int) -> str:
        """The hex HMAC-SHA256 of ``subject`` (what the link opens) and ``expires``."""
        message = f"{subject}:{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def file_url(self, link_id: int, token: str, expires: datetime) -> str:
        """The signed address of a file of link ``link_id`` (``token`` names the file)."""
        exp = int(expires.timestamp())
        query = urlencode({"exp": exp, "sig": self.sign(f"file:{link_id}:{token}", exp)})
        return f"{self.base_url.rstrip('/')}/files/{link_id}/{token}?{query}"

    def check_file(
        self, link_id: int, token: str, exp: str | None, sig: str | None, now: datetime
    ) -> Verdict:
        """Whether a request for a file carries a good signature, still in time."""
        return self._check(f"file:{link_id}:{token}", exp, sig, now)

    def url(self, link_id: int, expires: datetime) -> str:
        """The page's signed address, good until ``expires``."""
        exp = int(expires.timestamp())
        query = urlencode({"exp": exp, "sig": self.signature(link_id, exp)})
        return f"{self.base_url.rstrip('/')}/history/{link_id}?{query}"

    def check(self, link_id: int, exp: str | None, sig: str | None, now: datetime) -> Verdict:
        """Whether a request for link ``link_id`` carries a good signature, still in time."""
        return self._check(f"history:{link_id}", exp, sig, now)

    def _check(self, subject: str, exp: str | None, sig: str | None, now: datetime) -> Verdict:
        if not self.secret or not exp or not sig or not exp.isdigit():
            return Verdict.FORGED
        if not hmac.compare_digest(self.sign(subject, int(exp)), sig.lower()):
            return Verdict.FORGED
        return Verdict.OK if int(exp) > now.timestamp() else Verdict.EXPIRED


def expiry(now: datetime, ttl: timedelta) -> datetime:
    """When a link made at ``now`` stops working (whole seconds, UTC)."""
    return datetime.fromtimestamp(int((now + ttl).timestamp()), UTC)
