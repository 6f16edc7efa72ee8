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
from syncd.webhooks import header, json_object

SIGNATURE_HEADER = "X-Syncd-Signature"
DELIVERY_HEADER = "X-Syncd-Delivery"
MAX_BODY = 64 * 1024


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
    data = json_object(body, "notice")
    ticket = data.get("ticket")
    txn = data.get("transaction")
    try:
        ticket_id = int(str(ticket))
        txn_id = int(str(txn)) if txn is not None else None
    except ValueError as exc:
        raise WebhookError(400, f"notice has a bad ticket or transaction id: {exc}") from exc
    if ticket_id <= 0:
        raise WebhookError(400, "notice names no ticket")
    delivery = str(txn_id) if txn_id is not None else header(headers, DELIVERY_HEADER) or ""
    event = str(data.get("type") or "notice")
    queue = data.get("queue")
    if queues and isinstance(queue, str) and queue.lower() not in {q.lower() for q in queues}:
        return delivery, event, []
    change = Change(kind=ChangeKind.TOUCHED, ref=Ref.ticket(instance, ticket_id), source="webhook")
    return delivery, event, [change]
