"""Verify and parse the webhooks Freshdesk's automation rules send.

Freshdesk signs nothing: a rule's *Trigger webhook* action posts the body the admin writes,
with the custom headers and the credentials the admin sets. syncd therefore checks one of
two things, as ``webhook_auth`` says, each compared in constant time:

- ``header``: the webhook secret in a custom header (``X-Syncd-Webhook-Secret`` by default);
- ``basic``: HTTP basic credentials, ``webhook_username`` and the webhook secret.

A delivery without them, or with others, is refused with 401; the reason names what was
missing or wrong, never a value. The body needs only the ticket's id: ``{"ticket_id":
{{ticket.id}}}`` (the rule's *Advanced* JSON content), or the *Simple* content's
``{"freshdesk_webhook": {"ticket_id": ...}}``. The ticket and its conversations are then read
from the API, so a delivery is a nudge and nothing in it is trusted but the id (a number,
or a string of digits when the placeholder was quoted).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from syncd.connector import WebhookResult
from syncd.errors import WebhookError
from syncd.model import Change, ChangeKind, Ref
from syncd.webhooks import MAX_ID, Shape, header, json_object, validate

EVENT_LENGTH = 200


def _digits(value: Any) -> Any:
    """A string of digits as its number (a quoted ``{{ticket.id}}``); anything else as is."""
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            raise ValueError("not a ticket id: a number or a string of digits")
        return int(text)
    return value


TicketId = Annotated[int, BeforeValidator(_digits), Field(ge=1, le=MAX_ID)]


class Nudge(Shape):
    """What syncd reads of a rule's body: the ticket's id, and a free text of the event."""

    ticket_id: TicketId
    event: Annotated[str, Field(max_length=EVENT_LENGTH)] | None = None


class Simple(Shape):
    """The *Simple* content of a rule's webhook wraps the fields in ``freshdesk_webhook``."""

    freshdesk_webhook: Nudge


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def verify_header(headers: Mapping[str, str], name: str, secret: str) -> None:
    """``WebhookError(401)`` unless header ``name`` holds ``secret``."""
    given = header(headers, name)
    if not given:
        raise WebhookError(401, f"missing the {name} header the automation rule must send")
    if not _same(given.strip(), secret):
        raise WebhookError(401, f"wrong secret in the {name} header")


def verify_basic(headers: Mapping[str, str], username: str, secret: str) -> None:
    """``WebhookError(401)`` unless the delivery carries basic credentials
    ``username`` / ``secret``."""
    scheme, _, value = (header(headers, "authorization") or "").strip().partition(" ")
    if scheme.lower() != "basic" or not value:
        raise WebhookError(401, "missing basic credentials (the rule's webhook needs auth)")
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise WebhookError(401, "basic credentials that are not base64 of user:password") from None
    # both compared, always, so a wrong user takes as long as a wrong password
    ok_user, ok_password = _same(user, username), _same(password, secret)
    if not (sep and ok_user and ok_password):
        raise WebhookError(401, "wrong basic credentials")


def read(body: bytes) -> Nudge:
    """The body's ticket id and event text; ``WebhookError(400)`` naming what is wrong."""
    payload = json_object(body)
    if "freshdesk_webhook" in payload:
        return validate(payload, Simple).freshdesk_webhook
    if "ticket_id" not in payload:
        raise WebhookError(
            400, 'body: no ticket_id (the rule\'s content is {"ticket_id": {{ticket.id}}})'
        )
    return validate(payload, Nudge)


def parse(body: bytes, connector: str) -> WebhookResult:
    """A verified delivery as one change: the ticket is to be read again."""
    nudge = read(body)
    ref = Ref.ticket(connector, nudge.ticket_id)
    change = Change(kind=ChangeKind.TOUCHED, ref=ref, source="webhook")
    # no delivery id: Freshdesk sends none, and a repeated nudge only reads the ticket again
    return WebhookResult(delivery_id=None, event=nudge.event or "ticket", changes=(change,))
