"""``syncd cursor show`` and ``syncd cursor reset``: where each connector's poll stands, and
moving it when its cursor cannot be read (or changes since a time must be read again)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from syncd.console import (
    ConfigOpt,
    err,
    existing_store,
    out,
    print_problems,
    settings_or_exit,
    shown_url,
)
from syncd.console import fail as _fail
from syncd.cursors import excerpt
from syncd.errors import ConfigError, RemoteError
from syncd.settings import Settings

if TYPE_CHECKING:
    from syncd.daemon.service import Service
    from syncd.engine.cursor_reset import Reset
    from syncd.errors import CursorError

cursor_app = typer.Typer(help="Poll cursor commands.", no_args_is_help=True)

_AGO = re.compile(r"(?:[0-9]+[smhdw])+")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SHOWN = 120  # characters of a cursor in the table (--json shows it whole)


def parse_since(text: str, now: datetime) -> datetime:
    """``text`` as a moment: a time ago (``90m``, ``2h``, ``1w2d``) or ISO 8601 (UTC unless it
    names a zone); ``ValueError`` otherwise."""
    text = text.strip()
    if _AGO.fullmatch(text):
        seconds = sum(int(n) * _UNITS[u] for n, u in re.findall(r"([0-9]+)([smhdw])", text))
        return now - timedelta(seconds=seconds)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--since {text!r} is neither an ISO 8601 time (2024-05-01T09:30Z) "
            "nor a time ago (90m, 2h, 3d, 1w)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@cursor_app.command("show")
def cursor_show(
    connector: Annotated[str | None, typer.Argument(help="Only this connector.")] = None,
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Show each connector's stored poll cursor and whether its poll can read it (read-only)."""
    settings = settings_or_exit(config)
    names = list(settings.connectors)
    if connector is not None and connector not in names:
        raise _fail(f"no connector named {connector!r} (configured: {', '.join(names)})")
    store = existing_store(settings)
    if store is None:
        out.print(
            f"no store at {shown_url(settings)} yet: no cursor stored; "
            "each connector's first poll starts from now"
        )
        return
    rows = {r.connector: r for r in store.all_cursors() if r.stream == "default"}
    table = Table("connector", "state", "updated (UTC)", "cursor")
    for name in [connector] if connector else sorted(set(names) | set(rows)):
        row = rows.get(name)
        value = None if row is None else row.value
        state = _state(settings, name, value)
        updated = None if row is None else str(row.updated_at)[:19]
        if as_json:
            line = {"connector": name, "state": state, "updated_at": updated, "cursor": value}
            print(json.dumps(line))
            continue
        shown = "" if value is None else value[:_SHOWN] + ("…" if len(value) > _SHOWN else "")
        table.add_row(escape(name), escape(state), updated or "", escape(shown))
    if not as_json:
        out.print(table)


def _state(settings: Settings, name: str, value: str | None) -> str:
    """``ok``, ``none yet``, ``UNREADABLE: why``, or why it was not checked."""
    from syncd.daemon.service import build_connectors
    from syncd.engine.cursor_reset import cursor_ops, problem

    if name not in settings.connectors:
        return "not configured"
    try:
        conn = build_connectors(settings, only=[name])[name]
    except ConfigError as exc:
        return f"not checked: {exc}"
    try:
        if cursor_ops(conn) is None:
            return "does not poll" if value is None else "stored (not checked)"
        if value is None:
            return "none yet (the first poll starts from now)"
        found = problem(conn, value)
    finally:
        conn.close()
    return "ok" if found is None else f"UNREADABLE: {found.why}"


@cursor_app.command("reset")
def cursor_reset_cmd(
    connector: Annotated[str, typer.Argument(help="The connector whose cursor to replace.")],
    since: Annotated[
        str | None,
        typer.Option(
            help="Poll again from this time: ISO 8601 (UTC unless it names a zone, "
            "2024-05-01T09:30 or 2024-05-01T09:30+02:00) or a time ago (90m, 2h, 3d, 1w)."
        ),
    ] = None,
    now: Annotated[
        bool,
        typer.Option(
            "--now",
            help="Go on from now: changes since the last good cursor are skipped "
            "(run `syncd reconcile` to repair open links).",
        ),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Replace a connector's poll cursor with one starting at a time; a running daemon polls
    from it on its next cycle."""
    from syncd.daemon.service import build_connectors
    from syncd.engine import cursor_reset

    settings = settings_or_exit(config)
    if connector not in settings.connectors:
        names = ", ".join(settings.connectors)
        raise _fail(f"no connector named {connector!r} (configured: {names})")
    if since is not None and now:
        raise _fail("--since and --now exclude each other")
    if since is None and not now:
        raise _fail("say from when: --since <time> (or --now to skip what happened meanwhile)")
    current = datetime.now(UTC)
    try:
        moment = current if now else parse_since(str(since), current)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if moment > current:
        raise _fail(
            f"--since {moment.isoformat()} is in the future (now: {current:%Y-%m-%dT%H:%M:%SZ})"
        )
    try:
        conn = build_connectors(settings, only=[connector])[connector]
    except ConfigError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None
    if cursor_reset.cursor_ops(conn) is None:
        conn.close()
        raise _fail(f"connector {connector} does not poll with a cursor syncd can reset")
    from syncd.store.repository import Store

    store = Store.open(settings.store.url)
    try:
        done = cursor_reset.reset(store, connector, conn, moment, via="cursor reset")
    except RemoteError as exc:
        raise _fail(
            f"{connector}: cannot make a cursor for {moment.isoformat()}: {exc}", 1
        ) from None
    finally:
        conn.close()
    _report(done, settings, skipped=now)


def _report(done: Reset, settings: Settings, *, skipped: bool) -> None:
    """Say what was stored and what happens next."""
    name = done.connector
    ago = _ago(datetime.now(UTC) - done.since)
    out.print(
        f"{name}: poll cursor reset; polls go on from {done.since:%Y-%m-%dT%H:%M:%SZ} ({ago})",
        highlight=False,
    )
    was = "none" if done.previous is None else excerpt(done.previous)
    out.print(f"  previous cursor: {was}", markup=False, highlight=False)
    every = settings.connector(name).poll_interval
    out.print(
        f"  A running syncd polls {name} from there on its next cycle (every {every:g} s); its "
        "/readyz recovers once that poll succeeds. Changes syncd already took in may come "
        "again: they are recognised, not written twice.",
        highlight=False,
    )
    if skipped:
        err.print(
            f"[yellow]warning[/] changes to {name} between its last good cursor and now are "
            "skipped: run `syncd reconcile` to compare every open link with both sides",
            highlight=False,
        )


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 90:
        return "now" if seconds < 1 else f"{seconds} s ago"
    minutes = seconds // 60
    if minutes < 180:
        return f"{minutes} min ago"
    hours = minutes // 60
    return f"{hours} h ago" if hours < 72 else f"{hours // 24} days ago"


def unreadable_cursors(service: Service) -> tuple[datetime, dict[str, CursorError]]:
    """For ``syncd reconcile``, before it compares: now, and the cursors polls cannot read."""
    from syncd.engine.cursor_reset import unreadable

    started = datetime.now(UTC)
    found = unreadable(service.store, dict(service.connectors))
    for exc in found.values():
        out.print(f"[yellow]unreadable[/] {escape(str(exc))}", highlight=False)
    return started, found


def replace_unreadable(service: Service, found: dict[str, CursorError], started: datetime) -> bool:
    """For ``syncd reconcile``, once it compared every open link: polls go on from when it
    began. False if a cursor could not be made."""
    from syncd.engine.cursor_reset import reset

    ok = True
    for name in found:
        try:
            reset(service.store, name, service.connectors[name], started, via="reconcile")
        except RemoteError as exc:
            message = f"{name}: the unreadable poll cursor stays: {exc}"
            err.print(f"[bold red]error[/] {escape(message)}", highlight=False)
            ok = False
            continue
        out.print(
            f"{name}: unreadable poll cursor replaced; polls go on from "
            f"{started:%Y-%m-%dT%H:%M:%SZ}. Open links were compared above; tickets and issues "
            f"not linked yet that changed before then are not brought in (`syncd cursor reset "
            f"{name} --since <time>` does that)",
            highlight=False,
            markup=False,
        )
    return ok
