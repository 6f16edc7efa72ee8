"""Machinery every vendor emulator shares: request counters, fault injection, a rate budget
and a webhook sender.

A vendor emulator (``connectors/<system>/emulator.py``) is an ASGI app holding the vendor's
objects; it wraps itself in :class:`EmulatorMiddleware` and owns one :class:`EmulatorControl`.
Tests configure faults either in process (``control.faults.add(...)``) or over HTTP on the
emulator's control endpoints (``/_emulator/...``, mounted by :func:`control_routes`).
"""

from __future__ import annotations

import asyncio
import json
import math
import queue
import random
import re
import threading
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from syncd.emulator_kit import Clock, Latency, retry_after

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

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


@dataclass
class RateBudget:
    """A fixed-window budget per credential, like the vendors' hourly or per-minute limits,
    counted on ``clock`` (seconds since the epoch; tests give their own)."""

    limit: int = 5000
    window: float = 3600.0
    clock: Clock = time.time
    used: Counter[str] = field(default_factory=Counter)
    window_start: float = -math.inf
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _roll(self) -> None:
        now = self.clock()
        if now - self.window_start >= self.window:
            self.window_start = now
            self.used.clear()

    def spend(self, who: str, units: int = 1) -> bool:
        """Spend ``units``; False when the budget is exhausted (nothing is spent then)."""
        with self.lock:
            self._roll()
            if self.used[who] + units > self.limit:
                return False
            self.used[who] += units
            return True

    def remaining(self, who: str) -> int:
        with self.lock:
            self._roll()
            return max(0, self.limit - self.used[who])

    def reset_at(self) -> int:
        """When the window resets (seconds since the epoch)."""
        with self.lock:
            self._roll()
            return int(self.window_start + self.window)

    def wait(self) -> float:
        """Seconds until the window resets."""
        return max(0.0, self.reset_at() - self.clock())

    def exhaust(self, who: str, for_seconds: float | None = None) -> None:
        """Use the whole budget now; with ``for_seconds`` the window ends that soon."""
        with self.lock:
            self._roll()
            self.used[who] = self.limit
            if for_seconds is not None:
                self.window_start = self.clock() - self.window + for_seconds


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


class EmulatorControl:
    """Counters, faults, rate budget, answer latency and webhook sender of one emulator.

    ``latency`` (none by default) delays every API answer by a seeded draw; ``clock``
    counts the rate budget's window (the emulator's quotas take the same clock)."""

    def __init__(
        self,
        sign: Callable[[bytes], dict[str, str]],
        *,
        rate_limit: int = 5000,
        rate_window: float = 3600.0,
        latency: Latency | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.faults = Faults()
        self.requests: Counter[str] = Counter()
        self.clock = clock
        self.budget = RateBudget(limit=rate_limit, window=rate_window, clock=clock)
        self.latency = latency
        self.draw_latency = latency.sampler() if latency is not None else None
        self.refused: Counter[str] = Counter()  # limit refusals by the quota's name
        self.webhooks = WebhookSender(self.faults, sign)
        self._lock = threading.Lock()
        self.in_flight = 0  # requests being answered now
        self.peak_in_flight = 0  # the most answered at once (since the last reset_peak)

    def count(self, method: str, path: str) -> None:
        with self._lock:
            self.requests[endpoint_of(method, path)] += 1

    def began(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def ended(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def reset_peak(self) -> None:
        with self._lock:
            self.peak_in_flight = self.in_flight

    def refuse(self, name: str) -> None:
        """Count one refusal by a vendor limit (``name``: which one)."""
        with self._lock:
            self.refused[name] += 1

    def total(self, prefix: str = "") -> int:
        """Requests counted so far whose endpoint starts with ``prefix`` (e.g. ``"POST"``)."""
        with self._lock:
            return sum(n for k, n in self.requests.items() if k.startswith(prefix))

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self.requests),
                "refused": dict(self.refused),
                "webhooks": list(self.webhooks.log),
                "faults": [vars(r) | {} for r in self.faults.rules],
            }


async def _send_json(
    send: Send, status: int, body: Any, headers: Mapping[str, str] | None = None
) -> None:
    raw = json.dumps(body).encode()
    hdrs = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    hdrs += [(k.lower().encode(), str(v).encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": raw})


class EmulatorMiddleware:
    """Counts every request and applies injected faults before the vendor app answers.

    ``error_body(status, message)`` builds the vendor's error shape; ``rate_headers(seconds)``
    the vendor's headers for an injected 429.
    """

    def __init__(
        self,
        app: ASGIApp,
        control: EmulatorControl,
        error_body: Callable[[int, str], Any],
        rate_headers: Callable[[float], dict[str, str]] | None = None,
    ) -> None:
        self.app = app
        self.control = control
        self.error_body = error_body
        self.rate_headers = rate_headers or (lambda s: retry_after(s, minimum=0))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_emulator"):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        self.control.count(method, path)
        self.control.began()
        try:
            await self._answer(scope, receive, send, method, path)
        finally:
            self.control.ended()

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, method: str, path: str
    ) -> None:
        faults = self.control.faults
        if self.control.draw_latency is not None:
            await asyncio.sleep(self.control.draw_latency())
        if faults.latency:
            await asyncio.sleep(faults.latency)
        rule = faults.pick(method, path)
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.kind == "latency":
            await asyncio.sleep(rule.seconds)
            await self.app(scope, receive, send)
        elif rule.kind == "timeout":
            await asyncio.sleep(rule.seconds or 30.0)
            await _send_json(send, 504, self.error_body(504, "Gateway Timeout"))
        elif rule.kind == "reset":
            # announce a body, then drop the connection before sending it
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"1000")],
                }
            )
            raise ConnectionResetError("emulated connection reset")
        elif rule.kind == "reset_after":
            # the vendor does the work, then the connection drops before the answer arrives:
            # the client cannot tell whether the write happened
            async def swallow(_: MutableMapping[str, Any]) -> None:
                return None

            await self.app(scope, receive, swallow)
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"1000")],
                }
            )
            raise ConnectionResetError("emulated connection reset after the work was done")
        elif rule.kind == "rate_limit":
            await _send_json(
                send,
                rule.status if rule.status != 500 else 429,
                self.error_body(429, "Too Many Requests"),
                self.rate_headers(rule.seconds or 1.0),
            )
        else:
            await _send_json(send, rule.status, self.error_body(rule.status, "Injected fault"))


def control_routes(control: EmulatorControl, reset: Callable[[], None]) -> list[Any]:
    """Starlette routes under ``/_emulator`` to drive an emulator over HTTP."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def stats(_: Request) -> JSONResponse:
        return JSONResponse(control.snapshot())

    async def add_fault(request: Request) -> JSONResponse:
        spec = await request.json()
        if "drop_webhooks" in spec:
            control.faults.drop_webhooks = float(spec["drop_webhooks"])
            return JSONResponse({"ok": True})
        if "latency" in spec and "kind" not in spec:
            control.faults.latency = float(spec["latency"])
            return JSONResponse({"ok": True})
        kind = spec.pop("kind")
        control.faults.add(kind, **spec)
        return JSONResponse({"ok": True}, status_code=201)

    async def clear_faults(_: Request) -> JSONResponse:
        control.faults.clear()
        return JSONResponse({"ok": True})

    async def webhook_target(request: Request) -> JSONResponse:
        spec = await request.json()
        control.webhooks.configure(spec.get("url"))
        return JSONResponse({"ok": True})

    async def do_reset(_: Request) -> JSONResponse:
        reset()
        control.requests.clear()
        control.refused.clear()
        control.faults.clear()
        return JSONResponse({"ok": True})

    async def flush(_: Request) -> JSONResponse:
        return JSONResponse({"flushed": control.webhooks.flush()})

    return [
        Route("/_emulator/stats", stats, methods=["GET"]),
        Route("/_emulator/faults", add_fault, methods=["POST"]),
        Route("/_emulator/faults", clear_faults, methods=["DELETE"]),
        Route("/_emulator/webhook", webhook_target, methods=["PUT"]),
        Route("/_emulator/reset", do_reset, methods=["POST"]),
        Route("/_emulator/flush", flush, methods=["POST"]),
    ]
