"""The worker: takes inbox rows in order per ref, finds what really changed, asks the planner
for actions and writes them to the outbox, all in one transaction per change."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
import structlog
from pydantic import ValidationError

from syncd import metrics
from syncd.connector import Connector
from syncd.engine import ownership
from syncd.engine.actions import Action
from syncd.engine.health import Health
from syncd.engine.planner import Rules, Situation, plan
from syncd.engine.reads import Reads, Taken
from syncd.engine.situations import comment_situation, link_view, siblings, snapshot_situation
from syncd.model import Change, ChangeKind, Ref, RefKind
from syncd.ratelimit import Budget
from syncd.store import outbox
from syncd.store.repository import LinkRow, Store, Tx

log = structlog.get_logger("syncd.worker")
# seconds before a change held for a link is looked at again, should nothing wake it first
# (the runner wakes it in the transaction that makes the link)
HOLD_RECHECK = 10.0


class Worker(Reads):
    """Processes the inbox."""

    def __init__(
        self,
        store: Store,
        connectors: Mapping[str, Connector],
        rules: Rules,
        *,
        backoff_cap: float = 300.0,
        health: Health | None = None,
        max_attempts: int = 12,
        budgets: Mapping[str, Budget] | None = None,
        lanes: int = 4,
    ) -> None:
        self.store = store
        self.connectors = connectors
        self.rules = rules
        self.backoff_cap = backoff_cap
        self.max_attempts = max_attempts  # a change failing this often is set aside
        self.budgets = budgets or {}  # connector -> rate budget, for the reads it makes
        self.health = health or Health(list(connectors))
        self.processed = 0
        self.planned = 0  # actions written to the outbox, counted as they commit
        self.more = False  # whether the last claim stopped at its limit: more may be due
        self._planned: list[Action] = []  # logged once their transaction has committed
        self.lanes = lanes  # remote reads of different refs made side by side, at most
        self._read_pool: ThreadPoolExecutor | None = None

    def drain(self, limit: int = 100, *, peek: bool = True) -> int:
        """Process up to ``limit`` due rows; return how many were handled.

        The common case is one transaction for the whole batch: claim the rows, diff, plan,
        write the outbox and shadows, delete the rows. A change that needs a remote read (a
        TOUCHED change, a partial snapshot with nothing to complete it from) and the later
        changes of its ref stay claimed and go one by one after that commit, the read made
        outside any transaction. Should the batch fail (a defect), it is rolled back and
        done one by one, so only the failing change, and its ref's later ones, wait.

        With ``peek`` (the default) it first asks, without the write lock, whether any row is
        due; a caller that knows rows were just written skips that."""
        if peek and not self.store.inbox_due():
            return 0  # asked without the write lock: an idle wake costs writers nothing
        try:
            with self.store.tx() as tx:
                applied, slow = self._together(tx, limit)
            self._committed()
        except Exception:
            self._planned.clear()
            log.warning("worker.batch_failed", retry="one by one")
            with self.store.tx() as tx:
                applied, slow = [], self._claim(tx, limit)
        applied += self._one_by_one(slow)
        for row, change in applied:
            metrics.CHANGES.labels(row.connector).inc()
            metrics.observe_lag(row.connector, change.at or row.received_at)
        self.processed += len(applied)
        return len(applied)

    def _claim(self, tx: Tx, limit: int) -> list[Taken]:
        due = self.store.next_inbox(tx, limit)
        self.more = due.full
        rows, back = self.store.take_inbox(tx, due)
        self.store.release_inbox(tx, back)
        taken: list[Taken] = []
        for row in rows:
            try:
                taken.append((row, Change.model_validate(row.change)))
            except ValidationError as exc:
                # a row this version cannot read (written by another, or damaged): set aside
                # with why, never retried in a loop that holds up every other change
                why = f"unreadable change: {exc.errors(include_url=False)[0]['msg']}"
                self.store.dead_change(tx, row, why)
                log.error("change.unreadable", ref=row.ref, reason=why)
        return taken

    def _together(self, tx: Tx, limit: int) -> tuple[list[Taken], list[Taken]]:
        """Claim and apply in ``tx``; return (applied, claimed but left for one by one)."""
        applied: list[Taken] = []
        slow: list[Taken] = []
        reading: set[str] = set()  # refs with a change that reads first: the rest wait for it
        waiting: dict[str, list[int]] = {}  # refs whose link is being made: rows held back
        for row, change in self._claim(tx, limit):
            if row.ref in waiting:
                waiting[row.ref].append(row.id)
                continue
            if row.ref not in reading and change.partial and change.kind == ChangeKind.UPSERT:
                change = self._complete(tx, change)
            if row.ref not in reading and self._tied(tx, change):
                # as new as what syncd holds, yet not the same: read it again (see _tied)
                change = Change(kind=ChangeKind.TOUCHED, ref=change.ref, source=change.source)
            if row.ref in reading or change.kind == ChangeKind.TOUCHED:
                reading.add(row.ref)
                slow.append((row, change))
                continue
            links = self._links(tx, change.ref)
            why = self._waits(tx, change.ref, links)
            if why is not None:
                waiting[row.ref] = [row.id]
                self._hold(tx, row, why)
                continue
            self._process(tx, change, seq=row.id, rows=links)
            applied.append((row, change))
        for ids in waiting.values():
            self.store.release_inbox(tx, ids[1:])  # due, but behind the held row of their ref
        self.store.finish_inbox(tx, *(row.id for row, _ in applied))  # one execution
        return applied, slow

    def _one_by_one(self, taken: list[Taken]) -> list[Taken]:
        """Claimed rows in order, each read (if it must be) and applied on its own; a failure
        holds back its ref's later rows, which go back to the queue."""
        done: list[Taken] = []
        failed: set[str] = set()
        ahead = self._read_ahead(taken)
        for row, change in taken:
            if row.ref in failed:
                with self.store.tx() as tx:
                    self.store.release_inbox(tx, [row.id])
                continue
            read = ahead.pop if row.id in ahead else None
            expanded = read(row.id) if read else self._expand_or_retry(row, change)
            if expanded is None:
                failed.add(row.ref)
                continue
            try:
                with self.store.tx() as tx:
                    links = self._links(tx, change.ref)
                    why = self._waits(tx, change.ref, links)
                    if why is not None:
                        self._hold(tx, row, why)
                    else:
                        for ch in expanded:
                            self._process(tx, ch, seq=row.id)
                        self.store.finish_inbox(tx, row.id)
                self._committed()
                if why is not None:
                    failed.add(row.ref)  # its later rows wait behind it
                    continue
            except Exception as exc:  # a defect must not stop the queue: park the row, say so
                self._planned.clear()
                log.exception("change.failed", ref=row.ref, attempts=row.attempts + 1)
                with self.store.tx() as tx:
                    if row.attempts + 1 >= self.max_attempts:
                        # set aside, so its ref's later changes go on; syncd replay brings it
                        self.store.dead_change(tx, row, f"{type(exc).__name__}: {exc}")
                        log.error("change.dead", ref=row.ref, attempts=row.attempts + 1)
                    else:
                        failed.add(row.ref)
                        self.store.retry_inbox(tx, row.id, repr(exc), self._backoff(row))
                continue
            done.append((row, change))
        return done

    def _waits(self, tx: Tx, ref: Ref, links: list[LinkRow]) -> str | None:
        """Why a change of ``ref`` must wait (None: it need not): for its link being made
        (:meth:`_link_coming`), or, on a linked ticket, for its link's new state: an action
        that moves the link (a solve when the issue is done) is running, and a change made
        meanwhile (the customer reopening the ticket) means something only under the state
        the record will give. Recording it wakes the change."""
        if not links:
            return self._link_coming(tx, ref)
        if ref.kind == RefKind.TICKET and outbox.moving_link(tx, str(ref)):
            return "waits for its link's new state to be recorded"
        return None

    def _link_coming(self, tx: Tx, ref: Ref) -> str | None:
        """Why a change of ``ref``, which has no link, must wait for the link being made
        (None: it need not). A ticket whose escalation is planned waits until its issue is
        linked, so a reply or note made meanwhile is copied like any later one; an issue on a
        tracker where a create was tried and not recorded may be that create's issue."""
        if ref.kind == RefKind.TICKET:
            state = outbox.escalating(tx, str(ref))
            if state is None:
                return None
            if state == "dead":
                return "waits for its escalation, in dead letters: syncd replay"
            return "waits for its escalation's link"
        if ref.kind == RefKind.ISSUE and outbox.creating(tx, ref.connector):
            return "waits for the issue being created on its tracker"
        return None

    def _hold(self, tx: Tx, row: sa.Row[Any], why: str) -> None:
        """Put ``row`` back until the link is made (which wakes it) or ``HOLD_RECHECK``."""
        if row.last_error != why:  # said once per row, not at every look
            log.info("change.waits", ref=row.ref, reason=why)
        self.store.hold_inbox(tx, [row.id], why, HOLD_RECHECK)

    def _process(
        self, tx: Tx, change: Change, seq: int = 0, rows: list[LinkRow] | None = None
    ) -> None:
        rows = self._links(tx, change.ref) if rows is None else rows
        if change.kind in (ChangeKind.COMMENT, ChangeKind.COMMENT_DELETED):
            situation = comment_situation(self.store, tx, change, rows)
        elif change.kind == ChangeKind.UPSERT:
            situation = snapshot_situation(self.store, tx, self.rules, change, rows)
        else:
            situation = Situation(change=change)
        if situation is None:
            return
        situation = replace(
            situation,
            links=tuple(link_view(self.store, tx, r) for r in rows),
            siblings=siblings(self.store, tx, change, situation, rows),
            seq=seq,
        )
        actions = plan(situation, self.rules)
        actions = self._owned(tx, change, rows, actions)
        if actions:
            outbox.add(tx, [a.row() for a in actions])
            self._planned.extend(actions)

    def _committed(self) -> None:
        """Log the actions planned in the transaction that just committed: after it, so the
        writers' lock is not held while the lines are written (and a rollback logs none)."""
        self.planned += len(self._planned)
        for a in self._planned:
            log.info("action.planned", kind=a.kind.value, key=a.key, lane=a.lane)
        self._planned.clear()

    def _owned(
        self, tx: Tx, change: Change, rows: list[LinkRow], actions: list[Action]
    ) -> list[Action]:
        """Per-field ownership: the non-owner's value never crosses; its loss is audited."""
        if not rows or not actions:
            return actions
        route = self.rules.route(rows[0].route)
        source: ownership.Side = "support" if change.ref.kind == RefKind.TICKET else "dev"
        kept, lost = ownership.resolve(actions, source, route.ownership if route else None)
        for o in lost:
            self.store.audit(
                tx,
                "conflict_overruled",
                link_id=rows[0].id,
                ticket_ref=rows[0].ticket_ref,
                issue_ref=rows[0].issue_ref,
                field=o.field,
                lost=o.value,
                owner=o.owner,
                key=o.key,
            )
        return kept
