"""``syncd reload``: ask the running service to load its config file again."""

from __future__ import annotations

import httpx
import typer
from rich.markup import escape

from syncd.console import ConfigOpt, err, fail, out, print_problems
from syncd.errors import ConfigError
from syncd.settings import load


def reload(config: ConfigOpt = None) -> None:
    """Make the running syncd load its config file again (as SIGHUP does): a file with
    problems is refused and the running config kept; say what changed and what waits for
    a restart."""
    try:
        settings = load(config, read_files=False)
    except ConfigError as exc:
        print_problems(exc)
        err.print("the running config is kept (nothing was sent to it)")
        raise typer.Exit(2) from None
    host = settings.server.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"  # the service listens everywhere: ask it on loopback
    url = f"http://{host}:{settings.server.port}/api/reload"
    headers = {}
    if settings.dashboard.token is not None:
        headers["Authorization"] = f"Bearer {settings.dashboard.token.get_secret_value()}"
    try:
        res = httpx.post(url, headers=headers, timeout=60)
    except httpx.HTTPError as exc:
        raise fail(f"cannot reach the running syncd at {url}: {exc}", 1) from None
    if res.status_code == 401:
        raise fail(f"{url} refused the request: give dashboard credentials", 1)
    body = res.json()
    for problem in body.get("problems", []):
        err.print(
            f"[bold red]error[/] {escape(problem['file'])}: [bold]{escape(problem['key'])}[/]: "
            f"{escape(problem['message'])}"
        )
    if not body.get("ok"):
        err.print("the running config is kept")
        raise fail("reload refused", 2)
    applied = ", ".join(body["applied"]) or "nothing changed"
    out.print(f"[green]reloaded[/]: {applied}")
    if body["restart_needed"]:
        out.print(f"[yellow]kept until a restart[/]: {', '.join(body['restart_needed'])}")
