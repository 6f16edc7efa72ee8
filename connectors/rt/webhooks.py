"""Notices of the syncd Scrip: verify and parse.

RT has no webhooks; the global "syncd notify" Scrip (``syncd_notify_scrip.pl``) posts
``{"queue": "General", "ticket": N, "transaction": M, "type": "Correspond", "types": [...]}`` with
``X-Syncd-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>``. Notices may arrive late or
out of order, so each one only says "ticket N changed": the engine reads the ticket again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping

from syncd.errors import WebhookError
from syncd.model import Change, ChangeKind, Ref
from syncd.webhooks import Omittable, PositiveId, Shape, decode, header

SIGNATURE_HEADER = "X-Syncd-Signature"
DELIVERY_HEADER = "X-Syncd-Delivery"
MAX_BODY = 64 * 1024


class Notice(Shape):
    """A notice as the Scrip writes it: ids are JSON numbers (``int()`` in the Perl)."""

    ticket: PositiveId
    transaction: Omittable[PositiveId] = None
    type: Omittable[str] = None
    queue: Omittable[str] = None
    types: Omittable[list[str]] = None


def sign(body: bytes, secret: str) -> str:
    """The signature header value for ``body``, exactly as the Scrip computes it."""
    return "sha256=" + hmac.digest(secret.encode(), body, hashlib.sha256).hex()


def verify(headers: Mapping[str, str], body: bytes, secret: str | None) -> None:
    """Raise ``WebhookError(401)`` unless ``body`` carries a valid signature for ``secret``."""
    if not secret:
        raise WebhookError(401, "no webhook_secret configured for this Request Tracker")
    if len(body) > MAX_BODY:
        raise WebhookError(413, "notice too large")
    given = header(headers, SIGNATURE_HEADER)
    if not given:
        raise WebhookError(401, f"missing {SIGNATURE_HEADER} header")
    # compare in constant time, also when the prefix or length is wrong
    if not hmac.compare_digest(given.strip().encode(), sign(body, secret).encode()):
        raise WebhookError(401, f"{SIGNATURE_HEADER} does not match the body")


def parse(
    instance: str, headers: Mapping[str, str], body: bytes, queues: Collection[str] = ()
) -> tuple[str, str, list[Change]]:
    """A verified notice -> ``(delivery id, event, [TOUCHED change])``; 400 if malformed.

    A notice about a ticket in a queue outside ``queues`` (when given) yields no change.
    """
    notice = decode(body, Notice, "notice")
    txn = notice.transaction
    delivery = str(txn) if txn is not None else header(headers, DELIVERY_HEADER) or ""
    event = notice.type or "notice"
    queue = notice.queue
    if queues and queue is not None and queue.lower() not in {q.lower() for q in queues}:
        return delivery, event, []
    ref = Ref.ticket(instance, notice.ticket)
    return delivery, event, [Change(kind=ChangeKind.TOUCHED, ref=ref, source="webhook")]
