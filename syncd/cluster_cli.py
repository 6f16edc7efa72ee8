"""``syncd cluster status``: the replicas serving the store, who leads each singleton role
and the claims each replica holds, read from the store (no replica need answer)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from syncd.console import ConfigOpt, out, settings_or_exit, store_or_exit

cluster_app = typer.Typer(help="Replicas on one store.", no_args_is_help=True)


@cluster_app.command("status")
def status(
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Replicas (alive or not), the leader of each role and the claims of each replica."""
    from syncd.store import cluster

    settings = settings_or_exit(config, secrets=False)
    store = store_or_exit(settings)
    c = settings.cluster
    try:
        with store.peek() as conn:
            snap = cluster.snapshot(conn, max(3 * c.heartbeat, c.leader_lease)).as_dict()
    finally:
        store.close()
    if as_json:
        print(json.dumps(snap, indent=2))
        return
    _print(snap)


def _print(snap: dict[str, Any]) -> None:
    if not snap["replicas"]:
        out.print("no replica has joined this store (SQLite: one process serves it)")
    replicas = Table("replica", "state", "host", "pid", "last seen", "changes", "actions")
    for r in snap["replicas"]:
        held = snap["claims"].get(r["id"], {})
        state = r["state"] if r["alive"] else f"{r['state']} (not seen)"
        replicas.add_row(
            escape(r["id"]),
            state,
            escape(str(r["host"])),
            str(r["pid"]),
            str(r["seen_at"])[:19].replace("T", " "),
            str(held.get("inbox", 0)),
            str(held.get("outbox", 0)),
        )
    out.print(replicas)
    leaders = Table("role", "leader", "token", "lease")
    for lead in snap["leaders"]:
        lease = f"until {str(lead['until'])[11:19]}" if lead["live"] else "lapsed"
        leaders.add_row(escape(lead["role"]), escape(lead["holder"]), str(lead["token"]), lease)
    out.print(leaders)
    orphans = {
        k: v for k, v in snap["claims"].items() if k not in {r["id"] for r in snap["replicas"]}
    }
    for holder, held in orphans.items():
        out.print(
            f"claims held by {escape(holder)}: {held['inbox']} changes, {held['outbox']} actions"
        )
