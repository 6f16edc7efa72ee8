"""An in-process Zendesk Support for tests, benchmarks and ``syncd emulate zendesk``.

The same files as every system's emulator: ``app`` (the emulator: ASGI app, control,
webhooks, in-process helpers), ``routes`` (the ``/api/v2`` endpoints), ``state`` (tickets,
audits and their rules), ``records`` (what it holds), ``render`` (Zendesk's JSON shapes) and
``actor`` (an agent, and the :data:`KIT` the demo and the tests use); ``admin`` holds ticket
fields and webhooks for ``syncd connectors test``.
"""

from __future__ import annotations

from .actor import KIT, ZendeskActor, config
from .app import DEFAULT_SECRET, ZendeskEmulator, build

__all__ = ["DEFAULT_SECRET", "KIT", "ZendeskActor", "ZendeskEmulator", "build", "config"]
