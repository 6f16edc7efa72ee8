"""Fan-out in few requests: the same ticket update due for many tickets of one helpdesk goes
out as one batch write (:class:`~syncd.connector.BatchUpdates`), for the runner
(:class:`Batches` is mixed into it).

When an issue ends, every ticket linked to it is owed the same writes: the same status, the
same message, the same flag. The runner claims them as usual, one lane per ticket; before
the lanes run, the first actions of the lanes that carry an identical write (see
:func:`batch_key`) go to the helpdesk together, in requests of at most its
``batch_limit()`` tickets, run side by side. Each action is then recorded on its own, in
its own transaction, as if performed singly: done, or through the usual failure path
(retry, dead letter) with the error its ticket met. A lane goes on after its action like
any lane; a group of one is left to the single path.

Idempotency: each ticket's comment carries its own action's key. An action on its second
attempt or later may have been written by an earlier batch (a crash, a job whose end was not
seen): its ticket is looked at first (``find_comment``), and one whose comment is there goes
the single path, which writes only what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa
import structlog

from syncd import metrics
from syncd.connector import BatchResult, BatchUpdates, Capability, Connector, Pace
from syncd.engine.actions import Action, ActionKind
from syncd.engine.execute import Performed, perform
from syncd.engine.gate import may_redact
from syncd.engine.health import Health
from syncd.engine.record import Recorder, writes_fields
from syncd.errors import ConfigError, RemoteError
from syncd.model import TicketStatus
from syncd.ratelimit import Budget, Operation
from syncd.store import outbox
from syncd.store.queue import Due
from syncd.store.repository import Store, Tx

log = structlog.get_logger("syncd.runner")
Claimed = tuple[sa.Row[Any], int]  # an outbox row claimed by this runner, its attempt number
BatchKey = tuple[str, str | None, str | None, bool]
BATCH_CLAIM = 1000  # rows one claim may take when identical writes are due (see widen)


def batch_key(action: Action, connectors: Mapping[str, Connector]) -> BatchKey | None:
    """What an action writes, when it may share a batch write with others that write the
    same: (helpdesk, status, body, public). None: it goes alone (a write with tags, fields
    or priority, a status kept only over some, text the outgoing gate may change, or a
    helpdesk without ``BATCH_UPDATE``)."""
    a = action
    if a.kind != ActionKind.UPDATE_TICKET or not (a.status or a.body):
        return None
    if a.priority or a.add_tags or a.remove_tags or a.fields or a.status_over:
        return None
    conn = connectors.get(a.target.connector)
    if conn is None or Capability.BATCH_UPDATE not in conn.capabilities:
        return None
    if not isinstance(conn, BatchUpdates) or may_redact(a, connectors):
        return None
    return (a.target.connector, a.status, a.body, a.public)


class Batches:
    """Batch writes for the runner; the runner provides the attributes below."""

    store: Store
    connectors: Mapping[str, Connector]
    health: Health
    recorder: Recorder
    budgets: Mapping[str, Budget]
    performer: Callable[..., Performed]
    _lane_pool: Callable[[], ThreadPoolExecutor | None]
    _step: Callable[[sa.Row[Any], int], bool]
    _failed: Callable[[sa.Row[Any], Action, int, RemoteError | ConfigError], bool]

    def _batching(self) -> bool:
        # a dry run's performer shows each write instead: batches are the real writes only
        return self.performer is perform

    def _key_of(self, row: sa.Row[Any]) -> BatchKey | None:
        if row.kind != ActionKind.UPDATE_TICKET.value:
            return None
        return batch_key(Action.model_validate(row.action), self.connectors)

    def widen(self, tx: Tx, due: Due) -> Due:
        """``due``, and when it stopped at its limit with identical writes in it, the lanes
        beyond it whose due actions (up to their first other one) may join them: the
        fan-out to hundreds of tickets is claimed in one go, for few batch writes."""
        if not (due.full and self._batching()):
            return due
        keys = [k for k in map(self._key_of, due) if k is not None]
        if len(set(keys)) == len(keys):
            return due  # no two identical writes: nothing to batch
        wider = outbox.due(tx, BATCH_CLAIM)
        seen = {r.lane for r in due}
        stopped: set[str] = set()
        extra = []
        for row in wider:
            if row.lane in seen or row.lane in stopped:
                continue
            if self._key_of(row) in keys:
                extra.append(row)
            else:
                stopped.add(row.lane)
        out = Due([*due, *extra])
        out.full = wider.full
        return out

    def batched(self, lanes: dict[str, list[Claimed]]) -> int:
        """Perform, as batch writes, the first actions of ``lanes`` that write the same as
        another lane's, round after round; each lane goes on past its action when it ended
        and is emptied (the rest given back) when it did not. Returns actions ended."""
        if not self._batching():
            return 0
        finished = 0
        while True:
            groups: dict[BatchKey, list[str]] = {}
            for lane, items in lanes.items():
                key = self._key_of(items[0][0]) if items else None
                if key is not None:
                    groups.setdefault(key, []).append(lane)
            rounds = [names for names in groups.values() if len(names) > 1]
            if not rounds:
                return finished
            for names in rounds:
                ended = self._group([lanes[name][0] for name in names])
                for name, end in zip(names, ended, strict=True):
                    if end:
                        finished += 1
                        lanes[name].pop(0)
                        continue
                    rest = [r.id for r, _ in lanes[name][1:]]
                    if rest:
                        with self.store.tx() as tx:
                            outbox.release(tx, rest)
                    lanes[name] = []

    def _group(self, heads: list[Claimed]) -> list[bool]:
        """One group of identical writes: each action's end (True: done or dead)."""
        actions = [Action.model_validate(row.action) for row, _ in heads]
        conn = self.connectors[actions[0].target.connector]
        ended: dict[int, bool] = {}
        going: list[tuple[Claimed, Action]] = []
        for item, action in zip(heads, actions, strict=True):
            if item[1] > 1 and self._written_before(conn, action):
                ended[item[0].id] = self._step(*item)  # the single path writes what is left
            else:
                going.append((item, action))
        if len(going) == 1:  # the others were written before: this one goes alone too
            (item, _), *_ = going
            ended[item[0].id] = self._step(*item)
            going = []
        assert isinstance(conn, BatchUpdates)
        size = max(1, conn.batch_limit())
        chunks = [going[i : i + size] for i in range(0, len(going), size)]
        pool = self._lane_pool() if len(chunks) > 1 else None
        if pool is not None:
            others = [pool.submit(self._chunk, conn, c) for c in chunks[1:]]
            results = [self._chunk(conn, chunks[0]), *(f.result() for f in others)]
        else:
            results = [self._chunk(conn, c) for c in chunks]
        for result in results:
            ended.update(result)
        return [ended[row.id] for row, _ in heads]

    def _written_before(self, conn: Connector, action: Action) -> bool:
        """Whether an earlier attempt's comment is on the ticket (or the look failed: the
        single path then decides, looking again)."""
        if action.body is None:
            return False
        try:
            return conn.find_comment(action.target, action.key) is not None
        except RemoteError:
            return True

    def _chunk(self, conn: Connector, chunk: list[tuple[Claimed, Action]]) -> dict[int, bool]:
        """One batch request: spend the budget, note the values written, call, record."""
        if not chunk:
            return {}
        name = chunk[0][1].target.connector
        wait = self.health.held(name)
        why = "connector held (rate limit)"
        budget = self.budgets.get(name)
        if wait <= 0 and budget is not None:
            wait, limit = budget.take("update_tickets")
            why = f"waits for the {name} rate limit: {limit}"
        if wait > 0:
            with self.store.tx() as tx:
                for (row, _), _a in chunk:
                    outbox.hold(tx, row.id, why, wait)
            metrics.BUDGET_WAITS.labels(name).inc()
            return {row.id: False for (row, _), _a in chunk}
        with self.store.tx() as tx:
            for _, action in chunk:
                if writes_fields(action):
                    self.recorder.expect(tx, action)
        first = chunk[0][1]
        keys = {action.target: action.key for _, action in chunk}
        metrics.API_REQUESTS.labels(name, "update_tickets").inc()
        assert isinstance(conn, BatchUpdates)
        try:
            result = conn.update_tickets(
                keys,
                status=TicketStatus(first.status) if first.status else None,
                comment=first.body,
                public=first.public,
                pace=self._pacer(name),
            )
        except (RemoteError, ConfigError) as exc:
            return {row.id: self._failed(row, a, attempt, exc) for (row, attempt), a in chunk}
        log.info("batch.done", connector=name, tickets=len(keys), failed=len(result.failed))
        if result.done:
            said = conn.rate_budget()
            self.health.ok(name, said)
            if name in self.budgets:
                self.budgets[name].hold_until_reset(said.remaining, said.reset_at)
        return {row.id: self._end(row, attempt, a, result) for (row, attempt), a in chunk}

    def _pacer(self, name: str) -> Pace:
        """Spends each further request of a batch (a look at its job) from ``name``'s
        budget, or says how long until it may go."""
        budget = self.budgets.get(name)

        def pace(op: Operation) -> float:
            wait = budget.take(op).seconds if budget is not None else 0.0
            if wait > 0:
                metrics.BUDGET_WAITS.labels(name).inc()
            else:
                metrics.API_REQUESTS.labels(name, op).inc()
            return wait

        return pace

    def _end(self, row: sa.Row[Any], attempt: int, action: Action, result: BatchResult) -> bool:
        """Record one action of a batch as if it had been performed alone."""
        error = result.error(action.target)
        if error is not None:
            return self._failed(row, action, attempt, error)
        with self.store.tx() as tx:
            outbox.done(tx, row.id)
            self.recorder.record(tx, action, None, None)
        metrics.ACTIONS.labels(action.kind.value, "done").inc()
        log.info("action.done", kind=action.kind.value, key=action.key, attempt=attempt)
        return True
