"""Background jobs of the Zendesk emulator: ``update_many`` queues one, and it runs a moment
later on its own thread, as Zendesk's job workers do.

A job is ``queued``, then ``working`` (``progress`` counts the tickets done), then
``completed`` with one result per ticket. Each ticket is updated through
:meth:`State.update_ticket`, so it gets the same audit and webhooks as a single update; a
ticket that cannot be updated (closed, missing, invalid) gets ``success: false`` with the
reason in ``errors`` while the others go on. At most ``MAX_ACTIVE`` jobs may be queued or
working at once (Zendesk's job limit); a job's status can be read for an hour. A test may
hold jobs in the queue (``held``) or make the next one fail part way (``fail_after``).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .records import Invalid, User, iso

if TYPE_CHECKING:
    from .state import State

MAX_ACTIVE = 30  # jobs queued or working at once, per account
KEPT_FOR = 3600  # seconds a job's status can be read


@dataclass
class Job:
    id: str
    ticket_ids: list[int]
    data: dict[str, Any]
    actor: User
    created_at: int
    job_type: str = "bulk_update"
    status: str = "queued"
    progress: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)
    message: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ("queued", "working")


class TooManyJobs(Exception):
    """The account's job limit is reached (a 429)."""


class JobQueue:
    """The jobs of one emulated account."""

    def __init__(self, state: State, *, delay: float = 0.05) -> None:
        self.state = state
        self.delay = delay  # seconds a job waits in the queue before it works
        self.jobs: dict[str, Job] = {}
        self.held = threading.Event()  # set: jobs wait in the queue until it is cleared
        self.fail_after: int | None = None  # the next job fails after this many tickets
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self.jobs.get(job_id)
        if job is None or job.created_at < self.state.now() - KEPT_FOR:
            return None
        return job

    def update_many(self, actor: User, ticket_ids: list[int], data: dict[str, Any]) -> Job:
        """Queue an update of ``ticket_ids`` with the same ``data``; it runs soon after."""
        with self._lock:
            if sum(j.active for j in self.jobs.values()) >= MAX_ACTIVE:
                raise TooManyJobs
            job = Job(uuid.uuid4().hex, list(ticket_ids), dict(data), actor, self.state.now())
            self.jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), daemon=True, name="zd-job").start()
        return job

    def _run(self, job: Job) -> None:
        time.sleep(self.delay)
        while self.held.is_set():
            time.sleep(0.01)
        with self._lock:
            stop, self.fail_after = self.fail_after, None
        job.status = "working"
        for index, ticket_id in enumerate(job.ticket_ids):
            if index == stop:
                job.message = f"Failed at {iso(self.state.now())}"
                job.status = "failed"
                return
            job.results.append(self._update(job, ticket_id))
            job.progress = index + 1
        job.message = f"Completed at {iso(self.state.now())}"
        job.status = "completed"

    def _update(self, job: Job, ticket_id: int) -> dict[str, Any]:
        result: dict[str, Any] = {"id": ticket_id, "action": "update"}
        try:
            self.state.update_ticket(ticket_id, job.actor, job.data)
        except KeyError:
            return {**result, "success": False, "status": "Failed", "errors": "RecordNotFound"}
        except Invalid as exc:
            return {**result, "success": False, "status": "Failed", "errors": str(exc)}
        return {**result, "success": True, "status": "Updated"}
