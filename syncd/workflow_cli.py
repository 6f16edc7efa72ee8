"""``syncd routes explain`` and ``syncd templates render``: admins check their workflow config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from syncd import registry
from syncd.connector import HelpdeskConnector
from syncd.console import ConfigOpt, err, fail, out, settings_or_exit
from syncd.engine.router import customer_tier, explain
from syncd.engine.rules import Rules, sla_preview
from syncd.errors import ConfigError, RemoteError
from syncd.model import Priority, Ref, Ticket
from syncd.settings import Settings
from syncd.template_sample import SAMPLE_TIME, sample
from syncd.templates import DEFAULTS, Templates

routes_app = typer.Typer(help="Route commands.", no_args_is_help=True)
templates_app = typer.Typer(help="Template commands.", no_args_is_help=True)


def ticket_ref(text: str, settings: Settings) -> Ref:
    """``helpdesk:123``, ``helpdesk:ticket:123``, or ``123`` when there is one helpdesk."""
    parts = text.split(":")
    if len(parts) == 3:
        return Ref.parse(text)
    if len(parts) == 2:
        return Ref.ticket(parts[0], parts[1])
    helpdesks = [
        n
        for n in settings.connectors
        if registry.spec(settings.connector(n).kind).role.value == "helpdesk"
    ]
    if len(helpdesks) != 1:
        raise typer.BadParameter(f"say which helpdesk: one of {helpdesks}, as NAME:{text}")
    return Ref.ticket(helpdesks[0], text)


def _read_ticket(ref: Ref, settings: Settings) -> Ticket:
    if ref.connector not in settings.connectors:
        raise typer.BadParameter(f"no connector named {ref.connector!r}")
    conf = settings.connector(ref.connector)
    conn = registry.spec(conf.kind).factory(ref.connector, conf, None)
    try:
        if not isinstance(conn, HelpdeskConnector):
            raise typer.BadParameter(f"{ref.connector} is not a helpdesk")
        return conn.get_ticket(ref)
    finally:
        conn.close()


def _ticket_from_file(path: Path, ref: Ref) -> Ticket:
    """A ticket described in a JSON file (its ``ref`` given); one clear line when not."""
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise fail(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise fail(f"{path}: a JSON object of ticket fields is expected (subject, tags, ...)")
    try:
        return Ticket.model_validate({**data, "ref": ref.model_dump()})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise fail(f"{path}: {where}: {first['msg']}") from None


@routes_app.command("explain")
def routes_explain(
    ticket: Annotated[str, typer.Argument(help="NAME:ID of the ticket (or ID)")],
    config: ConfigOpt = None,
    from_file: Annotated[
        Path | None, typer.Option("--from-file", help="read the ticket from a JSON file")
    ] = None,
) -> None:
    """Which route takes a ticket and why, or why none does."""
    settings = settings_or_exit(config, secrets=from_file is None)
    ref = ticket_ref(ticket, settings)
    if from_file is not None:
        t = _ticket_from_file(from_file, ref)
    else:
        try:
            t = _read_ticket(ref, settings)
        except (RemoteError, ConfigError) as exc:
            raise fail(f"cannot read {ref}: {exc}", 1) from None
    tiers = settings.tiers
    out.print(f"[bold]{ref}[/] {t.subject!r}")
    out.print(
        f"  tags={sorted(t.tags)} group={t.group!r} organization={t.organization!r} "
        f"priority={t.priority.value if t.priority else None!r} fields={t.fields}"
    )
    out.print(
        f"  support tier={tiers.of(t.group)!r} customer tier={customer_tier(t, tiers)!r} "
        f"status={t.status.value}"
    )
    verdicts = explain(t, settings.routes, tiers)
    for v in verdicts:
        mark = "[green]MATCH[/]" if v.matched else "[dim]no[/]   "
        out.print(f"  {mark} {v.route}: {v.reason}")
    if not verdicts or not verdicts[-1].matched:
        out.print("[yellow]no route takes this ticket[/]")
        raise typer.Exit(1)


@templates_app.command("render")
def templates_render(
    name: Annotated[str, typer.Argument(help=f"one of: {', '.join(sorted(DEFAULTS))}")],
    route: Annotated[str | None, typer.Option("--route", "-r", help="route name")] = None,
    config: ConfigOpt = None,
) -> None:
    """Preview a template with sample data (the route's overrides and settings applied)."""
    settings = settings_or_exit(config, secrets=False)
    if name not in DEFAULTS:
        err.print(f"[bold red]error[/] unknown template {name!r}; known: {sorted(DEFAULTS)}")
        raise typer.Exit(2)
    found = next((r for r in settings.routes if r.name == route), None)
    if route is not None and found is None:
        err.print(f"[bold red]error[/] no route named {route!r}")
        raise typer.Exit(2)
    templates = Templates(settings.templates)
    context = sample(found)
    if found is not None:  # the route's own SLA on its calendar, as its issues get it
        rules = Rules(
            routes=tuple(settings.routes),
            templates=templates,
            tiers=settings.tiers,
            calendars=settings.calendars,
        )
        asked = Priority(context["ticket"]["priority"])
        prio = found.priority_map.get(asked, asked)
        context["sla"] = sla_preview(found, prio, SAMPLE_TIME, rules)
    text = templates.render(name, found.templates if found else None, **context)
    out.print(text, markup=False, highlight=False)
