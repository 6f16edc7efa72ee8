"""How the demo, the end-to-end tests and the benchmarks reach a connector's emulator without
knowing the vendor (a connector's ``ConnectorSpec.emulator_kit``), and what every emulator
answers alike: pages of a list (``page``/``per_page``, a ``Link`` header), the
``Retry-After`` of a 429, the vendors' limits (:class:`Quotas`, windows counted on an
injectable clock) and how long a vendor takes to answer (:class:`Latency`). The rest of the
shared machinery (counters, faults, webhooks) is :mod:`syncd.testing.emulation`.

Each emulator keeps its vendor's numbers (``connectors/<system>/emulator/limits.py``) and
answers a refusal in its vendor's form; the counting is done here, alike for all.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class EmulatorKit:
    """How the demo and the tests use a connector's emulator without knowing the vendor.

    ``build(webhook_url=None, webhook_secret=None, **kw)`` returns an emulator with ``.app``
    and ``.control``; ``actor(emulator, instance_name, base_url)`` returns a
    :mod:`syncd.testing.actors` actor; ``config(base_url, webhook_secret)`` returns the
    connector settings (a dict) syncd's own account uses against that emulator.
    """

    build: Callable[..., Any]
    actor: Callable[[Any, str, str], Any]
    config: Callable[[str, str | None], dict[str, Any]]


def lazy_kit(module: str) -> EmulatorKit:
    """An :class:`EmulatorKit` whose ``KIT`` is imported from ``module`` on first use, so
    loading a connector does not load its emulator."""

    def kit() -> EmulatorKit:
        from importlib import import_module

        found = import_module(module).KIT
        assert isinstance(found, EmulatorKit)
        return found

    return EmulatorKit(
        build=lambda *a, **kw: kit().build(*a, **kw),
        actor=lambda emu, name, url: kit().actor(emu, name, url),
        config=lambda url, secret: kit().config(url, secret),
    )


def page_of(items: Sequence[T], page: int, per_page: int) -> list[T]:
    """Page ``page`` (counted from 1) of ``items`` at ``per_page`` items a page."""
    return list(items[(page - 1) * per_page : page * per_page])


def last_page(count: int, per_page: int) -> int:
    """The number of the last page of ``count`` items (1 when there are none)."""
    return max(1, -(-count // per_page))


def link_header(url_of: Callable[[int], str], page: int, last: int) -> dict[str, str]:
    """An RFC 8288 ``Link`` header naming the next and last pages, and the first and previous
    ones, of page ``page``; no header on a lone page."""
    links = []
    if page < last:
        links += [f'<{url_of(page + 1)}>; rel="next"', f'<{url_of(last)}>; rel="last"']
    if page > 1:
        links += [f'<{url_of(1)}>; rel="first"', f'<{url_of(page - 1)}>; rel="prev"']
    return {"Link": ", ".join(links)} if links else {}


def retry_after(seconds: float, minimum: int = 1) -> dict[str, str]:
    """The ``Retry-After`` header of a 429: whole seconds, at least ``minimum``."""
    return {"Retry-After": str(max(minimum, int(seconds)))}


Clock = Callable[[], float]  # seconds since the epoch (time.time, or a test's own)


@dataclass(frozen=True)
class Quota:
    """One documented limit: at most ``count`` points per key in a window of ``seconds``.
    A key's window opens at its first request and closes ``seconds`` later, as the vendors'
    reset headers tell it."""

    name: str
    count: int
    seconds: float


class Refused(NamedTuple):
    """The quota a request would break, and the seconds until its window resets."""

    quota: Quota
    wait: float


class Quotas:
    """The windows of a vendor's quotas, per key, counted on ``clock``. Thread-safe."""

    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, Hashable], list[float]] = {}  # -> [opened, used]

    def _window(self, quota: Quota, key: Hashable, now: float) -> list[float]:
        window = self._windows.get((quota.name, key))
        if window is None or now >= window[0] + quota.seconds:
            window = self._windows[(quota.name, key)] = [now, 0.0]
        return window

    def spend(self, charges: Iterable[tuple[Quota, Hashable, int]]) -> Refused | None:
        """Spend every charge ``(quota, key, points)`` if all fit (None); else spend none
        and name the first quota that refuses."""
        with self._lock:
            now = self.clock()
            taken = [(q, self._window(q, key, now), points) for q, key, points in charges]
            for quota, window, points in taken:
                if window[1] + points > quota.count:
                    return Refused(quota, window[0] + quota.seconds - now)
            for _, window, points in taken:
                window[1] += points
            return None

    def left(self, quota: Quota, key: Hashable) -> int:
        """Points left in the key's current window."""
        with self._lock:
            return max(0, quota.count - int(self._window(quota, key, self.clock())[1]))

    def resets(self, quota: Quota, key: Hashable) -> float:
        """When (on the clock) the key's current window closes."""
        with self._lock:
            return self._window(quota, key, self.clock())[0] + quota.seconds


@dataclass(frozen=True)
class Latency:
    """How long a vendor takes to answer: a lognormal with median ``p50`` and 99th
    percentile ``p99`` (seconds), plus a ``slow_share`` of answers that take
    ``slow_seconds`` (a vendor's occasional multi-second answer). Seeded: the same
    ``seed`` draws the same delays."""

    p50: float = 0.150
    p99: float = 0.600
    slow_share: float = 0.002
    slow_seconds: float = 3.0
    seed: int = 7

    @classmethod
    def of(cls, value: Latency | Mapping[str, Any] | None) -> Latency | None:
        """A latency from config (a mapping of the fields) or as given; None for none."""
        if value is None or isinstance(value, Latency):
            return value
        return cls(**dict(value))

    def sampler(self) -> Callable[[], float]:
        """A function drawing one answer's delay at a time (thread-safe, seeded)."""
        rng = random.Random(self.seed)
        sigma = math.log(self.p99 / self.p50) / 2.3263 if self.p99 > self.p50 else 0.0
        lock = threading.Lock()

        def draw() -> float:
            with lock:
                if self.slow_share and rng.random() < self.slow_share:
                    return self.slow_seconds
                return self.p50 * math.exp(sigma * rng.gauss(0.0, 1.0))

        return draw


# what the demo and the benchmarks use: the helpdesks and trackers answer writes in
# about 100-300 ms, with a tail past half a second and now and then a few seconds
VENDOR_LATENCY = Latency()
