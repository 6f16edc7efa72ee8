"""syncd against emulators that hold it to the vendors' limits, its own budgets on
(``vendor_limits=True``). The emulators' windows are shrunk (``window_scale``) and syncd's
budgets shrunk alike, so a vendor's minute passes in seconds; what is asserted is what the
emulators refused and in what order things happened, never how long they took.

- a steady load (escalations beyond the limits' windows) draws no 429 and no secondary-limit
  answer: syncd spaces its writes;
- a 429 that syncd could not foresee (the limit is not in its budget) holds that connector
  for its ``Retry-After``, once, while the other connector goes on;
- one busy ticket (a storm of developer comments past Zendesk's 30 updates per ticket) does
  not hold up another ticket's comment;
- when the budget is short, what people read goes first: an agent's note for the developers
  overtakes the bookkeeping (impact label and summary, each joined ticket's history) that
  was planned before it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from connectors.github.settings import GitHubSettings
from connectors.zendesk.settings import ZendeskSettings
from syncd.engine.actions import BOOKKEEPING, PEOPLE
from syncd.model import Ref, TicketStatus
from syncd.ratelimit import WRITES, Limit
from syncd.store.tables import outbox
from syncd.testing.sandbox import Sandbox

ZD = {"email": "syncd@example.com", "api_token": "t", "base_url": "http://zd"}
GH = {"token": "t", "base_url": "http://gh"}


def scaled(limits: list[Limit], scale: float, **counts: int) -> list[dict[str, Any]]:
    """syncd's budget for an emulator whose windows are ``scale`` times the vendor's, with
    some limits' counts (by name) set anew."""
    out = []
    for limit in limits:
        changed = {"seconds": limit.seconds * scale}
        if limit.name in counts:
            changed["count"] = counts[limit.name]
        out.append(limit.model_copy(update=changed).model_dump(mode="json"))
    return out


def zendesk_limits(scale: float, **counts: int) -> list[dict[str, Any]]:
    settings = ZendeskSettings.model_validate({"kind": "zendesk", **ZD})
    return scaled(settings.documented_limits(), scale, **counts)


def github_limits(scale: float, **counts: int) -> list[dict[str, Any]]:
    settings = GitHubSettings.model_validate({"kind": "github", **GH})
    return scaled(settings.documented_limits(), scale, **counts)


def escalate(sb: Sandbox, count: int) -> list[Ref]:
    return [
        sb.helpdesk.create_ticket(f"Export fails #{n}", "Crashes.", tags=["escalate"])
        for n in range(count)
    ]


def handed_off(sb: Sandbox, tickets: list[Ref]) -> bool:
    return all(sb.helpdesk.ticket(t).status == TicketStatus.ON_HOLD for t in tickets)


def test_a_steady_load_draws_no_429_and_no_secondary_limit(tmp_path: Path) -> None:
    scale = 1 / 30  # a minute lasts two seconds
    sb = Sandbox(
        folder=tmp_path,
        vendor_limits=True,
        build_kwargs={
            "zendesk": {"limits": {"ticket_updates_per_minute": 8, "window_scale": scale}},
            "github": {"limits": {"content_per_minute": 8, "window_scale": scale}},
        },
        overrides={
            "zendesk": {"limits": zendesk_limits(scale, **{"ticket updates": 8})},
            "github": {"limits": github_limits(scale, **{"writes a minute": 8})},
        },
    )
    with sb:
        tickets = escalate(sb, 24)  # three windows' worth on each side
        sb.wait("every ticket handed off", lambda: handed_off(sb, tickets), timeout=90)
        sb.settle(timeout=60)
        refused = {k: dict(s.emulator.control.refused) for k, s in sb.sides.items()}
        assert refused == {"zendesk": {}, "github": {}}
        assert sb.sides["github"].emulator.control.total("POST /repos") >= 24


def test_a_429_holds_that_connector_once_while_the_other_goes_on(tmp_path: Path) -> None:
    scale = 1 / 4  # Zendesk's minute lasts fifteen seconds
    sb = Sandbox(
        folder=tmp_path,
        vendor_limits=True,
        build_kwargs={
            "zendesk": {"limits": {"ticket_updates_per_minute": 14, "window_scale": scale}},
        },
        # another client shares the token: syncd's budget does not know this limit
        overrides={"zendesk": {"limits": []}},
    )
    with sb:
        zendesk = sb.sides["zendesk"].emulator.control
        (calm,) = escalate(sb, 1)
        issue = sb.wait("the calm ticket's issue", lambda: _issue_of(sb, calm), 60)
        sb.settle()
        # two updates each (the hand-off and the note of the link): 20, past the window's 14
        tickets = escalate(sb, 10)
        sb.wait("a 429 from Zendesk", lambda: zendesk.refused["ticket updates"] > 0, 60)
        # while Zendesk is held, an agent's note to the developers still reaches GitHub
        sb.helpdesk.comment(calm, "/dev the customer sent a log", public=False)
        sb.wait("the note on GitHub", lambda: _on_issue(sb, issue, "sent a log"), 30)
        assert sb.service is not None and sb.service.health.held("zendesk") > 0
        sb.wait("every ticket handed off", lambda: handed_off(sb, tickets), timeout=90)
        sb.settle(timeout=60)
        # the lanes in flight when the first 429 came may each draw one; then syncd waits
        # out Retry-After once (the next window holds the rest) instead of asking again
        assert sb.settings is not None
        assert 0 < zendesk.refused["ticket updates"] <= sb.settings.engine.lanes
        assert sb.sides["github"].emulator.control.refused == {}


def test_one_busy_ticket_does_not_hold_up_another(tmp_path: Path) -> None:
    scale = 1 / 30  # thirty updates of one ticket in twenty seconds
    sb = Sandbox(
        folder=tmp_path,
        vendor_limits=True,
        build_kwargs={"zendesk": {"limits": {"window_scale": scale}}},
        overrides={"zendesk": {"limits": zendesk_limits(scale)}},
    )
    with sb:
        busy, quiet = escalate(sb, 2)
        sb.wait("both handed off", lambda: handed_off(sb, [busy, quiet]), 60)
        busy_issue = sb.wait("busy issue", lambda: _issue_of(sb, busy), 30)
        quiet_issue = sb.wait("quiet issue", lambda: _issue_of(sb, quiet), 30)
        sb.settle()
        for n in range(40):  # past Zendesk's 30 updates of one ticket
            sb.tracker.comment(busy_issue, f"storm {n}")
        sb.tracker.comment(quiet_issue, "a word for the quiet one")
        sb.wait("the quiet ticket's note", lambda: _on_ticket(sb, quiet, "quiet one"), 60)
        storm = _on_ticket(sb, busy, "storm ")
        assert storm < 40  # the busy ticket still waits for its window, the other did not
        sb.wait("the whole storm", lambda: _on_ticket(sb, busy, "storm ") == 40, 120)
        assert sb.sides["zendesk"].emulator.control.refused == {}


DEV_ISSUE = 360001  # the Zendesk field an agent pastes an issue's URL into


def _github_writes(sb: Sandbox) -> list[sa.Row[Any]]:
    """The GitHub writes syncd planned, oldest first, with their state and times."""
    assert sb.service is not None
    target = outbox.c.action["target"]["connector"].as_string()
    query = (
        sa.select(
            outbox.c.id,
            outbox.c.kind,
            outbox.c.priority,
            outbox.c.state,
            outbox.c.created_at,
            outbox.c.done_at,
        )
        .where(
            target == "github",
            outbox.c.kind.in_(["update_issue", "upsert_comment", "add_comment", "create_issue"]),
        )
        .order_by(outbox.c.id)
    )
    with sb.service.store.peek() as conn:
        return list(conn.execute(query))


def test_people_read_what_goes_first_when_the_budget_is_short(tmp_path: Path) -> None:
    # syncd may write to GitHub once in two seconds: the bookkeeping of three tickets that
    # join one issue queues up, and an agent's note planned after it goes before it
    short = Limit(name="writes", count=1, seconds=2, operations=WRITES)
    sb = Sandbox(
        folder=tmp_path,
        vendor_limits=True,
        poll_interval=0.5,  # the linking field comes with polls
        extra={"linking": {"field": "dev_issue", "route": "widgets"}},
        overrides={
            "zendesk": {"custom_fields": {"dev_issue": DEV_ISSUE}},
            "github": {"limits": [short.model_dump(mode="json")]},
        },
    )
    with sb:
        (first,) = escalate(sb, 1)
        issue = sb.wait("the issue", lambda: _issue_of(sb, first), 60)
        sb.settle(timeout=60)
        url = sb.tracker.issue(issue).url
        emu = sb.helpdesk.emulator
        joined = [
            Ref.ticket(
                "zendesk",
                emu.create_ticket(f"Same crash {n}", "Crashes.", custom_fields={DEV_ISSUE: url}),
            )
            for n in range(3)
        ]

        def queued() -> int:
            rows = _github_writes(sb)
            return sum(r.priority == BOOKKEEPING and r.state == "pending" for r in rows)

        sb.wait("bookkeeping queued for GitHub", lambda: queued() >= 3, 60)
        sb.helpdesk.comment(first, "/dev the customer sent a log", public=False)
        sb.wait("the note on GitHub", lambda: _on_issue(sb, issue, "sent a log"), 60)
        sb.wait("every ticket joined", lambda: all(_issue_of(sb, t) for t in joined), 60)
        sb.settle(timeout=120)
        rows = _github_writes(sb)
        (note,) = [r for r in rows if r.kind == "add_comment"]
        assert note.priority == PEOPLE
        assert all(r.state == "done" for r in rows)
        # the bookkeeping that was waiting when the note was planned...
        waiting = [
            r
            for r in rows
            if r.priority == BOOKKEEPING and r.id < note.id and r.done_at > note.created_at
        ]
        assert len(waiting) >= 2
        # ...was written after it, but for one write the budget let go as the note came
        later = [r for r in waiting if r.done_at > note.done_at]
        assert len(later) >= len(waiting) - 1, (note, waiting)
        assert sb.sides["github"].emulator.control.refused == {}


def _issue_of(sb: Sandbox, ticket: Ref) -> Ref | None:
    assert sb.service is not None
    with sb.service.store.peek() as conn:
        link = sb.service.store.link_for_ticket(conn, str(ticket))
    return Ref.parse(link.issue_ref) if link is not None else None


def _on_issue(sb: Sandbox, issue: Ref, text: str) -> bool:
    return any(text in c.body for c in sb.tracker.comments(issue))


def _on_ticket(sb: Sandbox, ticket: Ref, text: str) -> int:
    return sum(text in c.body for c in sb.helpdesk.comments(ticket))
