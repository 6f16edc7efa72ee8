"""The daemon under test in its own process (``syncd run``), as ops run it.

The emulators stay in the benchmark's process, so syncd does not share an interpreter lock
with the vendors it talks to: on two cores, one runs syncd, the other the emulators and the
load. The store is read from here without taking SQLite's write lock (plain read-only
connections), so watching the daemon does not slow it down.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from tests.bench.harness import python
from tests.bench.measure import ROOT

DEPTH_SQL = {
    "inbox": "SELECT count(*) FROM inbox",
    "outbox": "SELECT count(*) FROM outbox WHERE state IN ('pending', 'running')",
    "done": "SELECT count(*) FROM outbox WHERE state = 'done'",
    "dead": "SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL",
}


class Peek:
    """Read-only queries on the daemon's store."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self.engine: sa.Engine | None = None
        if not self.sqlite:
            pg = url.replace("postgresql://", "postgresql+psycopg://", 1)
            self.engine = sa.create_engine(pg, pool_size=1)

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        if self.sqlite:
            path = self.url.split("sqlite:///", 1)[1]
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
                return list(conn.execute(sql, args).fetchall())
        assert self.engine is not None
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(sql.replace("?", "%s"), args)]

    def depth(self) -> dict[str, int]:
        return {k: int(self.query(q)[0][0]) for k, q in DEPTH_SQL.items()}

    def issue_of(self, ticket_ref: str) -> str | None:
        rows = self.query("SELECT issue_ref FROM links WHERE ticket_ref = ?", ticket_ref)
        return str(rows[0][0]) if rows else None

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


class Daemon:
    """``syncd run -c CONFIG`` in a subprocess, logging JSON lines to a file."""

    def __init__(self, config: Path, url: str, log: Path, env: dict[str, str] | None = None):
        self.config = config
        self.url = url
        self.log = log
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start it; return seconds until ``/readyz`` answered 200."""
        began = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": str(ROOT), **self.env}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [python(), "-m", "syncd.cli", "run", "-c", str(self.config)],
                stdout=log,
                stderr=log,
                cwd=ROOT,
                env=env,
            )
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"syncd exited {self.proc.returncode}; see {self.log}")
                try:
                    if client.get(f"{self.url}/readyz").status_code == 200:
                        return time.perf_counter() - began
                except httpx.HTTPError:
                    pass
                time.sleep(0.01)
        raise TimeoutError(f"syncd not ready within 60 s; see {self.log}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
