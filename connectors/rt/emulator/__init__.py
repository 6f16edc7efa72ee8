"""An in-process Request Tracker 5 (REST2) for tests, benchmarks and ``syncd emulate rt``.

The same files as every system's emulator: ``app`` (the emulator: ASGI app, control, the
Scrip's notices, in-process helpers), ``routes`` (the REST2 endpoints), ``state`` (RT's
objects and rules), ``records`` (what it holds), ``render`` (REST2's JSON shapes) and
``actor`` (an agent, and the :data:`KIT` the demo and the tests use). RT's own: ``sql``
(the TicketSQL it understands, and REST2's paging) and ``catalog`` (users, queues and custom
fields as REST2 shows them).
"""

from __future__ import annotations

from .actor import KIT, RTActor, config
from .app import RTEmulator, build

__all__ = ["KIT", "RTActor", "RTEmulator", "build", "config"]
