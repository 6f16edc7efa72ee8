"""The ``syncd`` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from syncd import logs, registry
from syncd.connector import Role
from syncd.console import ConfigOpt, err, out, print_problems, settings_or_exit
from syncd.errors import ConfigError
from syncd.settings import load
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


@config_app.command("check")
def config_check(path: Path) -> None:
    """Validate a config file: every problem with its file, key path and reason (exit 2)."""
    try:
        settings = load(path)
    except ConfigError as exc:
        print_problems(exc)
        raise typer.Exit(2) from None
    out.print(
        f"[green]ok[/] {path}: {len(settings.connectors)} connectors, {len(settings.routes)} routes"
    )


@db_app.command("upgrade")
def db_upgrade(
    config: ConfigOpt = None, url: Annotated[str | None, typer.Option(help="Database URL.")] = None
) -> None:
    """Apply database migrations."""
    from syncd.store import db

    target = url or settings_or_exit(config).store.url
    engine = db.make_engine(target)
    db.upgrade(engine)
    rev, head = db.current(engine)
    out.print(f"database at revision {rev} (head {head})")


@app.command()
def run(
    config: ConfigOpt = None,
    once: Annotated[bool, typer.Option(help="One poll-and-drain cycle, then exit.")] = False,
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Run the service: webhooks, polling, processing. SIGTERM stops it cleanly."""
    settings = settings_or_exit(config)
    logs.configure(settings.log.format, settings.log.level)
    from syncd.daemon.service import Service

    service = Service(settings)
    if once:
        finished = service.run_once()
        out.print(json.dumps({"actions_finished": finished, **service.status()}, default=str))
        service.stop(grace=0)
        return
    from syncd.daemon.app import serve

    serve(service, host or settings.server.host, port or settings.server.port)


@app.command()
def links(
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List links between tickets and issues."""
    from syncd.store.repository import Store

    store = Store.open(settings_or_exit(config).store.url)
    if as_json:
        for link in store.all_links(1_000_000):
            print(
                json.dumps(
                    {
                        **link.__dict__,
                        "created_at": link.created_at.isoformat(),
                        "updated_at": link.updated_at.isoformat(),
                    }
                )
            )
        return
    table = Table("id", "ticket", "issue", "route", "mode", "state", "updated")
    for link in store.all_links(10_000):
        table.add_row(
            str(link.id),
            link.ticket_ref,
            link.issue_ref,
            link.route,
            link.mode,
            link.state,
            link.updated_at.strftime("%Y-%m-%d %H:%M"),
        )
    out.print(table)


@app.command()
def replay(
    config: ConfigOpt = None,
    list_only: Annotated[bool, typer.Option("--list", help="Only list them.")] = False,
    ids: Annotated[list[int] | None, typer.Option("--id", help="Only these.")] = None,
) -> None:
    """List dead letters, or send them back to the outbox to be tried again."""
    from syncd.store import outbox
    from syncd.store.repository import Store

    store = Store.open(settings_or_exit(config).store.url)
    with store.tx() as tx:
        rows = outbox.list_dead(tx)
        if list_only:
            table = Table("id", "kind", "key", "lane", "reason", "since")
            for r in rows:
                table.add_row(str(r.id), r.kind, r.key, r.lane, r.reason, str(r.created_at)[:19])
            out.print(table)
            return
        n = outbox.replay(tx, ids)
    out.print(f"{n} dead letters sent back to the outbox")


@app.command()
def reconcile(
    config: ConfigOpt = None,
    drain: Annotated[
        bool, typer.Option(help="Apply the repairs now; --no-drain leaves them to the daemon.")
    ] = True,
) -> None:
    """Compare every open link with both sides and repair what drifted."""
    from rich.progress import Progress

    from syncd.daemon.service import Service
    from syncd.engine import reconcile as rec

    settings = settings_or_exit(config)
    logs.configure(settings.log.format, "warning")
    service = Service(settings)
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
    service.stop(grace=0)


@app.command()
def emulate(
    kind: str,
    port: Annotated[int, typer.Option()] = 0,
    webhook_url: Annotated[str | None, typer.Option()] = None,
    webhook_secret: Annotated[str | None, typer.Option()] = None,
    flavour: Annotated[str | None, typer.Option(help="jira: cloud or datacenter")] = None,
    project: Annotated[
        list[str] | None, typer.Option(help="Trackers: repositories/projects to create.")
    ] = None,
) -> None:
    """Run one vendor emulator on 127.0.0.1, with the credentials it accepts printed."""
    import uvicorn

    from syncd.testing.server import free_port

    spec = registry.spec(kind)
    if spec.emulator is None:
        err.print(f"connector {kind} has no emulator")
        raise typer.Exit(2)
    kwargs: dict[str, object] = {"webhook_url": webhook_url, "webhook_secret": webhook_secret}
    if flavour:
        kwargs["flavour"] = flavour
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    if spec.emulator_kit is not None:
        emu = spec.emulator_kit.build(**kwargs)
        actor = spec.emulator_kit.actor(emu, kind, url)
        for name in project or ([] if spec.role == Role.HELPDESK else _DEFAULT_PROJECT[kind]):
            actor.ensure_project(name)
        out.print(f"{kind} emulator on {url}")
        out.print(f"credentials: {json.dumps(getattr(actor, 'credentials', {}))}")
        out.print(
            f"syncd connector settings: {json.dumps(spec.emulator_kit.config(url, webhook_secret))}"
        )
    else:
        emu = spec.emulator(**kwargs)
        out.print(f"{kind} emulator on {url}")
    uvicorn.run(emu.app, host="127.0.0.1", port=port, log_level="warning")


_DEFAULT_PROJECT = {"github": ["acme/widgets"], "jira": ["WID"]}


@app.command()
def demo(
    scripted: Annotated[bool, typer.Option(help="Play one story and exit 0/1.")] = False,
    info_file: Annotated[Path | None, typer.Option(help="Write URLs and secrets here.")] = None,
    port: Annotated[int, typer.Option(help="Daemon port (0: any free).")] = 0,
) -> None:
    """Run syncd against built-in emulators, with a demo config and an SQLite store."""
    from syncd.demo.run import main as demo_main

    logs.configure("console", "warning")
    sys.exit(demo_main(scripted=scripted, info_file=info_file, port=port, console=out))


if __name__ == "__main__":
    app()
