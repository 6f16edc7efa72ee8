"""``syncd run --dry-run``: plan on production data and print every write, make none.

The run works on a throw-away copy of the store (:mod:`syncd.store.snapshot`), so cursors,
links and queues stay as they were; it polls (webhooks are not served: a delivery taken by
a dry run would be lost to the real one) and shows each write the way it would be sent.
"""

from __future__ import annotations

import signal
import tempfile
import time
from pathlib import Path
from types import FrameType

import typer
from rich.markup import escape

from syncd.console import err, fail, out
from syncd.engine.actions import Action
from syncd.engine.dry import DryWrites, describe
from syncd.settings import Settings


def dry_run(settings: Settings, *, once: bool) -> None:
    """Poll, plan and show writes on a copy of the store until stopped (or once)."""
    from syncd.daemon.service import Service
    from syncd.store.repository import Store
    from syncd.store.snapshot import exists, snapshot

    if not exists(settings.store.url):
        raise fail("no store to copy yet: a dry run plans from what syncd already knows", 2)
    shown = 0

    def show(a: Action) -> None:
        nonlocal shown
        shown += 1
        out.print(f"[yellow]would[/] {escape(describe(a))}", highlight=False)

    with tempfile.TemporaryDirectory(prefix="syncd-dry-run-") as folder:
        real = Store.open(settings.store.url, migrate=False)
        copy = snapshot(real, Path(folder))
        real.close()
        service = Service(settings, store=copy, performer=DryWrites(show))
        err.print(
            "dry run: polling only (webhooks are not served), on a copy of the store; "
            "nothing is written to the vendors or to the store"
        )
        stop = _stop_on_signals()
        try:
            service.check()
            while True:
                service.poller.poll_all()
                service.drain()
                if once or stop.stopped:
                    break
                _sleep(settings, stop)
                if stop.stopped:
                    break
        finally:
            service.stop(grace=0)
            copy.close()
    out.print(f"dry run: {shown} writes would have been made")
    failing = service.health.unhealthy()
    for name, reason in failing.items():
        err.print(f"[bold red]error[/] {name}: {escape(reason)}", highlight=False)
    if failing:
        raise typer.Exit(1)


class _Stop:
    stopped = False


def _stop_on_signals() -> _Stop:
    stop = _Stop()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.stopped = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)
    return stop


def _sleep(settings: Settings, stop: _Stop) -> None:
    """Until the soonest connector's next poll is due (or a signal)."""
    interval = min((c.poll_interval for c in settings.connectors.values()), default=60.0)
    deadline = time.monotonic() + interval
    while time.monotonic() < deadline and not stop.stopped:
        time.sleep(min(0.2, deadline - time.monotonic()))
