"""Webhook deliveries on their way in: verified, parsed, and persisted with their changes.

:class:`Ingest` is the part of the :class:`~syncd.daemon.service.Service` that the webhook
path calls (through the :class:`~syncd.daemon.intake.Intake`, which batches them); it needs
only the service's settings, connectors and store, and the event that wakes the worker.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence

from syncd.connector import Capability, Connector, WebhookResult
from syncd.daemon import metrics
from syncd.engine import echo
from syncd.errors import WebhookError
from syncd.settings import Settings
from syncd.store.deliveries import Received
from syncd.store.repository import Store


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
        return conn.parse_webhook(headers, body)

    def receives_offline(self, name: str) -> bool:
        """True when :meth:`receive` for ``name`` makes no remote call now (the connector
        says so), so it may run on the event loop; False when it may wait on a vendor."""
        conn = self.connectors.get(name)
        if conn is None:
            return True  # receive() refuses it at once
        offline = getattr(conn, "webhooks_offline", None)
        return bool(offline()) if callable(offline) else False

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

    def persist_now(self, deliveries: Sequence[tuple[str, WebhookResult]]) -> list[bool] | None:
        """:meth:`persist` if the store takes the write at once; None, with nothing written,
        when it would have to wait (another writer holds SQLite's lock, or PostgreSQL)."""
        received = _received(deliveries)
        done = self.store.ingest_now(received)
        return None if done is None else self._persisted(deliveries, received, *done)

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


def _received(deliveries: Sequence[tuple[str, WebhookResult]]) -> list[Received]:
    """What the store records: each delivery's id and its changes, less syncd's own
    comments coming back and the snapshots that came with them (``echo.not_own_update``)."""
    return [(name, r.delivery_id, echo.not_own_update(r.changes)) for name, r in deliveries]
