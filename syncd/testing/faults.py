"""Fault injection for the vendor emulators: rules that answer a request with a status, a
timeout, a reset connection, latency or a rate limit (``status``, ``timeout``, ...), and
webhook deliveries dropped at random or by count."""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["status", "timeout", "reset", "reset_after", "latency", "rate_limit"]
_NUMERIC = re.compile(r"/\d+(?=/|$|\.json)")


def endpoint_of(method: str, path: str) -> str:
    """Group requests by endpoint: ``GET /repos/a/b/issues/{n}``."""
    return f"{method} {_NUMERIC.sub('/{n}', path)}"


@dataclass
class FaultRule:
    """One injected fault. ``times`` counts how often it fires (``None``: always);
    ``probability`` makes it fire at random; ``path`` is a regex on the request path."""

    kind: FaultKind
    status: int = 500
    path: str | None = None
    method: str | None = None
    times: int | None = 1
    probability: float = 1.0
    seconds: float = 0.0  # latency, timeout hold, or Retry-After
    fired: int = 0

    def matches(self, method: str, path: str, rng: random.Random) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.method and self.method.upper() != method:
            return False
        if self.path and not re.search(self.path, path):
            return False
        return self.probability >= 1.0 or rng.random() < self.probability


@dataclass
class Faults:
    """The faults configured on one emulator, plus dropped-webhook settings."""

    rules: list[FaultRule] = field(default_factory=list)
    latency: float = 0.0
    drop_webhooks: float = 0.0  # share of webhook deliveries silently dropped
    drop_next_webhooks: int = 0
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: FaultKind, **kw: Any) -> FaultRule:
        rule = FaultRule(kind=kind, **kw)
        with self.lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()
            self.latency = 0.0
            self.drop_webhooks = 0.0
            self.drop_next_webhooks = 0

    def pick(self, method: str, path: str) -> FaultRule | None:
        with self.lock:
            for rule in self.rules:
                if rule.matches(method, path, self.rng):
                    rule.fired += 1
                    return rule
        return None

    def should_drop_webhook(self) -> bool:
        with self.lock:
            if self.drop_next_webhooks > 0:
                self.drop_next_webhooks -= 1
                return True
            return self.drop_webhooks > 0 and self.rng.random() < self.drop_webhooks
