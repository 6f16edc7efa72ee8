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
from typing import Any

import sqlalchemy as sa
import structlog
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from syncd.connector import Connector
from syncd.daemon import metrics
from syncd.engine import followups
from syncd.engine.actions import Action, ActionKind
from syncd.engine.execute import WRITE_REFUSED, Result, perform
from syncd.engine.health import Health
from syncd.engine.planner import Rules, plan_linked, plan_verified
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
from syncd.model import Comment, Issue, RefKind, Ticket
from syncd.store import outbox
from syncd.store.repository import Store, Tx

log = structlog.get_logger("syncd.runner")
QUICK_WAIT = 5.0  # a Retry-After up to this is waited out in place


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
    ) -> None:
        self.store = store
        self.connectors = connectors
        self.rules = rules
        self.health = health
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.gone_recheck = gone_recheck
        self.quick_attempts = quick_attempts
        self.done = 0

    def drain(self, limit: int = 50) -> int:
        """Run due actions; return how many reached an end (done or dead)."""
        with self.store.tx() as tx:
            rows = outbox.due(tx, limit)
        finished = 0
        lanes: set[str] = set()
        for row in rows:
            if row.lane in lanes:
                continue  # the lane's earlier action may have been rescheduled: keep order
            target = str(row.action.get("target", {}).get("connector", ""))
            wait = self.health.held(target)
            if wait > 0:
                # the vendor asked for quiet: move the action past the hold, spend no request
                with self.store.tx() as tx:
                    outbox.retry(tx, row.id, "connector held (rate limit)", wait)
                lanes.add(row.lane)
                continue
            if not self._run(row):
                lanes.add(row.lane)
            else:
                finished += 1
        self.done += finished
        return finished

    def _run(self, row: sa.Row[Any]) -> bool:
        action = Action.model_validate(row.action)
        with self.store.tx() as tx:
            claimed = outbox.start(tx, row.id)
            if claimed is None:
                return True  # another runner has it
            attempt = claimed
            self._expect(tx, action)
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
            self._record(tx, action, result)
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
            self._clear_expect(tx, action)
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
                self._verified(tx, action, gone=True, reason=why)
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

    def _verified(self, tx: Tx, action: Action, *, gone: bool, reason: str) -> None:
        link = self.store.link(tx, action.link_id or 0)
        if link is None:
            return
        view = link_view(self.store, tx, link)
        follow = plan_verified(view, gone=gone, reason=reason, rules=self.rules, after=action.key)
        strikes = link.gone_strikes + 1 if gone else 0
        self.store.update_link(tx, link.id, gone_strikes=strikes, reason=reason if gone else None)
        self.store.audit(
            tx,
            "issue_unreachable" if gone else "issue_reachable",
            link_id=link.id,
            ticket_ref=link.ticket_ref,
            issue_ref=link.issue_ref,
            strikes=strikes,
            reason=reason,
        )
        delay = self.gone_recheck if any(a.kind == ActionKind.VERIFY_ISSUE for a in follow) else 0
        self._enqueue(tx, follow, delay=delay)

    def _enqueue(self, tx: Tx, actions: list[Action], *, delay: float = 0.0) -> None:
        """Queue follow-up actions. A link being redirected stops syncing at once, not when
        the redirect message has gone out, so nothing slips in between."""
        outbox.add(tx, [a.row() for a in actions], delay=delay)
        for a in actions:
            if a.link_state == "redirected" and a.link_id is not None:
                self.store.update_link(tx, a.link_id, state="redirecting")

    def _expect(self, tx: Tx, action: Action) -> None:
        """Note the values this action writes, so their echoes are dropped."""
        fields: dict[str, Any] = {}
        if action.status:
            fields["status"] = action.status
        if action.priority:
            fields["priority"] = action.priority.value
        if not fields or action.kind not in (ActionKind.UPDATE_TICKET, ActionKind.UPDATE_ISSUE):
            return
        ref = str(action.target)
        shadow = self.store.shadow(tx, ref)
        self.store.put_shadow(tx, ref, written={**shadow.written, **fields})

    def _clear_expect(self, tx: Tx, action: Action) -> None:
        if action.kind not in (ActionKind.UPDATE_TICKET, ActionKind.UPDATE_ISSUE):
            return
        ref = str(action.target)
        shadow = self.store.shadow(tx, ref)
        left = {k: v for k, v in shadow.written.items() if k not in ("status", "priority")}
        self.store.put_shadow(tx, ref, written=left)

    def _record(self, tx: Tx, action: Action, result: Result) -> None:
        a = action
        if followups.handles(a):
            self._enqueue(tx, followups.record(self.store, tx, a, result, self.rules))
            return
        if a.kind == ActionKind.CREATE_ISSUE and isinstance(result, Issue):
            route = self.rules.route(a.route or "")
            link = self.store.create_link(
                tx,
                ticket_ref=a.lane,
                issue_ref=str(result.ref),
                route=a.route or "",
                mode=route.mode if route else "pending",
                tier=a.tier,
            )
            self.store.put_shadow(
                tx,
                str(result.ref),
                observed=result.model_dump(mode="json"),
                observed_at=result.updated_at,
            )
            self.store.audit(
                tx,
                "issue_created",
                link_id=link.id,
                ticket_ref=a.lane,
                issue_ref=str(result.ref),
                url=result.url,
                route=a.route,
            )
            follow = plan_linked(link_view(self.store, tx, link), self.rules)
            self._enqueue(tx, follow + followups.after(self.store, tx, a, self.rules))
            return
        if a.kind == ActionKind.VERIFY_ISSUE:
            if isinstance(result, Issue) and result.ref != a.target and a.link_id is not None:
                # the tracker answered under another key: the issue moved, follow it
                self.store.update_link(tx, a.link_id, issue_ref=str(result.ref))
                self.store.audit(
                    tx,
                    "issue_moved",
                    link_id=a.link_id,
                    ticket_ref=a.lane,
                    issue_ref=str(result.ref),
                    moved_from=str(a.target),
                )
            self._verified(tx, a, gone=False, reason="read succeeded")
            return
        if a.kind == ActionKind.RELINK and a.link_id is not None:
            self.store.update_link(tx, a.link_id, issue_ref=str(a.target))
        if isinstance(result, Comment) and a.source is not None and a.link_id is not None:
            self.store.map_comment(tx, str(a.source), str(result.ref), a.link_id)
        if isinstance(result, Ticket | Issue) and a.kind in (
            ActionKind.UPDATE_TICKET,
            ActionKind.UPDATE_ISSUE,
        ):
            shadow = self.store.shadow(tx, str(result.ref))
            if shadow.observed is None:
                self.store.put_shadow(
                    tx,
                    str(result.ref),
                    observed=result.model_dump(mode="json"),
                    observed_at=result.updated_at,
                )
        if a.link_id is not None and a.link_state:
            self.store.update_link(tx, a.link_id, state=a.link_state)
            self._enqueue(tx, followups.after(self.store, tx, a, self.rules))
        linked = self.store.link(tx, a.link_id) if a.link_id is not None else None
        self.store.audit(
            tx,
            a.message or a.kind.value,
            link_id=a.link_id,
            ticket_ref=a.lane,
            issue_ref=linked.issue_ref if linked else None,
            kind=a.kind.value,
            public=a.public,
            status=a.status,
            reason=a.reason,
        )
