"""``syncd health``: ask the service running on this host whether it is alive, or ready.

Meant for container health checks: it reads the same config file and ``SYNCD_SERVER__*``
variables as ``syncd run``, so it follows the port the service was configured with. It exits 0
or 1 only, a broken config included, since Docker reserves 2 in health checks.
"""

from __future__ import annotations

from typing import Annotated

import httpx
import typer

from syncd.console import ConfigOpt, err, out, print_problems
from syncd.errors import ConfigError
from syncd.settings import load

# addresses a service listens on that a client cannot connect to as such
_ANY_ADDRESS = {"", "0.0.0.0", "::"}


def probe_url(host: str, port: int, *, ready: bool = False) -> str:
    """The URL of ``/healthz`` (or ``/readyz``) of a service listening on ``host:port``."""
    if host in _ANY_ADDRESS:
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/{'readyz' if ready else 'healthz'}"


def health(
    config: ConfigOpt = None,
    ready: Annotated[
        bool,
        typer.Option(
            "--ready", help="Ask /readyz (store and connectors) instead of /healthz (alive)."
        ),
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the answer.")] = 5.0,
) -> None:
    """Exit 0 when the service on this host answers /healthz (or /readyz) with 200, else 1."""
    try:
        server = load(config, read_files=False).server  # it reaches no vendor
    except ConfigError as exc:  # 1, not 2 as elsewhere: health checks keep to 0 and 1
        print_problems(exc)
        raise typer.Exit(1) from None
    url = probe_url(server.host, server.port, ready=ready)
    try:
        # the service is local: no proxy from the environment may stand in between
        response = httpx.get(url, timeout=timeout, trust_env=False)
    except httpx.HTTPError as exc:
        err.print(f"{url}: no answer ({type(exc).__name__}: {exc})")
        raise typer.Exit(1) from None
    if response.status_code != 200:
        err.print(f"{url}: {response.status_code} {response.text[:500]}")
        raise typer.Exit(1)
    out.print(f"{url}: ok")
