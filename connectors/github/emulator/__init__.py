"""An in-memory GitHub for tests, benchmarks and ``syncd emulate github``.

The same files as every system's emulator: ``app`` (the emulator: ASGI app, control,
webhooks, in-process helpers), ``routes`` (the REST endpoints), ``state`` (the store and its
rules), ``records`` (what it holds), ``render`` (GitHub's JSON shapes) and ``actor`` (a
developer, and the :data:`KIT` the demo and the tests use); ``admin`` holds roles, token
scopes and webhooks for ``syncd connectors test``.
"""

from __future__ import annotations

from .actor import KIT, GitHubActor, config
from .app import DEFAULT_TOKENS, GitHubEmulator, build

__all__ = ["DEFAULT_TOKENS", "KIT", "GitHubActor", "GitHubEmulator", "build", "config"]
