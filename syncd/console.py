"""What every ``syncd`` command shares: the consoles, the ``--config`` option, and settings
loaded with every problem printed (file, key path, reason) before exiting 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url

from syncd.errors import ConfigError
from syncd.settings import Settings, load

if TYPE_CHECKING:
    from syncd.store.repository import Store

out = Console(soft_wrap=True, emoji=False, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True, emoji=False)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", envvar="SYNCD_CONFIG", help="YAML config file.")
]


def print_problems(exc: ConfigError) -> None:
    for file, key, msg in exc.problems:
        err.print(f"[bold red]error[/] {file}: [bold]{key}[/]: {msg}")


def settings_or_exit(path: Path | None, *, secrets: bool = True) -> Settings:
    """The settings of ``path`` (or the environment); on a broken config, its problems and
    exit code 2. A command that reaches no vendor passes ``secrets=False``: the secret
    files need not be readable where it runs."""
    try:
        return load(path, read_files=secrets)
    except ConfigError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error; the caller raises the returned exit."""
    err.print(f"[bold red]error[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def shown_url(settings: Settings) -> str:
    """The store's URL as it may be printed (no password)."""
    return make_url(settings.store.url).render_as_string(hide_password=True)


def existing_store(settings: Settings) -> Store | None:
    """The configured store if it exists and was set up; never creates one."""
    from syncd.store import db
    from syncd.store.repository import Store

    url = make_url(settings.store.url)
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        if path in ("", ":memory:") or not Path(path).is_file():
            return None
    store = Store(db.make_engine(settings.store.url))
    try:
        revision, _head = db.current(store.engine)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise fail(f"cannot open the store {shown_url(settings)}: {reason}", 1) from None
    return store if revision is not None else None


def store_or_exit(settings: Settings) -> Store:
    """The configured store for a command that reads it; a clear error (exit 2) when there
    is none yet, never a new empty one."""
    store = existing_store(settings)
    if store is None:
        where = settings.source or "the environment"
        raise fail(
            f"no store at {shown_url(settings)} (store.url from {where}): give the config "
            "syncd runs with (-c FILE or SYNCD_CONFIG), or start syncd once to create it"
        )
    return store
