"""How a failed action ends, for the runner (:class:`Outcomes` is mixed into it): the one
error table (:func:`syncd.errors.resolve`) decides; here it is carried out. Transient
failures and refused credentials retry later with backoff (``Retry-After`` honoured, the
connector's budget held); permanent ones go to dead letters, and a move support asked for is
told to the agent; a 404/403 on an issue asks for a read that confirms it is gone.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
import structlog

from syncd import metrics
from syncd.engine.actions import Action, ActionKind
from syncd.engine.devside import plan_edit_refused
from syncd.engine.execute import WRITE_REFUSED
from syncd.engine.fieldplan import plan_field_refused
from syncd.engine.health import Health
from syncd.engine.planner import Rules, plan_refused
from syncd.engine.record import Recorder
from syncd.engine.situations import link_view
from syncd.engine.supportfields import plan_refused_for_support
from syncd.errors import ConfigError, Forbidden, RateLimited, RemoteError, Resolution, resolve
from syncd.model import RefKind
from syncd.ratelimit import Budget
from syncd.store import outbox
from syncd.store.repository import Store

log = structlog.get_logger("syncd.runner")


class Outcomes:
    """The ends of failed actions; the runner provides the attributes below."""

    store: Store
    rules: Rules
    health: Health
    recorder: Recorder
    budgets: Mapping[str, Budget]
    max_attempts: int
    backoff_base: float
    backoff_cap: float

    def _failed(
        self, row: sa.Row[Any], action: Action, attempt: int, exc: RemoteError | ConfigError
    ) -> bool:
        """What a failed action calls for (:func:`syncd.errors.resolve`); True when the
        action reached an end (dead-lettered, or its absence recorded)."""
        source = exc.connector if isinstance(exc, RemoteError) else None
        name = source or action.target.connector  # the one that failed is the one held
        if source and source != action.target.connector and resolve(exc) == Resolution.GONE:
            self._dead(row, action, f"its source on {source} is gone: {exc}")
            return True
        match resolve(exc):
            case Resolution.CREDENTIALS:
                self.health.failed(name, f"credentials refused: {exc}", auth=True)
                return self._retry(row, action, attempt, str(exc), None)
            case Resolution.WAIT:
                wait = exc.retry_after if isinstance(exc, RateLimited) else None
                self.health.hold(name, wait or 0.0, str(exc))
                if name in self.budgets:
                    self.budgets[name].hold(wait or 0.0)
                return self._retry(row, action, attempt, str(exc), wait)
            case Resolution.RETRY:
                self.health.failed(name, str(exc))
                return self._retry(row, action, attempt, str(exc), None)
            case Resolution.GONE:
                if isinstance(exc, Forbidden) and action.kind == ActionKind.VERIFY_ISSUE:
                    # a 403 on a read is not proof of absence: read again later, never redirect
                    return self._retry(row, action, attempt, str(exc), None)
                self.health.ok(name)
                return self._not_there(row, action, exc)
            case _:
                reason = f"{type(exc).__name__}: {exc}"
                if not self._edit_refused(row, action, reason):
                    self._dead(row, action, reason)
                return True

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
            link = self.store.link(tx, action.link_id) if action.link_id is not None else None
            if link is not None:  # a move support asked for, refused: the agent is told
                view = link_view(self.store, tx, link)
                told = plan_refused_for_support(view, action, reason, self.rules)
                told += plan_field_refused(view, action, reason, self.rules)
                outbox.add(tx, [t.row() for t in told])
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

    def _edit_refused(self, row: sa.Row[Any], action: Action, reason: str) -> bool:
        """An edit of a ticket's copy the helpdesk will not make (it edits notes only): done,
        its new text told to the agent in a note, not a dead letter to replay in vain. False
        when ``action`` is no such edit."""
        if action.kind != ActionKind.EDIT_COMMENT or action.link_id is None:
            return False
        with self.store.tx() as tx:
            link = self.store.link(tx, action.link_id)
            view = link_view(self.store, tx, link) if link is not None else None
            told = plan_edit_refused(view, action, reason, self.rules) if view else []
            if not told:
                return False
            outbox.done(tx, row.id)
            outbox.add(tx, [t.row() for t in told])
            self.store.audit(
                tx,
                "edit_refused",
                link_id=action.link_id,
                ticket_ref=action.lane,
                kind=action.kind.value,
                key=action.key,
                reason=reason,
            )
        log.warning("action.edit_refused", key=action.key, reason=reason)
        return True

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
                if link is not None:
                    why = f"{WRITE_REFUSED}: {exc}" if isinstance(exc, Forbidden) else str(exc)
                    view = link_view(self.store, tx, link)
                    self.recorder.enqueue(tx, plan_refused(view, action.key, why))
        return True
