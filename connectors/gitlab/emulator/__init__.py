"""An in-memory GitLab for tests, benchmarks and ``syncd emulate gitlab``.

The same files as every system's emulator: ``app`` (the emulator: ASGI app, control,
webhooks, in-process helpers), ``routes`` (the REST v4 endpoints), ``state`` (the store and
its rules), ``records`` (what it holds), ``render`` (GitLab's JSON shapes) and ``actor`` (a
developer, and the :data:`KIT` the demo and the tests use); ``admin`` holds token scopes and
webhooks for ``syncd connectors test``.
"""

from __future__ import annotations

from .actor import KIT, GitLabActor, config
from .app import DEFAULT_TOKENS, GitLabEmulator, build

__all__ = ["DEFAULT_TOKENS", "KIT", "GitLabActor", "GitLabEmulator", "build", "config"]
