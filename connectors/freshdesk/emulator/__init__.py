"""An in-process Freshdesk for tests, benchmarks and ``syncd emulate freshdesk``.

The same files as every system's emulator: ``app`` (the emulator: ASGI app, control,
webhooks, in-process helpers), ``routes`` (the ``/api/v2`` endpoints), ``state`` (tickets,
conversations and their rules), ``records`` (what it holds), ``render`` (Freshdesk's JSON
shapes) and ``actor`` (an agent, and the :data:`KIT` the demo and the tests use); ``limits``
holds the plan's per-minute limits and the credits of a call.
"""

from __future__ import annotations

from .actor import KIT, FreshdeskActor, config
from .app import DEFAULT_SECRET, FreshdeskEmulator, build

__all__ = ["DEFAULT_SECRET", "KIT", "FreshdeskActor", "FreshdeskEmulator", "build", "config"]
