"""Figure 3: how fast a backlog of inbox rows drains, on SQLite and on PostgreSQL.

Developer comments on linked issues (each owes one internal note on its ticket) are written
to the inbox of the running daemon in one transaction. Two rates, both timed from that
commit: rows taken out of the inbox (worker: diff, plan, outbox) and actions performed
(runner: the notes written to the Zendesk emulator).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from connectors.github.mapping import comment_from_raw, parse_issue_key
from syncd.model import Change, ChangeKind
from syncd.store.repository import Store
from tests.bench import scenario
from tests.bench.harness import Figure, Scale, verdict

PG_ADMIN_URL = os.environ.get("SYNCD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new PostgreSQL database for one run, dropped afterwards."""
    name = f"syncd_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def backlog(world: scenario.World, count: int) -> list[Change]:
    """``count`` developer comments, made in the GitHub emulator with its webhooks off (the
    backlog is what the daemon would have received while it was busy or down)."""
    side = world.sb.sides[world.sb.tracker_kind]
    emu, actor = side.emulator, side.actor
    emu.control.webhooks.configure(None)
    changes = []
    for n in range(count):
        _, issue = world.pairs[n % len(world.pairs)]
        repo, number = parse_issue_key(issue.key)
        cid = emu.comment_as(actor.login, repo, number, f"Backlog note {n}.")
        raw = next(c for c in reversed(emu.comments(repo, number)) if c["id"] == cid)
        comment = comment_from_raw(actor._public(raw), actor.rules, repo)
        changes.append(
            Change(
                kind=ChangeKind.COMMENT,
                ref=issue,
                comment=comment,
                source="webhook",
                at=comment.updated_at,
            )
        )
    return changes


def drain(scale: Scale, url: str | None, label: str) -> dict[str, float]:
    """One drain on one store; rates in rows per second."""
    folder = Path(tempfile.mkdtemp(prefix=f"syncd-bench-drain-{label}-"))
    world = scenario.start(folder, webhooks=True, links=scale.drain_links, store_url=url)
    try:
        world.sb.sides[world.sb.helpdesk_kind].emulator.control.webhooks.configure(None)
        changes = backlog(world, scale.drain_backlog)
        before = world.peek.depth()
        store = Store.open(world.peek.url, migrate=False)
        with store.tx() as tx:  # the whole backlog appears at once, the daemon running
            store.enqueue(tx, changes)
        t0 = time.perf_counter()
        store.close()
        inbox_empty = all_done = None
        target_done = before["done"] + scale.drain_backlog
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and all_done is None:
            depth = world.peek.depth()
            now = time.perf_counter() - t0
            if inbox_empty is None and depth["inbox"] == 0:
                inbox_empty = now
            if depth["done"] + depth["dead"] >= target_done and depth["outbox"] == 0:
                all_done = now
            time.sleep(0.05)
        final = world.peek.depth()
    finally:
        world.stop()
    taken = performed = scale.drain_backlog
    return {
        "inbox_rate": taken / inbox_empty if inbox_empty else 0.0,
        "action_rate": performed / all_done if all_done else 0.0,
        "inbox_seconds": inbox_empty or 0.0,
        "action_seconds": all_done or 0.0,
        "dead": float(final["dead"]),
    }


def run(scale: Scale, out: list[Figure]) -> None:
    """Drain on SQLite, then on PostgreSQL when the scale asks for it."""
    stores: list[tuple[str, str | None]] = [("SQLite", None)]
    if scale.drain_postgres:
        stores.append(("PostgreSQL", "pg"))
    for label, which in stores:
        if which == "pg":
            with fresh_postgres() as pg:
                res = drain(scale, pg, "pg")
        else:
            res = drain(scale, None, "sqlite")
        note = (
            f"{scale.drain_backlog} comments over {scale.drain_links} links; "
            f"inbox empty after {res['inbox_seconds']:.1f} s, "
            f"all written after {res['action_seconds']:.1f} s"
        )
        target = "all >= 300/s" if label == "SQLite" else ""
        out.append(
            Figure(
                "3",
                f"backlog drained from inbox, {label}",
                res["inbox_rate"],
                "changes/s",
                None,
                ">= 300/s" if label == "SQLite" else "",
                verdict(res["inbox_rate"], 300.0, below=False) if label == "SQLite" else None,
                note,
                extra=res,
            )
        )
        out.append(
            Figure(
                "3",
                f"backlog synced (written remotely), {label}",
                res["action_rate"],
                "changes/s",
                None,
                target if label == "SQLite" else "",
                verdict(res["action_rate"], 300.0, below=False) if label == "SQLite" else None,
                note,
            )
        )
