"""Shared fixtures: stores on SQLite and PostgreSQL, paths to the vendor samples."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import structlog

from syncd.store.repository import Store
from syncd.testing.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
# The vendors' published examples live outside the repository; tests that check against
# them find them here and skip with a reason when they are absent (CI requires them).
SAMPLES = Path(
    os.environ.get("SYNCD_VENDOR_SAMPLES") or ROOT.parent / "shared" / "vendor-samples"
).resolve()
PG_ADMIN_URL = os.environ.get("SYNCD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# SYNCD_SAMPLES_REQUIRED=1 (set by .ci/run) makes their absence an error instead of a skip
SAMPLES_REQUIRED = os.environ.get("SYNCD_SAMPLES_REQUIRED", "") == "1"

_pg_skip_reason: str | None = None


def samples_missing() -> str | None:
    """Why the tests that check against the vendors' samples cannot run (None: they can)."""
    if (SAMPLES / "README.md").is_file():
        return None
    return (
        f"vendor samples not found at {SAMPLES}: set SYNCD_VENDOR_SAMPLES to the folder "
        "of the vendors' published examples (../shared/vendor-samples beside the repository)"
    )


def need_samples() -> None:
    """For a test module that reads the vendors' samples as it loads: skip it, with the
    reason, when they are absent."""
    reason = samples_missing()
    if reason:
        pytest.skip(reason, allow_module_level=True)


def sample_files(folder: str, *patterns: str) -> list[Any]:
    """One pytest param per vendor sample in ``SAMPLES / folder`` matching any of ``patterns``
    (default ``*.json``; id: the path below ``folder`` without ``.json``), for a test marked
    ``vendor_samples``. When the samples are absent: a single param that skips with the
    reason, so the test shows as skipped rather than as an empty parameter set."""
    reason = samples_missing()
    if reason:
        return [pytest.param(None, id="samples-absent", marks=pytest.mark.skip(reason=reason))]
    root = SAMPLES / folder
    found = sorted({p for pattern in patterns or ("*.json",) for p in root.glob(pattern)})
    if not found:
        raise pytest.UsageError(f"no vendor sample in {root} matches {patterns or '*.json'}")
    return [pytest.param(p, id=p.relative_to(root).as_posix().removesuffix(".json")) for p in found]


def pytest_configure(config: pytest.Config) -> None:
    reason = samples_missing()
    if reason and SAMPLES_REQUIRED:
        raise pytest.UsageError(f"SYNCD_SAMPLES_REQUIRED is set but {reason}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``vendor_samples`` skip, with the reason, when the samples are absent."""
    reason = samples_missing()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("vendor_samples"):
            item.add_marker(pytest.mark.skip(reason=reason))


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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """The same test on SQLite and on PostgreSQL (that variant marked ``postgres``)."""
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
    """Say which order the tests ran in, and loudly which suites were skipped for want of a
    real server, a tool or the vendor samples, and why."""
    config = terminalreporter.config
    if config.pluginmanager.hasplugin("randomly"):
        # pytest-randomly's own header is hidden by -q; the seed is what reproduces a failure
        seed = config.getoption("randomly_seed")
        terminalreporter.write_line(
            f"tests ran in random order: --randomly-seed={seed} repeats it, "
            "-p no:randomly keeps the order of the files"
        )
    skipped = terminalreporter.stats.get("skipped", [])
    reasons: dict[str, int] = {}
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        words = (
            "PostgreSQL",
            "Request Tracker",
            "Redmine",
            "Chromium",
            "RT ",
            "./dev test installs it",
            "vendor samples",
        )
        if any(word in reason for word in words):
            reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        title = "SUITES SKIPPED FOR WANT OF A REAL SERVER, TOOL OR THE VENDOR SAMPLES"
        terminalreporter.write_sep("!", title, red=True)
        for reason, n in sorted(reasons.items()):
            terminalreporter.write_line(f"{n:4d} tests: {reason}", red=True)


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """Every test starts with the logging set-up the one before it found: a command run in
    the test's process (``syncd run``, ``connectors test``) configures structlog and the
    standard library's logging for itself, and a level it set would hide the next test's
    log lines from ``capture_logs``."""
    saved = structlog.get_config()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        structlog.configure(**saved)
        root.setLevel(level)
        for h in root.handlers[:]:
            if h not in handlers:
                root.removeHandler(h)
