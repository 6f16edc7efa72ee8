"""The chaos harness: a workload acting as people on both sides of escalated tickets, and the
verdicts, which read the emulators' own state, never the daemon's logs. The daemon it tests
runs in a process of its own (``tests/chaos/daemon.py``)."""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from typing import Any

from syncd.model import IssueStatus, Ref, TicketStatus
from syncd.store.repository import Store
from syncd.testing.sandbox import Sandbox, default_routes

PROJECT = "acme/widgets"


def soak() -> int:
    """The soak factor: ``SYNCD_SOAK=1`` (or a bigger number) runs tens of thousands of changes."""
    raw = os.environ.get("SYNCD_SOAK", "")
    return int(raw) if raw.isdigit() else (1 if raw else 0)


@dataclass
class Case:
    """One escalated ticket and what was done to it."""

    n: int
    ticket: Ref
    issue: Ref | None = None
    notes: list[str] = field(default_factory=list)  # agent /dev notes, owed to the issue
    replies: list[str] = field(default_factory=list)  # customer replies, owed to the issue
    opened: float = 0.0  # time.monotonic() at escalation
    dev: list[str] = field(default_factory=list)  # developer comments, owed to the ticket
    closed: bool = False

    @property
    def subject(self) -> str:
        return f"chaos case {self.n:05d}"


def customer_reply(sb: Sandbox, ticket: Ref, body: str) -> None:
    """The ticket's requester replies (a public comment by the end user)."""
    emulator = sb.helpdesk.emulator
    requester = int(emulator.ticket(int(ticket.key))["requester_id"])
    emulator.add_comment(int(ticket.key), body, public=True, author=requester)


def copying_routes() -> list[dict[str, Any]]:
    """The sandbox's routes, with customers' public replies copied to the issue."""
    return [
        {**r, "copy_public_replies": True}
        for r in default_routes("github", PROJECT)
        if r["name"] == "widgets"
    ]


@dataclass
class Workload:
    """People on both sides, acting at random on escalated tickets. With ``early``, every
    escalation is followed at once by a customer reply and a ``/dev`` note, and more come
    within its first second, while syncd is still filing the issue (the route must copy
    public replies: :func:`copying_routes`)."""

    sb: Sandbox
    rng: random.Random
    max_cases: int = 1_000_000
    early: bool = False
    cases: list[Case] = field(default_factory=list)
    fed: int = 0  # changes made that syncd owes to the other side
    _listed: float = 0.0

    def _issue(self, case: Case) -> Ref | None:
        """The issue for a case, as the tracker shows it (found by its title)."""
        if case.issue is None and time.monotonic() - self._listed > 0.5:
            # reading every issue is costly once there are thousands: at most twice a second
            self._listed = time.monotonic()
            titles = {i.title: i.ref for i in self.sb.tracker.issues(PROJECT)}
            for c in self.cases:
                if c.issue is None and c.subject in titles:
                    c.issue = titles[c.subject]
        return case.issue

    def _ready(self, case: Case) -> bool:
        """Linked and handed off: the ticket waits on the developers."""
        if case.closed or self._issue(case) is None:
            return False
        return bool(self.sb.helpdesk.ticket(case.ticket).status == TicketStatus.ON_HOLD)

    def step(self) -> str:
        """One human action; returns what it was."""
        live = [c for c in self.cases if not c.closed]
        roll = self.rng.random()
        if (roll < 0.25 or len(live) < 3) and len(self.cases) < self.max_cases:
            n = len(self.cases) + 1
            subject = f"chaos case {n:05d}"
            ref = self.sb.helpdesk.create_ticket(subject, "It breaks.", tags=["escalate"])
            case = Case(n, ref, opened=time.monotonic())
            self.cases.append(case)
            self.fed += 1
            if self.early:
                self._reply(case)
                self._note(case)
            return "escalate"
        young = [c for c in live[-10:] if time.monotonic() - c.opened < 1.0]
        if self.early and young and roll < 0.6:
            case = self.rng.choice(young)
            if roll < 0.45:
                self._reply(case)
            else:
                self._note(case)
            return "early"
        ready = [c for c in live[-40:] if self._ready(c)]
        if not ready:
            return "wait"
        case = self.rng.choice(ready)
        assert case.issue is not None
        if roll < 0.55:
            self._note(case)
            return "act"
        elif roll < 0.9:
            token = f"dev:{case.n}:{len(case.dev)};"
            self.sb.tracker.comment(case.issue, f"{token} looking")
            case.dev.append(token)
        else:
            # the developer closes once the agent's notes and the customer's replies are on
            # the issue: one that reaches syncd after the issue is resolved is by design not
            # forwarded any more
            bodies = " ".join(x.body for x in self.sb.tracker.comments(case.issue))
            if not all(token in bodies for token in [*case.notes, *case.replies]):
                return "wait"
            self.sb.tracker.set_status(case.issue, IssueStatus.DONE)
            case.closed = True
        self.fed += 1
        return "act"

    def _note(self, case: Case) -> None:
        token = f"note:{case.n}:{len(case.notes)};"
        self.sb.helpdesk.comment(case.ticket, f"/dev {token} details", public=False)
        case.notes.append(token)
        self.fed += 1

    def _reply(self, case: Case) -> None:
        token = f"reply:{case.n}:{len(case.replies)};"
        customer_reply(self.sb, case.ticket, f"{token} it still breaks")
        case.replies.append(token)
        self.fed += 1


@dataclass
class Verdict:
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.lost and not self.duplicated

    def once(self, what: str, n: int) -> None:
        """``what`` was owed exactly once and is there ``n`` times."""
        if n == 0:
            self.lost.append(what)
        elif n > 1:
            self.duplicated.append(f"{what} x{n}")


def verify(sb: Sandbox, cases: list[Case]) -> Verdict:
    """Compare what was done with what the emulators hold: each change exactly once."""
    v = Verdict()
    issues = sb.tracker.issues(PROJECT)
    by_title: dict[str, list[Any]] = {}
    for i in issues:
        by_title.setdefault(i.title, []).append(i)
    for c in cases:
        found = by_title.get(c.subject, [])
        if not found:
            v.lost.append(f"{c.subject}: no issue")
            continue
        if len(found) > 1:
            v.duplicated.append(f"{c.subject}: {len(found)} issues")
        issue = found[0].ref
        on_issue = sb.tracker.comments(issue)
        tcomments = sb.helpdesk.comments(c.ticket)
        for token in [*c.notes, *c.replies]:
            found = [x for x in on_issue if token in x.body]
            # a duplicate names the comments, so a soak's report says where they came from
            seen = "; ".join(f"{x.ref.key} by {x.author} at {x.created_at}" for x in found)
            v.once(f"{token} on {issue.key}" + (f" ({seen})" if len(found) > 1 else ""), len(found))
        for token in c.dev:
            n = sum(token in x.body for x in tcomments if not x.public)
            v.once(f"{token} on the ticket", n)
        checks = [
            ("linked note", False, "Escalated to the developers"),
            ("hand-off", True, "developers are now working"),
        ]
        if c.closed:
            checks.append(("resolved reply", True, "has been fixed"))
        for what, public, text in checks:
            n = sum(text in x.body for x in tcomments if x.public is public)
            v.once(f"{c.subject}: {what}", n)
        want = TicketStatus.SOLVED if c.closed else TicketStatus.ON_HOLD
        got = sb.helpdesk.ticket(c.ticket).status
        if got != want:
            v.lost.append(f"{c.subject}: ticket {got.value}, want {want.value}")
    extra = len(issues) - len({c.subject for c in cases})
    if extra > 0:
        v.duplicated.append(f"{extra} issues beyond one per case")
    return v


def depth(url: str) -> dict[str, int]:
    """The daemon's queue depths, read from its store."""
    store = Store.open(url, migrate=False)
    try:
        return store.depth()
    finally:
        store.close()


def requests_made(sb: Sandbox) -> int:
    """API requests syncd made against all emulators (the actors act in process: not counted)."""
    return sum(side.emulator.control.total() for side in sb.sides.values())


def converge(sb: Sandbox, cases: list[Case], timeout: float) -> tuple[Verdict, float]:
    """Wait until every change arrived; return the last verdict and the seconds it took."""
    start = time.monotonic()
    verdict = verify(sb, cases)
    while not verdict.ok and time.monotonic() - start < timeout:
        time.sleep(0.5)
        verdict = verify(sb, cases)
    return verdict, time.monotonic() - start
