"""What every ``syncd`` command shares: the consoles, the ``--config`` option, and settings
loaded with every problem printed (file, key path, reason) before exiting 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from syncd.errors import ConfigError
from syncd.settings import Settings, load

out = Console(soft_wrap=True, emoji=False, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True, emoji=False)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", envvar="SYNCD_CONFIG", help="YAML config file.")
]


def print_problems(exc: ConfigError) -> None:
    for file, key, msg in exc.problems:
        err.print(f"[bold red]error[/] {file}: [bold]{key}[/]: {msg}")


def settings_or_exit(path: Path | None) -> Settings:
    """The settings of ``path`` (or the environment); on a broken config, its problems and
    exit code 2."""
    try:
        return load(path)
    except ConfigError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None
