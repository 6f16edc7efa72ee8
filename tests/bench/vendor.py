"""The world the vendor-true figures (8-11) share: syncd in this process against emulators
that answer with the vendors' latency (:data:`syncd.emulator_kit.VENDOR_LATENCY`) and hold
it to the vendors' documented limits, syncd keeping its own budgets.

Setting up (escalating, linking) runs with the limits lifted on both sides, so a figure does
not wait for its own preparation; :meth:`VendorWorld.limit` then starts every window fresh,
the emulators' and syncd's, and the measured phase begins.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.github.emulator.limits import GitHubLimits
from connectors.zendesk.emulator.limits import ZendeskLimits
from syncd.emulator_kit import VENDOR_LATENCY
from syncd.model import Ref, TicketStatus
from syncd.ratelimit import Budget
from syncd.testing.sandbox import Sandbox
from tests.bench import scenario

DEV_ISSUE = 360001  # the Zendesk field an agent pastes an issue's URL into
EXTRA = {"linking": {"field": "dev_issue", "route": "widgets"}}


@dataclass
class VendorWorld:
    """A sandbox whose emulators answer at the vendors' pace, with a tap on each."""

    sb: Sandbox
    taps: dict[str, scenario.Tap]

    @classmethod
    def start(cls, *, lanes: int = 4, poll: float = 3600.0) -> VendorWorld:
        taps: dict[str, scenario.Tap] = {}

        def wrap(kind: str, app: Any) -> Any:
            taps[kind] = scenario.Tap(app)
            return taps[kind]

        sb = Sandbox(
            folder=Path(tempfile.mkdtemp(prefix="syncd-bench-vendor-")),
            poll_interval=poll,
            wrap_app=wrap,
            vendor_limits=True,
            build_kwargs={
                "zendesk": {"limits": ZendeskLimits.lifted(), "latency": VENDOR_LATENCY},
                "github": {"limits": GitHubLimits.lifted(), "latency": VENDOR_LATENCY},
            },
            overrides={
                "zendesk": {"limits": [], "custom_fields": {"dev_issue": DEV_ISSUE}},
                "github": {"limits": []},
            },
            extra={**EXTRA, "engine": {**_ENGINE, "lanes": lanes}},
        ).start()
        return cls(sb, taps)

    @property
    def service(self) -> Any:
        assert self.sb.service is not None
        return self.sb.service

    def limit(self) -> None:
        """From now on: the vendors' documented limits on both sides, every window fresh."""
        sides = self.sb.sides
        sides["zendesk"].emulator.set_limits(ZendeskLimits())
        sides["github"].emulator.set_limits(GitHubLimits())
        for name, connector in self.service.connectors.items():
            self.service.budgets[name] = Budget(connector.settings.documented_limits())

    def refused(self) -> Counter[str]:
        """The limit refusals (429s and secondary-limit answers) of both emulators."""
        out: Counter[str] = Counter()
        for kind, side in self.sb.sides.items():
            for name, n in side.emulator.control.refused.items():
                out[f"{kind}: {name}"] += n
        return out

    def requests(self) -> dict[str, Counter[str]]:
        return {k: Counter(s.emulator.control.requests) for k, s in self.sb.sides.items()}

    def escalate(self, count: int, link: str = "") -> list[Ref]:
        """``count`` escalated tickets (joined to the issue at ``link`` when given)."""
        emu = self.sb.helpdesk.emulator
        out = []
        for n in range(count):
            fields = {DEV_ISSUE: link} if link else None
            tags = [] if link else ["escalate"]
            tid = emu.create_ticket(
                f"Export fails #{n}", "Crashes.", tags=tags, custom_fields=fields
            )
            out.append(Ref.ticket("zendesk", tid))
        return out

    def issue_of(self, ticket: Ref) -> Ref | None:
        with self.service.store.peek() as conn:
            link = self.service.store.link_for_ticket(conn, str(ticket))
        return Ref.parse(link.issue_ref) if link is not None else None

    def solved(self, tickets: list[Ref]) -> int:
        return sum(self.sb.helpdesk.ticket(t).status == TicketStatus.SOLVED for t in tickets)

    def stop(self) -> None:
        self.sb.stop()


_ENGINE = {"backoff_base": 0.2, "backoff_cap": 5.0, "gone_recheck": 0.5}


def wait_for(what: str, probe: Any, timeout: float) -> float:
    """Seconds until ``probe()`` is truthy (polled every 50 ms); TimeoutError past ``timeout``."""
    began = time.perf_counter()
    while not probe():
        if time.perf_counter() - began > timeout:
            raise TimeoutError(f"not observed within {timeout:.0f}s: {what}")
        time.sleep(0.05)
    return time.perf_counter() - began


def floor_of(needed: int, count: int, seconds: float, latency: float, lanes: int = 4) -> float:
    """The least time ``needed`` requests take under a limit of ``count`` per ``seconds``
    (a first window's worth at once, then one window's worth each window), each answered in
    ``latency`` with ``lanes`` in flight at once: the larger of the two."""
    windows = max(0, -(-needed // count) - 1)
    return max(windows * seconds + latency, needed * latency / lanes)
