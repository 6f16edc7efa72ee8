"""An in-process Jira (Cloud or Data Center) for tests, benchmarks and ``syncd emulate jira``.

The same files as every system's emulator: ``app`` (the emulator: ASGI app, control,
webhooks, in-process helpers), ``routes`` (the ``/rest/api`` endpoints), ``state`` (the
store and its workflow), ``records`` (what it holds), ``render`` (Jira's JSON shapes) and
``actor`` (a developer, and the :data:`KIT` the demo and the tests use). Jira's own:
``jql`` (the JQL it understands), ``search`` (both search endpoints), ``permissions``
(permission schemes) and ``admin`` (what ``syncd connectors test`` reads).
"""

from __future__ import annotations

from .actor import DATACENTER_KIT, KIT, JiraActor, config
from .app import JiraEmulator, build

__all__ = ["DATACENTER_KIT", "KIT", "JiraActor", "JiraEmulator", "build", "config"]
