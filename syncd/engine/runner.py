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

import random
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa
import structlog
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from syncd.connector import Connector
from syncd.daemon import metrics
from syncd.engine.actions import Action, ActionKind
from syncd.engine.execute import WRITE_REFUSED, Result, perform
from syncd.engine.health import Health
from syncd.engine.planner import Rules
from syncd.engine.record import Recorder, writes_fields
from syncd.engine.worker import link_view
from syncd.errors import (
    AuthError,
    ConfigError,
    Forbidden,
    NotFound,
    PermanentError,
    RateLimited,
    ReadOnly,
    TransientError,
)
from syncd.model import RefKind
from syncd.store import outbox
from syncd.store.repository import Store

log = structlog.get_logger("syncd.runner")
QUICK_WAIT = 5.0  # a Retry-After up to this is waited out in place
Claimed = tuple[sa.Row[Any], int]  # an outbox row claimed by this runner, its attempt number


def _quick(exc: BaseException) -> bool:
    if isinstance(exc, RateLimited):
        return exc.retry_after <= QUICK_WAIT
    return isinstance(exc, TransientError)


def _wait(retry_state: Any) -> float:
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    if isinstance(exc, RateLimited):
        return float(exc.retry_after)
    return float(wait_exponential(multiplier=0.2, max=2.0)(retry_state))


class Runner:
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
        quick_attempts: int = 3,
        lanes: int = 4,
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
        self._pool: ThreadPoolExecutor | None = None
        self.done = 0
        self.more = False  # whether the last drain may have left actions due (see drain)
        self.recorder = Recorder(store, rules, gone_recheck=gone_recheck)

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
        with self.store.tx() as tx:
            due = outbox.due(tx, limit)
            mine, back = outbox.claim(tx, due)
            outbox.release(tx, back)
        lanes: dict[str, list[Claimed]] = {}
        for item in mine:
            lanes.setdefault(item[0].lane, []).append(item)
        work = list(lanes.values())
        if len(work) > 1 and self.lanes > 1:
            if self._pool is None:
                # the runner's own thread runs a lane too: lanes - 1 more threads
                self._pool = ThreadPoolExecutor(self.lanes - 1, thread_name_prefix="lane")
            # the first lane here, the others beside it: handing a lane to a thread and back
            # costs two thread switches, which a lane that needs no wait does not repay
            others = [self._pool.submit(self._lane, w) for w in work[1:]]
            finished = self._lane(work[0]) + sum(f.result() for f in others)
        else:
            finished = sum(self._lane(w) for w in work)
        self.done += finished
        # more may be due: the claim stopped at its limit, or the actions planned follow-ups
        self.more = due.full or self.recorder.queued != queued
        return finished

    def close(self, *, wait: bool = True) -> None:
        """Stop the lane threads, by default after the actions they are performing."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait)
            self._pool = None

    def _lane(self, items: list[Claimed]) -> int:
        finished = 0
        for n, (row, attempt) in enumerate(items):
            if not self._step(row, attempt):
                rest = [r.id for r, _ in items[n + 1 :]]
                if rest:
                    with self.store.tx() as tx:
                        outbox.release(tx, rest)
                break
            finished += 1
        return finished

    def _step(self, row: sa.Row[Any], attempt: int) -> bool:
        target = str(row.action.get("target", {}).get("connector", ""))
        wait = self.health.held(target)
        if wait > 0:
            # the vendor asked for quiet: move the action past the hold, spend no request
            with self.store.tx() as tx:
                outbox.retry(tx, row.id, "connector held (rate limit)", wait, uncount=True)
            return False
        return self._run(row, attempt)

    def _run(self, row: sa.Row[Any], attempt: int) -> bool:
        action = Action.model_validate(row.action)
        if writes_fields(action):
            with self.store.tx() as tx:
                self.recorder.expect(tx, action)
        name = action.target.connector
        try:
            result = self._call(action, attempt)
        except AuthError as exc:
            self.health.failed(name, f"credentials refused: {exc}", auth=True)
            return self._retry(row, action, attempt, str(exc), None)
        except RateLimited as exc:
            self.health.hold(name, exc.retry_after, str(exc))
            return self._retry(row, action, attempt, str(exc), exc.retry_after)
        except TransientError as exc:
            self.health.failed(name, str(exc))
            return self._retry(row, action, attempt, str(exc), None)
        except Forbidden as exc:
            if action.kind == ActionKind.VERIFY_ISSUE:
                # a 403 on a read is not proof of absence: read again later, never redirect
                return self._retry(row, action, attempt, str(exc), None)
            self.health.ok(name)
            return self._not_there(row, action, exc)
        except (NotFound, ReadOnly) as exc:
            self.health.ok(name)
            return self._not_there(row, action, exc)
        except (PermanentError, ConfigError) as exc:
            self._dead(row, action, f"{type(exc).__name__}: {exc}")
            return True
        self.health.ok(
            name, self.connectors[name].rate_budget() if name in self.connectors else None
        )
        with self.store.tx() as tx:
            outbox.done(tx, row.id)
            self.recorder.record(tx, action, result)
        metrics.ACTIONS.labels(action.kind.value, "done").inc()
        log.info("action.done", kind=action.kind.value, key=action.key, attempt=attempt)
        return True

    def _call(self, action: Action, attempt: int) -> Result:
        for trying in Retrying(
            stop=stop_after_attempt(self.quick_attempts),
            retry=retry_if_exception(_quick),
            wait=_wait,
            reraise=True,
        ):
            with trying:
                number = attempt + trying.retry_state.attempt_number - 1
                metrics.API_REQUESTS.labels(action.target.connector, action.kind.value).inc()
                return perform(action, self.connectors, number)
        raise AssertionError("unreachable")

    def _retry(
        self, row: sa.Row[Any], action: Action, attempt: int, error: str, retry_after: float | None
    ) -> bool:
        if attempt >= self.max_attempts:
            self._dead(row, action, f"gave up after {attempt} attempts: {error}")
            return True
        delay = (
            retry_after
            if retry_after is not None
            else min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        )
        delay *= 1.0 + random.random() * 0.1  # jitter keeps replicas from marching in step
        with self.store.tx() as tx:
            outbox.retry(tx, row.id, error, delay)
        metrics.RETRIES.labels(action.kind.value).inc()
        metrics.ACTIONS.labels(action.kind.value, "retry").inc()
        log.warning(
            "action.retry",
            kind=action.kind.value,
            key=action.key,
            attempt=attempt,
            retry_in=round(delay, 2),
            error=error,
        )
        return False

    def _dead(self, row: sa.Row[Any], action: Action, reason: str) -> None:
        with self.store.tx() as tx:
            outbox.dead(tx, row, reason)
            metrics.DEAD_LETTERS.labels(action.kind.value).inc()
            metrics.ACTIONS.labels(action.kind.value, "dead").inc()
            self.recorder.clear_expect(tx, action)
            self.store.audit(
                tx,
                "dead_letter",
                link_id=action.link_id,
                ticket_ref=action.lane,
                kind=action.kind.value,
                key=action.key,
                reason=reason,
            )
        log.error("action.dead", kind=action.kind.value, key=action.key, reason=reason)

    def _not_there(self, row: sa.Row[Any], action: Action, exc: Exception) -> bool:
        """404/403: a verify read counts the strike; on a write, dead-letter and verify."""
        if action.kind == ActionKind.VERIFY_ISSUE:
            with self.store.tx() as tx:
                outbox.done(tx, row.id)
                # a refused write keeps its reason, so the next read checks writability again
                kept = (action.reason or "").startswith(WRITE_REFUSED)
                why = action.reason or "" if kept else f"{type(exc).__name__}: {exc}"
                self.recorder.verified(tx, action, gone=True, reason=why)
            return True
        self._dead(row, action, f"{type(exc).__name__}: {exc}")
        if action.link_id is not None and action.target.kind != RefKind.TICKET:
            with self.store.tx() as tx:
                link = self.store.link(tx, action.link_id)
                if link is not None and link.state not in ("redirected", "redirecting"):
                    view = link_view(self.store, tx, link)
                    why = f"{WRITE_REFUSED}: {exc}" if isinstance(exc, Forbidden) else str(exc)
                    verify = Action(
                        kind=ActionKind.VERIFY_ISSUE,
                        key=f"verify:{link.id}:{link.gone_strikes}:{action.key}",
                        lane=link.ticket_ref,
                        target=view.issue,
                        link_id=link.id,
                        strike=link.gone_strikes,
                        reason=why,
                    )
                    outbox.add(tx, [verify.row()])
        return True
