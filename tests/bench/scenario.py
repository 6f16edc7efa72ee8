"""The workload the end-to-end benchmarks share: linked tickets and issues, people changing
them on both sides, and a tap on each emulator that times the writes syncd makes there.

A change is a comment with a unique token: a developer's comment on GitHub (copied to the
ticket as an internal note) or an agent's ``/dev`` note on Zendesk (copied to the issue).
Four instants are kept for each (:func:`timings`): when it was made in one emulator, when
its webhook left that emulator for syncd, when syncd's write carrying the token reached the
other emulator, and when that emulator had answered it. Figure 2 times the issue's "webhook
in → write seen by the other side's emulator", from the second to the third; the first to
the last also counts the emulators' own queueing in this process, which syncd does not do.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from connectors.github.emulator.limits import GitHubLimits
from connectors.zendesk.emulator.limits import ZendeskLimits
from syncd.model import Ref
from syncd.testing.sandbox import Sandbox
from tests.bench.daemon import Daemon, Peek
from tests.bench.measure import ROOT

WRITES = ("POST", "PUT", "PATCH", "DELETE")
# syncd's own pace is measured, not the vendors' limits: Zendesk's 100 ticket updates a
# minute would otherwise cap every figure at under two writes a second, and GitHub's 5,000
# requests an hour would end figure 7's soak half-way (figures 8-11 keep them)
UNLIMITED: dict[str, dict[str, Any]] = {
    "zendesk": {"limits": ZendeskLimits.lifted()},
    "github": {"limits": GitHubLimits.lifted()},
}
TOKEN = re.compile(rb"tok[a-z0-9]+-[0-9]+")  # what change() puts in a comment


class Tap:
    """ASGI middleware noting ``(time answered, method, path, body, time its body arrived)``
    of every write."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.writes: list[tuple[float, str, str, bytes, float]] = []
        self.lock = threading.Lock()
        self.index: dict[str, tuple[float, float]] = {}  # token: (arrived, answered)
        self.indexed = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        arrived = 0.0

        async def tapped_receive() -> Any:
            nonlocal arrived
            msg = await receive()
            if msg["type"] == "http.request":
                chunks.append(msg.get("body", b""))
                if not msg.get("more_body"):
                    arrived = time.perf_counter()
            return msg

        async def tapped_send(msg: Any) -> None:
            await send(msg)
            if msg["type"] == "http.response.body" and not msg.get("more_body"):
                body = b"".join(chunks)
                with self.lock:
                    answered = time.perf_counter()
                    self.writes.append(
                        (answered, scope["method"], scope["path"], body, arrived or answered)
                    )

        await self.app(scope, tapped_receive, tapped_send)

    def times(self, token: str) -> tuple[float, float] | None:
        """When a write carrying ``token`` arrived and when it was answered, or None. New
        writes are indexed once, so waiting on many tokens does not rescan every body (the
        emulators share this process and would slow down)."""
        with self.lock:
            for answered, _, _, body, arrived in self.writes[self.indexed :]:
                for found in TOKEN.findall(body):
                    self.index.setdefault(found.decode(), (arrived, answered))
            self.indexed = len(self.writes)
            return self.index.get(token)


@dataclass
class World:
    """Emulators (with taps) in this process, the daemon in its own, and linked pairs."""

    sb: Sandbox
    daemon: Daemon
    peek: Peek
    taps: dict[str, Tap] = field(default_factory=dict)
    pairs: list[tuple[Ref, Ref]] = field(default_factory=list)  # (ticket, issue)
    ready_seconds: float = 0.0
    left: dict[str, float] = field(default_factory=dict)  # token: when its webhook left
    left_lock: threading.Lock = field(default_factory=threading.Lock)

    def note_departure(self, body: bytes) -> None:
        """An emulator's ``on_send``: note when the first delivery of each token left."""
        at = time.perf_counter()
        found = TOKEN.findall(body)
        if found:
            with self.left_lock:
                for token in found:
                    self.left.setdefault(token.decode(), at)

    def webhook_left(self, token: str) -> float | None:
        """When the first webhook delivery carrying ``token`` left its emulator, or None."""
        with self.left_lock:
            return self.left.get(token)

    def requests(self) -> dict[str, Counter[str]]:
        """Request counters per emulator, copied."""
        return {k: Counter(s.emulator.control.requests) for k, s in self.sb.sides.items()}

    def settle(self, timeout: float = 120.0) -> dict[str, int]:
        """Wait until every webhook went out and the daemon's inbox and outbox are empty."""

        def quiet() -> dict[str, int] | None:
            for side in self.sb.sides.values():
                side.emulator.control.webhooks.flush()
            depth = self.peek.depth()
            return depth if depth["inbox"] == 0 and depth["outbox"] == 0 else None

        self.sb.wait("inbox and outbox empty", quiet, timeout=timeout, every=0.05)
        time.sleep(0.1)
        return self.sb.wait("inbox and outbox empty", quiet, timeout=timeout, every=0.05)

    def restart(self) -> float:
        """Stop the daemon and start it again; seconds until ready."""
        self.daemon.stop()
        return self.daemon.start()

    def stop(self) -> None:
        self.daemon.stop()
        self.peek.close()
        self.sb.stop()


def start(
    folder: Path,
    *,
    webhooks: bool,
    links: int,
    store_url: str | None = None,
    poll_interval: float = 3600.0,
) -> World:
    """Emulators here, ``syncd run`` in a subprocess, ``links`` escalated tickets linked."""
    taps: dict[str, Tap] = {}

    def wrap(kind: str, app: Any) -> Any:
        taps[kind] = Tap(app)
        return taps[kind]

    folder.mkdir(parents=True, exist_ok=True)
    url = store_url or f"sqlite:///{folder / 'syncd.db'}"
    sb = Sandbox(
        folder=folder,
        webhooks=webhooks,
        poll_interval=poll_interval,
        wrap_app=wrap,
        build_kwargs=UNLIMITED,
        extra={"store": {"url": url}, "log": {"format": "json", "level": "info"}},
    )
    conf = sb.start_emulators()
    path = folder / "syncd.yaml"
    path.write_text(yaml.safe_dump(conf, sort_keys=False))
    daemon = Daemon(path, f"http://127.0.0.1:{sb.port}", ROOT / ".bench" / "daemon.log")
    world = World(sb, daemon, Peek(url), taps)
    for side in sb.sides.values():  # when each delivery left, for timings()
        side.emulator.control.webhooks.on_send = world.note_departure
    try:
        world.ready_seconds = daemon.start()
        tickets = [
            sb.helpdesk.create_ticket(f"Export fails #{i}", "Crashes on export.", tags=["escalate"])
            for i in range(links)
        ]
        if not webhooks:
            world.restart()  # its first poll runs at start
        for ticket in tickets:
            found = sb.wait("link made", lambda t=ticket: world.peek.issue_of(str(t)), 120)
            world.pairs.append((ticket, Ref.parse(found)))
        world.settle()
    except BaseException:
        world.stop()
        raise
    return world


def change(world: World, n: int, token: str) -> str:
    """Make change ``n``: even ones on the issue, odd ones on the ticket, each side's turn
    by turn over every pair (so no ticket takes more than its share of a per-ticket
    limit). Returns the side where its copy will be written."""
    ticket, issue = world.pairs[(n // 2) % len(world.pairs)]
    if n % 2 == 0:
        world.sb.tracker.comment(issue, f"Found the cause ({token}).")
        return world.sb.helpdesk_kind
    world.sb.helpdesk.comment(ticket, f"/dev Customer confirms ({token}).", public=False)
    return world.sb.tracker_kind


def paced(world: World, rate: float, count: int, prefix: str) -> list[tuple[str, str, float]]:
    """Make ``count`` changes at ``rate`` per second; return (token, side, when made)."""
    made: list[tuple[str, str, float]] = []
    start_at = time.perf_counter()
    for n in range(count):
        due = start_at + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        token = f"tok{prefix}-{n}"
        at = time.perf_counter()
        side = change(world, n, token)
        made.append((token, side, at))
    return made


def arrivals(
    world: World, made: list[tuple[str, str, float]], timeout: float = 60.0
) -> list[float | None]:
    """Seconds from each change made to its copy's write answered (None when never seen)."""
    return [t.made_to_answered if t else None for t in timings(world, made, timeout)]


@dataclass(frozen=True)
class Timing:
    """The instants of one change (``time.perf_counter()``), see the module's docstring."""

    made: float
    left: float | None  # its webhook left the emulator (None: polled, or never sent)
    arrived: float  # syncd's write carrying it reached the other emulator
    answered: float  # ... and that emulator had answered it

    @property
    def end_to_end(self) -> float | None:
        """The issue's figure 2: webhook in to write seen by the other side, seconds."""
        return None if self.left is None else self.arrived - self.left

    @property
    def made_to_answered(self) -> float:
        """Change made to write answered, the emulators' own queueing included."""
        return self.answered - self.made


def timings(
    world: World, made: list[tuple[str, str, float]], timeout: float = 60.0
) -> list[Timing | None]:
    """The :class:`Timing` of each change (None when its copy was never written)."""
    deadline = time.monotonic() + timeout
    out: list[Timing | None] = [None] * len(made)
    while time.monotonic() < deadline:
        for i, (token, side, at) in enumerate(made):
            if out[i] is None:
                seen = world.taps[side].times(token)
                if seen is not None:
                    out[i] = Timing(at, world.webhook_left(token), *seen)
        if all(v is not None for v in out):
            break
        time.sleep(0.05)
    return out


def undelivered(world: World) -> dict[str, dict[str, int]]:
    """Per emulator, its webhook deliveries that syncd did not answer 2xx, by outcome (a
    status, ``dropped`` for an injected fault, or the client's error): the emulators, like
    GitHub, do not send a failed delivery again."""
    out: dict[str, dict[str, int]] = {}
    for kind, side in world.sb.sides.items():
        sent = side.emulator.control.webhooks.log
        failed = Counter(outcome for _, outcome in list(sent) if not outcome.startswith("2"))
        if failed:
            out[kind] = dict(failed)
    return out


def diff(after: dict[str, Counter[str]], before: dict[str, Counter[str]]) -> dict[str, int]:
    """Requests between two counter snapshots, by ``reads``/``writes`` over all emulators."""
    reads = writes = 0
    for kind, counts in after.items():
        for endpoint, n in counts.items():
            delta = n - before.get(kind, Counter())[endpoint]
            if endpoint.startswith("GET"):
                reads += delta
            else:
                writes += delta
    return {"reads": reads, "writes": writes}
