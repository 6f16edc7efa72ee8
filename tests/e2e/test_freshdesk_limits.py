"""syncd against a Freshdesk emulator that holds it to the plan's per-minute limits, its
windows shrunk (``window_scale``) and syncd's budget shrunk alike: what is asserted is what
the emulator refused, never how long things took.

- a steady load of escalations past the ticket-update limit's window draws no 429: syncd
  spaces its writes by the limits it declares for Freshdesk;
- credits spent by another client (syncd's budget does not know them) draw 429s whose
  ``Retry-After`` holds the connector for that long, a few refusals to a hold (what was in
  flight), and every ticket still ends handed off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from structlog.testing import capture_logs

from connectors.freshdesk.settings import FreshdeskSettings
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_vendor_limits import escalate, handed_off, scaled

FD = {"kind": "freshdesk", "base_url": "http://fd", "api_key": "k"}
ROUTES = [
    {
        "name": "widgets",
        "match": {"tags": ["escalate"]},
        "mode": "pending",
        "target": {"connector": "github", "project": "acme/widgets", "labels": ["x"]},
    }
]


def freshdesk_limits(scale: float, **counts: int) -> list[dict[str, Any]]:
    return scaled(FreshdeskSettings.model_validate(FD).documented_limits(), scale, **counts)


def _sandbox(tmp_path: Path, emulated: dict[str, Any], budget: list[dict[str, Any]]) -> Sandbox:
    return Sandbox(
        folder=tmp_path,
        helpdesk_kind="freshdesk",
        routes=ROUTES,
        vendor_limits=True,
        build_kwargs={"freshdesk": {"limits": emulated}},
        overrides={"freshdesk": {"limits": budget}},
    )


def test_a_steady_load_draws_no_429(tmp_path: Path) -> None:
    scale = 1 / 30  # a minute lasts two seconds
    emulated = {
        "ticket_updates_per_minute": 6,
        "requests_per_minute": 10**6,
        "ticket_lists_per_minute": 10**6,
        "window_scale": scale,
    }
    with _sandbox(tmp_path, emulated, freshdesk_limits(scale, **{"ticket updates": 6})) as sb:
        tickets = escalate(sb, 12)  # each hand-off is an update: two windows' worth
        sb.wait("every ticket handed off", lambda: handed_off(sb, tickets), timeout=90)
        sb.settle(timeout=60)
        control = sb.sides["freshdesk"].emulator.control
        assert control.refused == {}
        assert control.total("PUT /api/v2/tickets") >= 12


def test_credits_spent_elsewhere_hold_the_connector_then_it_goes_on(tmp_path: Path) -> None:
    scale = 1 / 6  # Freshdesk's minute lasts ten seconds
    emulated = {"requests_per_minute": 40, "window_scale": scale}
    with capture_logs() as logs, _sandbox(tmp_path, emulated, []) as sb:
        control = sb.sides["freshdesk"].emulator.control
        tickets = escalate(sb, 8)
        sb.wait("a 429 from Freshdesk", lambda: control.refused["requests"] > 0, 60)
        sb.wait("every ticket handed off", lambda: handed_off(sb, tickets), timeout=120)
        sb.settle(timeout=60)
        assert sb.settings is not None
        lanes = sb.settings.engine.lanes
    holds = [e for e in logs if e["event"] == "connector.held" and e["connector"] == "freshdesk"]
    # held for the 429's Retry-After: the whole seconds left of the ten-second minute
    assert holds and all(h["seconds"] in {float(n) for n in range(1, 11)} for h in holds)
    # each window spent draws a 429 from what was in flight (the lanes, a poll, a read),
    # then syncd waits the window out instead of asking again
    assert 0 < control.refused["requests"] <= (lanes + 2) * len(holds)
    assert sb.sides["github"].emulator.control.refused == {}
