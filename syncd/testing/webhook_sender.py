"""The webhook sender of the vendor emulators: signed deliveries from background threads,
several at once, in order per record, as vendors deliver them."""

from __future__ import annotations

import json
import queue
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from syncd.testing.faults import Faults

_Delivery = tuple[str, dict[str, str], bytes]  # event, signed headers, body


class WebhookSender:
    """Delivers webhooks from background threads, like a vendor does.

    Vendors deliver on several connections at once (none of them promises an
    order), so one slow answer does not hold up every later delivery. Here deliveries about
    different records (``key``) overlap on up to ``lanes`` connections, while deliveries
    about one record leave in the order they were made, which keeps tests reproducible.
    ``sign(body) -> headers`` adds the vendor's signature headers. Deliveries are recorded in
    ``log`` as ``(event, status or error)``; dropped ones as ``(event, "dropped")``.
    ``on_send(body)``, when set, is called as each delivery leaves (the benchmarks time a
    change from there).
    """

    def __init__(
        self, faults: Faults, sign: Callable[[bytes], dict[str, str]], *, lanes: int = 4
    ) -> None:
        self.faults = faults
        self.sign = sign
        self.url: str | None = None
        self.log: list[tuple[str, str]] = []
        # every signed delivery, sent or not, for tests that feed them by hand
        self.captured: list[tuple[str, dict[str, str], bytes]] = []
        self.total = 0  # deliveries captured since the start, kept or trimmed
        self.capture_limit = 1000
        self.on_send: Callable[[bytes], None] | None = None
        self._queues: list[queue.Queue[_Delivery | None]] = [
            queue.Queue() for _ in range(max(1, lanes))
        ]
        self._threads: list[threading.Thread | None] = [None] * len(self._queues)
        self._client = httpx.Client(timeout=10.0)
        self._pending = 0
        self._idle = threading.Condition()

    def configure(
        self, url: str | None, sign: Callable[[bytes], dict[str, str]] | None = None
    ) -> None:
        self.url = url
        if sign is not None:
            self.sign = sign

    def send(
        self,
        event: str,
        headers: Mapping[str, str],
        payload: Mapping[str, Any],
        key: object = None,
    ) -> None:
        """Sign and record one delivery; queue it for sending when a URL is configured.
        Deliveries with the same ``key`` (a record's id) leave in order."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        signed = {"Content-Type": "application/json", **headers, **self.sign(body)}
        self.captured.append((event, signed, body))
        self.total += 1
        del self.captured[: -self.capture_limit]
        if not self.url:
            return
        with self._idle:
            self._pending += 1
        lane = 0 if key is None else zlib.crc32(str(key).encode()) % len(self._queues)
        self._queues[lane].put((event, signed, body))
        thread = self._threads[lane]
        if thread is None or not thread.is_alive():
            thread = threading.Thread(
                target=self._run, args=(lane,), name=f"webhook-sender-{lane}", daemon=True
            )
            self._threads[lane] = thread
            thread.start()

    def since(self, mark: int) -> list[tuple[str, dict[str, str], bytes]]:
        """The deliveries captured after ``mark`` (a past :attr:`total`) that are still kept:
        an index into :attr:`captured` goes stale once ``capture_limit`` trims it."""
        first_kept = self.total - len(self.captured)
        return self.captured[max(0, mark - first_kept) :]

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery was attempted."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def _run(self, lane: int) -> None:
        while True:
            item = self._queues[lane].get()
            if item is None:
                return
            event, headers, body = item
            try:
                if self.faults.should_drop_webhook() or not self.url:
                    self.log.append((event, "dropped"))
                    continue
                if self.on_send is not None:
                    self.on_send(body)
                try:
                    resp = self._client.post(self.url, content=body, headers=headers)
                    self.log.append((event, str(resp.status_code)))
                except httpx.HTTPError as exc:
                    self.log.append((event, type(exc).__name__))
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def close(self) -> None:
        for q in self._queues:
            q.put(None)
        self._client.close()
