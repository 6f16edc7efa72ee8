"""Webhook deliveries on their way in: verified, parsed, and persisted with their changes.

:class:`Ingest` is the part of the :class:`~syncd.daemon.service.Service` that the webhook
path calls (through the :class:`~syncd.daemon.intake.Intake`, which batches them); it needs
only the service's settings, connectors and store, and the event that wakes the worker.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from syncd.connector import Capability, Connector, WebhookResult
from syncd.daemon import metrics
from syncd.errors import WebhookError
from syncd.model import Change
from syncd.settings import Settings
from syncd.store.repository import Store, Tx


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
        with self.store.tx() as tx:
            fresh, changes = self._record(tx, deliveries)
        return self._persisted(deliveries, fresh, changes)

    def persist_now(self, deliveries: Sequence[tuple[str, WebhookResult]]) -> list[bool] | None:
        """:meth:`persist` if the store takes the write at once; None, with nothing written,
        when it would have to wait (another writer holds SQLite's lock, or PostgreSQL)."""
        with self.store.tx_if_free() as tx:
            if tx is None:
                return None
            fresh, changes = self._record(tx, deliveries)
        return self._persisted(deliveries, fresh, changes)

    def _record(
        self, tx: Tx, deliveries: Sequence[tuple[str, WebhookResult]]
    ) -> tuple[list[bool], list[Change]]:
        ids = [(name, r.delivery_id) for name, r in deliveries if r.delivery_id]
        recorded = self.store.record_deliveries(tx, ids) if ids else set()
        first: set[tuple[str, str]] = set()
        fresh: list[bool] = []
        changes: list[Change] = []
        for name, result in deliveries:
            key = (name, result.delivery_id or "")
            # a delivery without an id cannot be told from a repeat: it is always new
            new = not result.delivery_id or (key in recorded and key not in first)
            first.add(key)
            fresh.append(new)
            if new:
                changes.extend(result.changes)
        self.store.enqueue(tx, changes)
        return fresh, changes

    def _persisted(
        self,
        deliveries: Sequence[tuple[str, WebhookResult]],
        fresh: list[bool],
        changes: list[Change],
    ) -> list[bool]:
        for (name, _), new in zip(deliveries, fresh, strict=True):
            metrics.WEBHOOKS.labels(name, "accepted" if new else "duplicate").inc()
        if changes:
            self._inbox_ready.set()
        return fresh
