"""``syncd links`` and ``syncd replay``: what the store holds, for ops. Both read the store
the config names and never create one."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from syncd.console import ConfigOpt, fail, out, settings_or_exit, store_or_exit


def links(
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List links between tickets and issues."""
    store = store_or_exit(settings_or_exit(config, secrets=False))
    if as_json:
        for link in store.all_links(1_000_000):
            doc = {
                **link.__dict__,
                "created_at": link.created_at.isoformat(),
                "updated_at": link.updated_at.isoformat(),
            }
            print(json.dumps(doc))
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


def replay(
    config: ConfigOpt = None,
    list_only: Annotated[
        bool, typer.Option("--list", help="Only list the dead letters and their reasons.")
    ] = False,
    ids: Annotated[
        list[int] | None,
        typer.Option("--id", help="Only this dead letter (an id from --list); repeatable."),
    ] = None,
) -> None:
    """List dead letters, or send them back to the outbox to be tried again."""
    from syncd.store import outbox

    store = store_or_exit(settings_or_exit(config, secrets=False))
    with store.tx() as tx:
        rows = outbox.list_dead(tx)
        if list_only:
            table = Table("id", "kind", "key", "lane", "reason", "since")
            for r in rows:
                table.add_row(str(r.id), r.kind, r.key, r.lane, r.reason, str(r.created_at)[:19])
            out.print(table)
            return
        unknown = sorted(set(ids or ()) - {int(r.id) for r in rows})
        if unknown:
            listed = ", ".join(str(i) for i in unknown)
            why = f"no dead letter waiting with id {listed} (syncd replay --list shows them)"
            raise fail(why, 1)
        n = outbox.replay(tx, ids)
    out.print(f"{n} dead letters sent back to the outbox")
