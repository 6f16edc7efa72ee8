"""``syncd cursor show`` / ``syncd cursor reset``, ``syncd run --once`` and ``syncd reconcile``
with an unreadable poll cursor, as an operator runs them against a SQLite store."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from syncd.cli import app
from syncd.cursor_cli import parse_since
from syncd.settings import load
from syncd.store.repository import Store
from syncd.testing.sandbox import Sandbox

SYNCD = [sys.executable, "-m", "syncd.cli"]
GARBAGE = "garbage, not a cursor"


@pytest.fixture
def emulated(tmp_path: Path) -> Iterator[tuple[Sandbox, Path]]:
    """Emulators and a config file whose store is a SQLite file not made yet."""
    sb = Sandbox(folder=tmp_path / "sb")
    conf = sb.start_emulators()
    conf["store"]["url"] = f"sqlite:///{tmp_path / 'syncd.db'}"
    path = tmp_path / "syncd.yaml"
    path.write_text(yaml.safe_dump(conf))
    try:
        yield sb, path
    finally:
        sb.stop()


def cli(path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "-c", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def store_of(path: Path) -> Store:
    return Store.open(load(path).store.url)


def test_show_never_creates_a_store(emulated: tuple[Sandbox, Path]) -> None:
    _, path = emulated
    code, said, _ = cli(path, "cursor", "show")
    assert code == 0 and "no store" in said
    assert not (path.parent / "syncd.db").exists()


def test_show_says_which_cursor_cannot_be_read(emulated: tuple[Sandbox, Path]) -> None:
    _, path = emulated
    store = store_of(path)
    good = '{"v": 1, "tickets": {"start": 1714557600}, "events": {"start": 1714557600, "seen": []}}'
    with store.tx() as tx:
        store.set_cursor(tx, "zendesk", good)
        store.set_cursor(tx, "github", GARBAGE)
    code, said, _ = cli(path, "cursor", "show")
    assert code == 0 and "UNREADABLE: not JSON" in said and "garbage" in said
    code, said, _ = cli(path, "cursor", "show", "--json")
    rows = {r["connector"]: r for r in map(json.loads, said.splitlines())}
    assert rows["github"]["state"] == "UNREADABLE: not JSON" and rows["github"]["cursor"] == GARBAGE
    assert rows["zendesk"]["state"] == "ok" and rows["zendesk"]["cursor"] == good
    code, said, _ = cli(path, "cursor", "show", "zendesk", "--json")
    assert [json.loads(line)["connector"] for line in said.splitlines()] == ["zendesk"]
    assert store.cursor("github") == GARBAGE  # show changes nothing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "say from when: --since"),
        (["--since", "yesterday"], "neither an ISO 8601 time"),
        (["--since", "2h", "--now"], "exclude each other"),
        (["--since", "2999-01-01T00:00"], "is in the future"),
        (["--since", "-2h"], "neither an ISO 8601 time"),
    ],
)
def test_reset_refuses_bad_input_in_one_line(
    emulated: tuple[Sandbox, Path], args: list[str], message: str
) -> None:
    _, path = emulated
    code, said, err = cli(path, "cursor", "reset", "github", *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in said + err
    assert not (path.parent / "syncd.db").exists()


def test_reset_of_an_unknown_connector_is_refused(emulated: tuple[Sandbox, Path]) -> None:
    _, path = emulated
    code, _, err = cli(path, "cursor", "reset", "nosuch", "--since", "1h")
    assert code == 2 and "no connector named 'nosuch'" in err


def test_reset_stores_a_cursor_from_the_time_and_audits_it(emulated: tuple[Sandbox, Path]) -> None:
    _, path = emulated
    store = store_of(path)
    with store.tx() as tx:
        store.set_cursor(tx, "github", GARBAGE)
    code, said, err = cli(path, "cursor", "reset", "github", "--since", "2024-05-01T09:30+02:00")
    assert code == 0, err
    assert "polls go on from 2024-05-01T07:30:00Z" in said and "next cycle" in said
    stored = json.loads(store.cursor("github") or "")
    assert stored["repos"]["acme/widgets"]["issues"]["since"] == "2024-05-01T07:30:00Z"
    (row,) = [r for r in store.audit_since() if r.event == "cursor_reset"]
    assert row.detail["connector"] == "github" and row.detail["previous"] == GARBAGE
    assert (
        row.detail["since"] == "2024-05-01T07:30:00+00:00" and row.detail["via"] == "cursor reset"
    )
    code, said, _ = cli(path, "cursor", "show", "github", "--json")
    assert json.loads(said)["state"] == "ok"


def test_reset_now_warns_what_is_skipped(emulated: tuple[Sandbox, Path]) -> None:
    _, path = emulated
    code, said, err = cli(path, "cursor", "reset", "zendesk", "--now")
    assert code == 0 and "zendesk: poll cursor reset" in said
    assert "skipped" in err and "syncd reconcile" in err


def test_since_reads_times_ago_and_iso_times() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert parse_since("90m", now) == now - timedelta(minutes=90)
    assert parse_since("1w2d", now) == now - timedelta(days=9)
    assert parse_since("2024-05-01T09:30", now) == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert parse_since("2024-05-01 09:30Z", now) == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert parse_since("2024-05-01T11:30+02:00", now) == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def test_run_once_fails_on_an_unreadable_cursor_and_reconcile_moves_on(
    emulated: tuple[Sandbox, Path],
) -> None:
    sb, path = emulated
    first = subprocess.run(
        [*SYNCD, "run", "--once", "-c", str(path)], capture_output=True, text=True, timeout=60
    )
    assert first.returncode == 0, first.stderr
    store = store_of(path)
    with store.tx() as tx:
        store.set_cursor(tx, "zendesk", '{"v": 7}')
    stuck = subprocess.run(
        [*SYNCD, "run", "--once", "-c", str(path)], capture_output=True, text=True, timeout=60
    )
    assert stuck.returncode == 1
    assert "poll cursor of zendesk unreadable" in stuck.stderr
    assert "syncd cursor reset zendesk --since" in stuck.stderr
    assert store.cursor("zendesk") == '{"v": 7}'
    failing = [line for line in stuck.stderr.splitlines() if '"connector.failing"' in line]
    assert len(failing) == 1 and '"level": "error"' in failing[0]
    assert not any(s.secret in stuck.stderr for s in sb.sides.values())

    # a process of its own: reconcile sets up the logging of the process it runs in
    repaired = subprocess.run(
        [*SYNCD, "reconcile", "-c", str(path)], capture_output=True, text=True, timeout=60
    )
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "zendesk: unreadable poll cursor replaced" in repaired.stdout
    assert "unreadable" in repaired.stdout.split("zendesk: unreadable")[0]
    assert json.loads(store.cursor("zendesk") or "")["v"] == 1
    events = [r.detail["via"] for r in store.audit_since() if r.event == "cursor_reset"]
    assert events == ["reconcile"]
    again = subprocess.run(
        [*SYNCD, "run", "--once", "-c", str(path)], capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 0, again.stderr
