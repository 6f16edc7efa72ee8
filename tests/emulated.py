"""What the emulators' limit tests share: a clock the test moves by hand, and an emulator's
app served on loopback with a client pointed at it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import httpx

from syncd.testing.server import ServerThread


class ManualClock:
    """Seconds since the epoch, moved only by :meth:`advance`; it starts at the whole second
    of the wall clock, so what a client reckons from an epoch stamp holds."""

    def __init__(self, now: float | None = None) -> None:
        self.now = float(int(time.time())) if now is None else now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` forward."""
        self.now += seconds


@contextlib.contextmanager
def served(app: Any) -> Iterator[httpx.Client]:
    """``app`` served on 127.0.0.1; a client with its base URL."""
    server = ServerThread(app).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10.0) as client:
            yield client
    finally:
        server.stop()
