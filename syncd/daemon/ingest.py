"""Webhook deliveries on their way in: verified, parsed, and persisted with their changes.

:class:`Ingest` is the part of the :class:`~syncd.daemon.service.Service` that the webhook
path calls (through the :class:`~syncd.daemon.intake.Intake`, which batches them); it needs
only the service's settings, connectors and store, and the event that wakes the worker.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
import structlog

from syncd import metrics
from syncd.connector import Capability, Connector, WebhookResult
from syncd.engine import echo
from syncd.errors import WebhookError
from syncd.settings import Settings
from syncd.store import tables
from syncd.store.deliveries import Received
from syncd.store.repository import Store
from syncd.webhooks import NeedsThread

log = structlog.get_logger("syncd.app")


class Ingest:
    """Receive and persist deliveries; mixed into the service."""

    settings: Settings
    connectors: dict[str, Connector]
    store: Store
    _inbox_ready: threading.Event

    def ingest_webhook(self, name: str, headers: Mapping[str, str], body: bytes) -> tuple[int, str]:
        """Verify, parse and persist one delivery; return (HTTP status, outcome)."""
        fresh = self.persist([(name, self.receive(name, headers, body))])[0]
        return (202, "accepted") if fresh else (200, "duplicate")

    def receive(self, name: str, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """Check that ``name`` takes webhooks, verify the delivery and parse it (no store)."""
        conn = self.connectors.get(name)
        if conn is None or Capability.WEBHOOKS not in conn.capabilities:
            raise WebhookError(404, f"no webhook connector named {name!r}")
        if name in self.settings.connectors and not self.settings.connector(name).webhooks:
            raise WebhookError(404, f"webhooks are switched off for connector {name!r}")
        conn.verify_webhook(headers, body)
        try:
            return _fitting(conn.parse_webhook(headers, body))
        except (WebhookError, NeedsThread):
            raise
        except Exception as exc:
            # A parser that fails otherwise than by refusing: whatever the body, the answer is
            # a 400, never a 5xx that the vendor would send again and again; the error is
            # logged with its traceback, for the parser is what must be fixed.
            what = type(exc).__name__
            log.error("webhook.parse_failed", connector=name, error=what, exc_info=True)
            raise WebhookError(400, f"the delivery could not be read ({what})") from exc

    def receives_offline(self, name: str) -> bool:
        """True when :meth:`receive` for ``name`` makes no remote call now (the connector
        says so), so it may run on the event loop; False when it may wait on a vendor."""
        conn = self.connectors.get(name)
        if conn is None:
            return True  # receive() refuses it at once
        return conn.webhooks_offline()

    def persist(self, deliveries: Sequence[tuple[str, WebhookResult]]) -> list[bool]:
        """Persist received deliveries in one transaction; return, for each, True when it is
        new (its changes are in the inbox) or False when it repeats one recorded before.

        Delivery ids are recorded in one statement and the new deliveries' changes written in
        one more; a delivery repeated within ``deliveries`` counts once. Nothing is written
        when it raises."""
        received = _received(deliveries)
        with self.store.tx() as tx:
            fresh, written = self.store.ingest(tx, received)
        return self._persisted(deliveries, received, fresh, written)

    def _persisted(
        self,
        deliveries: Sequence[tuple[str, WebhookResult]],
        received: Sequence[Received],
        fresh: list[bool],
        written: int,
    ) -> list[bool]:
        counted = Counter(
            (name, "accepted" if new else "duplicate")
            for (name, _), new in zip(deliveries, fresh, strict=True)
        )
        for labels, n in counted.items():
            metrics.WEBHOOKS.labels(*labels).inc(n)
        # the echoes _received left out, counted for the deliveries that were new
        for (name, result), (_, _, kept), new in zip(deliveries, received, fresh, strict=True):
            if new and len(kept) < len(result.changes):
                metrics.ECHOES.labels(name).inc(len(result.changes) - len(kept))
        if written:
            self._inbox_ready.set()
        return fresh


# what the store's columns hold: past these a database refuses the row (PostgreSQL checks
# lengths and refuses NUL characters), which would answer the delivery 503 again and again
def _length(column: sa.Column[Any]) -> int:
    kind = column.type
    assert isinstance(kind, sa.String) and kind.length is not None
    return kind.length


_DELIVERY_ID = _length(tables.deliveries.c.delivery_id)
_REF = _length(tables.inbox.c.ref)


def _fitting(result: WebhookResult) -> WebhookResult:
    """``result`` if the store can record its delivery id and refs; else ``WebhookError(400)``
    (the id may come from a header nobody signs)."""
    delivery = result.delivery_id
    if delivery is not None and (len(delivery) > _DELIVERY_ID or not delivery.isprintable()):
        raise WebhookError(400, f"delivery id: not printable or longer than {_DELIVERY_ID}")
    for change in result.changes:
        ref = str(change.ref)
        if len(ref) > _REF or not ref.isprintable():
            raise WebhookError(400, f"ref {ref[:60]!r}…: not printable or longer than {_REF}")
    return result


def _received(deliveries: Sequence[tuple[str, WebhookResult]]) -> list[Received]:
    """What the store records: each delivery's id and its changes, less syncd's own
    comments coming back and the snapshots that came with them (``echo.not_own_update``)."""
    return [(name, r.delivery_id, echo.not_own_update(r.changes)) for name, r in deliveries]
