"""The ``syncd`` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import structlog
import typer
from rich.markup import escape

from syncd import logs, registry
from syncd.cluster_cli import cluster_app
from syncd.connectors_cli import connectors_app
from syncd.console import ConfigOpt, err, out, print_problems, settings_or_exit
from syncd.cursor_cli import cursor_app
from syncd.errors import ConfigError
from syncd.health_cli import health
from syncd.reload_cli import reload
from syncd.settings import load
from syncd.store_cli import links, replay
from syncd.workflow_cli import routes_app, templates_app

app = typer.Typer(
    help="syncd: the bridge between support helpdesks and developer trackers.",
    no_args_is_help=True,
    add_completion=False,
)
config_app = typer.Typer(help="Configuration commands.", no_args_is_help=True)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(routes_app, name="routes")
app.add_typer(templates_app, name="templates")
app.command()(links)
app.command()(replay)
app.command()(health)
app.command()(reload)
app.add_typer(cursor_app, name="cursor")
app.add_typer(cluster_app, name="cluster")
app.add_typer(connectors_app, name="connectors")


@config_app.command("check")
def config_check(
    path: Annotated[Path, typer.Argument(help="The YAML config file to check.")],
    strict: Annotated[
        bool, typer.Option(help="Refuse warnings too (a secret written in the file).")
    ] = False,
    live: Annotated[
        bool,
        typer.Option(
            help="Then check against the live systems what the config names there (projects, "
            "mapped fields and their values, webhooks), as `syncd connectors test` does."
        ),
    ] = False,
) -> None:
    """Validate a config file as `syncd run` would: every problem with its file, key path
    and reason, all in one pass (exit 2); warnings (exit 0, or 2 with --strict). With
    --live, then reach each connector (exit 1 when something it needs is missing there)."""
    try:
        settings = load(path)
    except ConfigError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None
    for file, key, msg in settings.warnings:
        err.print(f"[bold yellow]warning[/] {file}: [bold]{key}[/]: {msg}")
    if strict and settings.warnings:
        raise typer.Exit(2)
    out.print(
        f"[green]ok[/] {path}: {len(settings.connectors)} connectors, {len(settings.routes)} routes"
        + (f", {len(settings.warnings)} warnings" if settings.warnings else "")
    )
    if live and settings.connectors:
        from syncd.connectors_cli import live_check

        logs.configure("console", "critical")  # findings only, never a connector's traceback
        raise typer.Exit(live_check(settings, list(settings.connectors)))


@db_app.command("upgrade")
def db_upgrade(
    config: ConfigOpt = None, url: Annotated[str | None, typer.Option(help="Database URL.")] = None
) -> None:
    """Apply database migrations."""
    from syncd.store import db

    target = url or settings_or_exit(config, secrets=False).store.url
    engine = db.make_engine(target)
    db.upgrade(engine)
    rev, head = db.current(engine)
    out.print(f"database at revision {rev} (head {head})")


@app.command()
def run(
    config: ConfigOpt = None,
    once: Annotated[
        bool,
        typer.Option(
            help="One poll-and-drain cycle, then exit (1 if a poll cursor is unreadable)."
        ),
    ] = False,
    host: Annotated[
        str | None, typer.Option(help="Address to serve on (default: settings).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to serve on (default: settings).")] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Plan and print every write, make none; poll only, on a copy of the store.",
        ),
    ] = False,
) -> None:
    """Run the service: webhooks, polling, processing. SIGTERM stops it cleanly."""
    settings = settings_or_exit(config)
    if dry_run:
        logs.configure(settings.log.format, "warning")
        from syncd.dry_cli import dry_run as run_dry

        run_dry(settings, once=once)
        return
    logs.configure(settings.log.format, settings.log.level)
    from syncd.daemon.service import Service

    for file, key, msg in settings.warnings:
        log = structlog.get_logger("syncd.config")
        log.warning("config.warning", file=file, key=key, reason=msg)
    try:
        service = Service(settings)
    except ConfigError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None
    if once:
        finished = service.run_once()
        status = service.status()
        out.print(json.dumps({"actions_finished": finished, **status}, default=str))
        failing = service.health.unhealthy()
        service.stop(grace=0)
        for name, reason in failing.items():
            err.print(f"[bold red]error[/] {name}: {escape(reason)}", highlight=False)
        if failing:
            raise typer.Exit(1)  # a connector could not be reached, or waits for an operator
        return
    from syncd.daemon.app import serve

    serve(service, host or settings.server.host, port or settings.server.port)


@app.command()
def reconcile(
    config: ConfigOpt = None,
    drain: Annotated[
        bool, typer.Option(help="Apply the repairs now; --no-drain leaves them to the daemon.")
    ] = True,
) -> None:
    """Compare every open link with both sides and repair what drifted; a poll cursor that
    cannot be read is then replaced by one from the start of the comparison."""
    from rich.progress import Progress

    from syncd.cursor_cli import replace_unreadable, unreadable_cursors
    from syncd.daemon.service import Service
    from syncd.engine import reconcile as rec

    settings = settings_or_exit(config)
    logs.configure(settings.log.format, "warning")
    service = Service(settings)
    started, unreadable = unreadable_cursors(service)
    total = sum(1 for r in service.store.all_links(10_000_000) if r.state in rec.OPEN_STATES)
    with Progress(console=err, transient=False) as progress:
        task = progress.add_task("comparing links with both sides", total=total)
        report = rec.scan(service.store, service.connectors, advance=lambda: progress.advance(task))
    for drift in report.drift:
        out.print(f"drift {drift.describe()}")
    for skipped in report.skipped:
        out.print(f"[yellow]skipped[/] {skipped} (a failed read is not absence)")
    queued = rec.repair(service.store, report)
    done = service.drain() if drain and queued else 0
    out.print(
        f"{report.links} open links checked: {len(report.drift)} drifted, "
        f"{queued} changes queued, {done} repairs made, {len(report.skipped)} skipped"
    )
    replaced = replace_unreadable(service, unreadable, started)
    service.stop(grace=0)
    if not replaced:
        raise typer.Exit(1)


@app.command()
def emulate(
    kind: Annotated[str, typer.Argument(help="The vendor: a connector kind (syncd registry).")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free).")] = 0,
    webhook_url: Annotated[
        str | None, typer.Option(help="Where the emulator sends its webhooks.")
    ] = None,
    webhook_secret: Annotated[
        str | None, typer.Option(help="The secret it signs its webhooks with.")
    ] = None,
    flavour: Annotated[
        str | None, typer.Option(help="The vendor's flavour, for those that have several.")
    ] = None,
    project: Annotated[
        list[str] | None, typer.Option(help="Trackers: repositories/projects to create.")
    ] = None,
) -> None:
    """Run one vendor emulator on 127.0.0.1, with the credentials it accepts printed."""
    import uvicorn

    from syncd.testing.server import free_port

    spec = registry.spec(kind)
    kit = spec.emulator_kit
    if kit is None:
        err.print(f"connector {kind} has no emulator")
        raise typer.Exit(2)
    kwargs: dict[str, object] = {"webhook_url": webhook_url, "webhook_secret": webhook_secret}
    if flavour:
        kwargs["flavour"] = flavour
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    emu = kit.build(**kwargs)
    actor = kit.actor(emu, kind, url)
    for name in project or spec.demo_projects:
        actor.ensure_project(name)
    out.print(f"{kind} emulator on {url}")
    out.print(f"credentials: {json.dumps(getattr(actor, 'credentials', {}))}")
    out.print(f"syncd connector settings: {json.dumps(kit.config(url, webhook_secret))}")
    uvicorn.run(emu.app, host="127.0.0.1", port=port, log_level="warning")


@app.command()
def demo(
    scripted: Annotated[bool, typer.Option(help="Play one story and exit 0/1.")] = False,
    info_file: Annotated[Path | None, typer.Option(help="Write URLs and secrets here.")] = None,
    port: Annotated[int, typer.Option(help="Daemon port (0: any free).")] = 0,
    loopback: Annotated[
        bool,
        typer.Option(help="Emulators answer at once, without the vendors' limits."),
    ] = False,
) -> None:
    """Run syncd against built-in emulators, with a demo config and an SQLite store. The
    emulators answer with the vendors' latency and limits unless --loopback."""
    from syncd.demo.run import main as demo_main

    logs.configure("console", "warning")
    sys.exit(
        demo_main(scripted=scripted, info_file=info_file, port=port, console=out, loopback=loopback)
    )


if __name__ == "__main__":
    app()
