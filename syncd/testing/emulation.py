"""Machinery every vendor emulator shares: request counters, fault injection
(:mod:`syncd.testing.faults`), a rate budget and a webhook sender
(:mod:`syncd.testing.webhook_sender`).

A vendor emulator (``connectors/<system>/emulator.py``) is an ASGI app holding the vendor's
objects; it wraps itself in :class:`EmulatorMiddleware` and owns one :class:`EmulatorControl`.
Tests configure faults either in process (``control.faults.add(...)``) or over HTTP on the
emulator's control endpoints (``/_emulator/...``, mounted by :func:`control_routes`).
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from syncd.emulator_kit import Clock, Latency, retry_after
from syncd.testing.faults import Faults, endpoint_of
from syncd.testing.webhook_sender import WebhookSender

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


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


async def _drop_connection(send: Send, why: str) -> NoReturn:
    """Announce a body, then drop the connection before sending it."""
    headers = [(b"content-length", b"1000")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    raise ConnectionResetError(why)


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
            await _drop_connection(send, "emulated connection reset")
        elif rule.kind == "reset_after":
            # the vendor does the work, then the connection drops before the answer arrives:
            # the client cannot tell whether the write happened
            async def swallow(_: MutableMapping[str, Any]) -> None:
                return None

            await self.app(scope, receive, swallow)
            await _drop_connection(send, "emulated connection reset after the work was done")
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
