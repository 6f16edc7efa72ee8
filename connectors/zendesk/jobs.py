"""Batch ticket updates: ``PUT /api/v2/tickets/update_many.json?ids=...`` and the job it
queues, followed to its end through ``GET /api/v2/job_statuses/{id}.json``.

Zendesk answers an update of many tickets with a ``job_status`` (``queued``, then
``working``, then ``completed``, or ``failed``/``killed``) and does the work in the
background; the finished job lists one result per ticket: ``{"id", "action": "update",
"success", "status": "Updated"}``, or ``success: false`` with the ``errors`` (or ``error``
and ``details``) that stopped it. One request carries at most 100 ids, and it counts once
against the account's request budget (not against Update Ticket's 100 a minute).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from syncd.connector import BatchResult, Pace
from syncd.errors import NotFound, PermanentError, RemoteError, TransientError
from syncd.model import Ref, RefKind, TicketStatus
from syncd.ratelimit import Operation

from .client import ZendeskClient
from .mapping import batch_body

MAX_IDS = 100  # Zendesk's limit of ids (or tickets) per update_many request
FIRST_LOOK = 0.2  # seconds before the first look at a job; doubled after each look
LONGEST_LOOK = 2.0  # seconds between looks, at most
ENDED = ("completed", "failed", "killed")


class Jobs:
    """Updates many tickets at once and follows each job until it ends."""

    def __init__(
        self,
        client: ZendeskClient,
        *,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.timeout = timeout  # seconds a job may take before its tickets count as unknown
        self.sleep = sleep
        self.clock = clock

    def update(
        self,
        keys: Mapping[Ref, str],
        *,
        status: TicketStatus | None,
        comment: str | None,
        public: bool,
        pace: Pace | None = None,
    ) -> BatchResult:
        """One request per ``MAX_IDS`` tickets; the error of a request that failed as a
        whole (refused, rate limited, its job lost) is each of its tickets' error. Each
        request past the first, and each look at a job, waits for ``pace``."""
        pace = pace or _free
        done: set[Ref] = set()
        failed: dict[Ref, RemoteError] = {}
        refs: list[Ref] = []
        for ref in keys:
            if ref.kind == RefKind.TICKET and ref.key.isdigit():
                refs.append(ref)
            else:
                failed[ref] = NotFound(f"{ref} is not a Zendesk ticket")
        for start in range(0, len(refs), MAX_IDS):
            chunk = refs[start : start + MAX_IDS]
            until = self.clock() + self.timeout
            if start and not self._when_allowed(pace, "update_tickets", until):
                busy = TransientError("Zendesk: no budget left for another update_many")
                failed.update({ref: busy for ref in chunk})
                continue
            ids = {int(ref.key): ref for ref in chunk}
            try:
                body = batch_body(
                    {i: keys[ref] for i, ref in ids.items()},
                    status=status,
                    comment=comment,
                    public=public,
                )
                results = self._run(list(ids), body, pace)
            except RemoteError as exc:
                failed.update({ref: exc for ref in chunk})
                continue
            for ticket_id, ref in ids.items():
                error = results.get(ticket_id, _unanswered(ticket_id))
                if error is None:
                    done.add(ref)
                else:
                    failed[ref] = error
        return BatchResult(frozenset(done), failed)

    def _run(
        self, ids: Sequence[int], body: dict[str, Any], pace: Pace
    ) -> dict[int, RemoteError | None]:
        params = {"ids": ",".join(str(i) for i in ids)}
        answer = self.client.request(
            "PUT", "/api/v2/tickets/update_many.json", params=params, json=body
        )
        job = _job(answer)
        job = self.follow(job, pace)
        return results_of(job)

    def follow(self, job: Mapping[str, Any], pace: Pace | None = None) -> Mapping[str, Any]:
        """Look at ``job`` again, less and less often, until it ended, each look spent
        through ``pace``; ``TransientError`` when it takes longer than :attr:`timeout` (it
        may still run: a retry looks for the comments it made before writing again)."""
        began = self.clock()
        deadline = began + self.timeout
        wait = FIRST_LOOK
        while str(job.get("status")) not in ENDED:
            left = deadline - self.clock()
            if left <= 0:
                raise TransientError(f"Zendesk job {job.get('id')} not done after {self.timeout}s")
            self.sleep(min(next_look(job, self.clock() - began, wait), left))
            wait = min(wait * 2, LONGEST_LOOK)
            if not self._when_allowed(pace or _free, "read", deadline):
                raise TransientError(f"Zendesk job {job.get('id')}: no budget left to look at it")
            job = _job(self.client.get(f"/api/v2/job_statuses/{job['id']}.json"))
        return job

    def _when_allowed(self, pace: Pace, op: Operation, deadline: float) -> bool:
        """Wait until ``pace`` lets a request of ``op`` go (True), or False at ``deadline``."""
        while (wait := pace(op)) > 0:
            left = min(wait, deadline - self.clock())
            if left <= 0:
                return False
            self.sleep(left)
        return True


def next_look(job: Mapping[str, Any], elapsed: float, wait: float) -> float:
    """When to look at a working job again: when it should be done at the pace it has gone
    so far (``progress`` of ``total`` tickets), not before ``FIRST_LOOK`` nor after
    ``wait``, the next step of the doubling used while there is no pace to go by."""
    done, total = job.get("progress"), job.get("total")
    if not (isinstance(done, int) and isinstance(total, int) and 0 < done < total):
        return wait
    return max(FIRST_LOOK, min(wait, elapsed * (total - done) / done))


def _free(op: Operation) -> float:
    """No budget to spend (a caller that keeps none)."""
    return 0.0


def _job(answer: Any) -> Mapping[str, Any]:
    job = answer.get("job_status") if isinstance(answer, Mapping) else None
    if not isinstance(job, Mapping) or not job.get("id"):
        raise TransientError("Zendesk answered an update of many tickets without a job")
    return job


def results_of(job: Mapping[str, Any]) -> dict[int, RemoteError | None]:
    """Each ticket's outcome in an ended job: None (updated) or the error it met. Tickets a
    failed or killed job did not reach are left out (their outcome is unknown)."""
    out: dict[int, RemoteError | None] = {}
    results = job.get("results")
    for raw in results if isinstance(results, list) else ():
        if isinstance(raw, Mapping) and raw.get("id") is not None:
            out[int(raw["id"])] = result_error(raw)
    return out


def result_error(raw: Mapping[str, Any]) -> RemoteError | None:
    """The error of one ticket's result (None when it was updated)."""
    if raw.get("success") is True or (raw.get("success") is None and not _why(raw)):
        return None
    why = _why(raw) or str(raw.get("status") or "failed")
    message = f"Zendesk did not update ticket {raw.get('id')}: {why}"
    if "notfound" in why.replace(" ", "").lower():
        return NotFound(message, status=404)
    return PermanentError(message, status=422)


def _why(raw: Mapping[str, Any]) -> str:
    parts = [raw.get("errors"), raw.get("error"), raw.get("details")]
    return ": ".join(str(p) for p in parts if p)


def _unanswered(ticket_id: int) -> RemoteError:
    return TransientError(f"Zendesk's job ended without a result for ticket {ticket_id}")
