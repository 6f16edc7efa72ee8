"""The runner: performs outbox actions and records their effects.

Per action: mark it running (committed, so a crash is seen as a retry), note the values it is
about to write (so their echoes are recognised even if they come back before the commit),
call the connector with a few quick retries (tenacity), then in one transaction record the
result: shadow, link, comment map, audit and follow-up actions.

Failures, by class: transient (5xx, timeout, 429) retry later with backoff, honouring
``Retry-After``; auth failures mark the connector unhealthy and retry later; permanent 4xx go
to dead letters; a 404/403 on an issue also asks for a read to confirm it is gone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import structlog
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from syncd import metrics
from syncd.connector import Connector
from syncd.engine.actions import Action, ActionKind
from syncd.engine.batch import Batches, Claimed
from syncd.engine.execute import Performed, perform
from syncd.engine.file_copy import FileDesk
from syncd.engine.gate import bound_for_tracker, carries_text
from syncd.engine.health import Health
from syncd.engine.outcomes import Outcomes
from syncd.engine.planner import Rules
from syncd.engine.record import Recorder, writes_fields
from syncd.engine.turns import Turns
from syncd.errors import (
    ConfigError,
    RateLimited,
    RemoteError,
    TransientError,
)
from syncd.ratelimit import Budget
from syncd.store import outbox
from syncd.store.files import ledger
from syncd.store.repository import Store, now, utc

log = structlog.get_logger("syncd.runner")
LINKING = (ActionKind.CREATE_ISSUE, ActionKind.LINK_ISSUE)  # actions whose result makes a link
QUICK_WAIT = 5.0  # a Retry-After up to this is waited out in place
WAITS_FOR_WORKER = "waits for the ticket's changes received before it"
AS_OF_NOW_WAIT = 0.2  # seconds: the worker takes in a ticket's waiting changes in less


def _quick(exc: BaseException) -> bool:
    if isinstance(exc, RateLimited):
        return exc.retry_after <= QUICK_WAIT
    return isinstance(exc, TransientError)


def _wait(retry_state: Any) -> float:
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    if isinstance(exc, RateLimited):
        return float(exc.retry_after)
    return float(wait_exponential(multiplier=0.2, max=2.0)(retry_state))


class Runner(Outcomes, Batches):
    """Drains the outbox."""

    def __init__(
        self,
        store: Store,
        connectors: Mapping[str, Connector],
        rules: Rules,
        health: Health,
        *,
        max_attempts: int = 12,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        gone_recheck: float = 60.0,
        catch_up: float = 3600.0,
        quick_attempts: int = 3,
        lanes: int = 4,
        on_linked: Callable[[], None] | None = None,
        performer: Callable[..., Performed] = perform,
        budgets: Mapping[str, Budget] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.connectors = connectors
        self.rules = rules
        self.health = health
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.quick_attempts = quick_attempts
        self.lanes = lanes
        # called once a link is committed: changes that waited for it are due in the inbox
        self.on_linked = on_linked
        self.performer = performer  # execute.perform; a dry run's shows writes instead
        self.budgets = budgets or {}  # connector -> its rate budget (syncd.ratelimit)
        self._pool: ThreadPoolExecutor | None = None
        self.turns = Turns(self.budgets)  # spends each action's cost, in the claim's order
        self.done = 0
        self.stopping = False  # set at stop: a lane's actions not begun go back to the queue
        self.more = False  # whether the last drain may have left actions due (see drain)
        self.recorder = Recorder(store, rules, gone_recheck=gone_recheck, catch_up=catch_up)
        # what a COPY_FILES action borrows: the policy and signer, the ledger, the clock
        self.files = FileDesk(rules, ledger(store), clock or (lambda: datetime.now(UTC)))

    def drain(self, limit: int = 50, *, peek: bool = True) -> int:
        """Run due actions; return how many reached an end (done or dead). Afterwards
        :attr:`more` says whether actions may be due that no one will announce.

        One transaction claims the batch: each action is marked running and its attempt
        counted, so a crash is seen as a retry. Lanes then run side by side on up to
        ``lanes`` threads, so one vendor's slow answer does not hold up other tickets; within
        a lane the actions run strictly in order, and a lane stops at its first action that
        does not finish (its later actions go back to the queue, their attempt uncounted).

        With ``peek`` (the default) it first asks, without the write lock, whether any action
        is due; a caller that knows actions were just planned skips that."""
        if peek:
            with self.store.peek() as conn:
                if not outbox.any_due(conn):
                    return 0  # asked without the write lock: an idle wake costs writers nothing
        queued = self.recorder.queued
        self.turns.new_round()
        with self.store.tx() as tx:
            due = self.widen(tx, outbox.due(tx, limit))
            mine, back = outbox.claim(tx, due, lease=self.store.lease, by=self.store.replica_id)
            outbox.release(tx, back)
        lanes: dict[str, list[Claimed]] = {}
        for item in mine:
            lanes.setdefault(item[0].lane, []).append(item)
        finished = self.batched(lanes)  # identical writes to many tickets: few requests
        work = [items for items in lanes.values() if items]
        pool = self._lane_pool() if len(work) > 1 else None
        if pool is not None:
            # the first lane here, the others beside it: handing a lane to a thread and back
            # costs two thread switches, which a lane that needs no wait does not repay
            others = [pool.submit(self._lane, w) for w in work[1:]]
            finished += self._lane(work[0]) + sum(f.result() for f in others)
        else:
            finished += sum(self._lane(w) for w in work)
        self.done += finished
        # more may be due: the claim stopped at its limit, or the actions planned follow-ups
        self.more = due.full or self.recorder.queued != queued
        return finished

    def _lane_pool(self) -> ThreadPoolExecutor | None:
        """The threads beside the runner's own (lanes - 1 of them); None with one lane."""
        if self.lanes > 1 and self._pool is None:
            self._pool = ThreadPoolExecutor(self.lanes - 1, thread_name_prefix="lane")
        return self._pool

    def close(self, *, wait: bool = True) -> None:
        """Stop the lane threads, by default after the actions they are performing."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait)
            self._pool = None

    def _lane(self, items: list[Claimed]) -> int:
        finished = 0
        for n, (row, attempt) in enumerate(items):
            # stopping: this action and the lane's later ones were not begun, they go back
            begun = not self.stopping
            if not begun or not self._step(row, attempt):
                rest = [r.id for r, _ in items[n if not begun else n + 1 :]]
                if rest:
                    with self.store.tx() as tx:
                        outbox.release(tx, rest)
                break
            finished += 1
        return finished

    def _step(self, row: sa.Row[Any], attempt: int) -> bool:
        target = str(row.action.get("target", {}).get("connector", ""))
        wait = self.health.held(target)
        why = "connector held (rate limit)"
        if wait <= 0:
            wait, limit = self.turns.spend(target, row)
            why = f"waits for the {target} rate limit: {limit}"
        if wait > 0:
            # move the action past the wait: no request spent, its attempt not counted
            with self.store.tx() as tx:
                outbox.hold(tx, row.id, why, wait)
            metrics.BUDGET_WAITS.labels(target).inc()
            return False
        return self._run(row, attempt)

    def _run(self, row: sa.Row[Any], attempt: int) -> bool:
        action = Action.model_validate(row.action)
        if action.status_over:
            fresh = self._as_of_now(row, action)
            if fresh is None:
                return False
            action = fresh
        if writes_fields(action):
            with self.store.tx() as tx:
                self.recorder.expect(tx, action)
        name = action.target.connector
        try:
            result = self._call(action, attempt)
        except (RemoteError, ConfigError) as exc:
            return self._failed(row, action, attempt, exc)
        said = self.connectors[name].rate_budget() if name in self.connectors else None
        self.health.ok(name, said)
        if said is not None and name in self.budgets:
            self.budgets[name].hold_until_reset(said.remaining, said.reset_at)
        with self.store.tx() as tx:
            outbox.done(tx, row.id)
            self.recorder.record(tx, action, result.result, result.redacted)
        metrics.ACTIONS.labels(action.kind.value, "done").inc()
        log.info("action.done", kind=action.kind.value, key=action.key, attempt=attempt)
        if self.on_linked is not None and action.kind in LINKING:
            self.on_linked()
        return True

    def _as_of_now(self, row: sa.Row[Any], action: Action) -> Action | None:
        """A status write that holds only while the ticket is as it was. The changes of the
        ticket received before the action was planned (those that waited for its link) are
        taken in first: until the worker has done so, None (the action waits a moment).
        Then the action as it stands, or without its status when a person changed it."""
        with self.store.tx() as tx:
            if self.store.inbox_due_for(tx, action.lane, utc(row.created_at) or now()):
                outbox.hold(tx, row.id, WAITS_FOR_WORKER, AS_OF_NOW_WAIT)
                return None
            seen = self.store.shadow(tx, str(action.target)).observed or {}
        if seen.get("status", action.status_over[0]) not in action.status_over:
            log.info("action.status_kept", key=action.key, status=seen.get("status"))
            return action.model_copy(update={"status": None})
        return action

    def _call(self, action: Action, attempt: int) -> Performed:
        privacy = self.rules.privacy_of(self._route_of(action))
        name = action.target.connector
        for trying in Retrying(
            stop=stop_after_attempt(self.quick_attempts),
            retry=retry_if_exception(_quick),
            wait=_wait,
            before_sleep=lambda state: self._hold_asked(name, state),
            reraise=True,
        ):
            with trying:
                number = attempt + trying.retry_state.attempt_number - 1
                metrics.API_REQUESTS.labels(action.target.connector, action.kind.value).inc()
                extra = {"files": self.files} if action.kind == ActionKind.COPY_FILES else {}
                return self.performer(action, self.connectors, number, privacy=privacy, **extra)
        raise AssertionError("unreachable")

    def _hold_asked(self, name: str, retry_state: Any) -> None:
        """A short ``Retry-After`` is waited out in place; the connector's other lanes wait
        with it instead of drawing more 429s meanwhile."""
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, RateLimited):
            self.health.hold(name, exc.retry_after, str(exc))
            if name in self.budgets:
                self.budgets[name].hold(exc.retry_after)

    def _route_of(self, action: Action) -> str | None:
        """The route whose privacy rules apply: the action's own, else its link's (read only
        for a write toward a tracker, where the gate needs them)."""
        if action.route or not bound_for_tracker(action, self.connectors):
            return action.route
        if not carries_text(action):
            return None  # a label or status update: nothing for the gate to decide
        with self.store.peek() as conn:
            if action.link_id is not None:
                link = self.store.link(conn, action.link_id)
            else:
                link = self.store.link_for_ticket(conn, action.lane)
        return link.route if link is not None else None
