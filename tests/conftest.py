"""Shared fixtures: stores on SQLite and PostgreSQL, paths to the vendor samples."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncd.store.repository import Store
from syncd.testing.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "vendor-samples"
PG_ADMIN_URL = os.environ.get("SYNCD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

_pg_skip_reason: str | None = None


def _pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    global _pg_skip_reason
    if _pg_skip_reason is None:
        try:
            engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            engine.dispose()
            _pg_skip_reason = ""
        except Exception as exc:  # any failure to connect means: skip, loudly
            _pg_skip_reason = f"PostgreSQL at {PG_ADMIN_URL} does not answer: {exc}"
    return _pg_skip_reason or None


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'syncd.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    reason = _pg_available()
    if reason:
        print(f"\nSKIPPING PostgreSQL variant: {reason}")
        pytest.skip(reason)
    name = f"syncd_t_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> str:
    """The same test on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def hooked(tmp_path: Path) -> Iterator[Sandbox]:
    """Emulators and the daemon with webhooks; polling slow enough never to matter."""
    with Sandbox(folder=tmp_path, webhooks=True, poll_interval=3600.0) as sb:
        yield sb


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store.open(store_url)
    yield s
    s.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly which suites were skipped for want of a real server, and why."""
    skipped = terminalreporter.stats.get("skipped", [])
    reasons: dict[str, int] = {}
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        if any(word in reason for word in ("PostgreSQL", "Request Tracker", "Chromium", "RT ")):
            reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.write_sep("!", "SUITES SKIPPED FOR WANT OF A REAL SERVER", red=True)
        for reason, n in sorted(reasons.items()):
            terminalreporter.write_line(f"{n:4d} tests: {reason}", red=True)
