"""Reloading the configuration of a running service (SIGHUP, ``syncd reload``).

The file is loaded and validated first; a file with problems changes nothing and its
problems are reported. A good one is applied in place while webhooks and work go on:

- the workflow (routes, templates, tiers, calendars, linking, privacy) as one new set of
  rules that the worker, the runner and the SLA check take from their next change on;
- connectors whose settings changed are built anew and swapped in one by one (the old
  instance is closed once the work it may be doing has had ``server.shutdown_grace``);
  new connectors are added and polled, removed ones stop being polled;
- what the process set up at start (the store, the server, the dashboard's access, the
  engine's threads, logging) is kept, and the outcome says which changed keys wait for a
  restart.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from syncd.connector import Connector
from syncd.ratelimit import Budget
from syncd.settings import Settings

if TYPE_CHECKING:
    from syncd.daemon.service import Service

log = structlog.get_logger("syncd.reload")
# sections a running process set up at start: a change waits for a restart
AT_START = ("store", "server", "dashboard", "engine", "log", "workflow")


@dataclass
class Outcome:
    """What a reload did."""

    applied: list[str] = field(default_factory=list)
    restart_needed: list[str] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "applied": self.applied,
            "restart_needed": self.restart_needed,
            "problems": [{"file": f, "key": k, "message": m} for f, k, m in self.problems],
        }


def _dump(conf: Any) -> dict[str, Any]:
    """Settings as comparable data, secrets included (a new token is a change)."""
    data: dict[str, Any] = conf.model_dump(mode="python")
    for key, value in list(data.items()):
        secret = getattr(value, "get_secret_value", None)
        if callable(secret):
            data[key] = secret()
    return data


def apply(service: Service, new: Settings) -> Outcome:
    """Apply validated settings ``new`` to the running ``service``."""
    from syncd.daemon.service import build_connectors, make_rules, watch_routes

    old = service.settings
    outcome = Outcome()
    for section in AT_START:
        if getattr(old, section).model_dump() != getattr(new, section).model_dump():
            outcome.restart_needed.append(section)
    changed = [
        n
        for n in new.connectors
        if n not in old.connectors or _dump(old.connector(n)) != _dump(new.connector(n))
    ]
    removed = [n for n in old.connectors if n not in new.connectors]
    fresh = build_connectors(new, only=changed)
    # every tracker learns the projects the new routes use (kept ones too)
    kept = {n: c for n, c in service.connectors.items() if n in new.connectors}
    watch_routes({**kept, **fresh}, new)
    retired: list[Connector] = []
    for name in changed:
        if name in service.connectors:
            retired.append(service.connectors[name])
        service.connectors[name] = fresh[name]  # one assignment: callers see old or new
        service.health.track(name)
        limits = fresh[name].settings.rate_limits()
        if name not in service.budgets or service.budgets[name].limits != tuple(limits):
            service.budgets[name] = Budget(limits)  # the same limits keep their windows
    for name in removed:
        retired.append(service.connectors.pop(name))
        service.budgets.pop(name, None)
    rules = make_rules(new, service.connectors, service.rules.signer)
    service.settings = new
    service.rules = service.worker.rules = service.runner.rules = rules
    service.runner.recorder.rules = rules
    service.poller.reschedule(changed, removed)
    if retired:
        grace = float(old.server.shutdown_grace)
        timer = threading.Timer(grace, _close, args=(retired,))
        timer.daemon = True
        timer.start()
    outcome.applied = _what_changed(old, new, changed, removed)
    return outcome


def _close(connectors: list[Connector]) -> None:
    for conn in connectors:
        try:
            conn.close()
        except Exception:  # closing an old client must not disturb the service
            log.warning("reload.close_failed", connector=getattr(conn, "name", "?"))


def _what_changed(
    old: Settings, new: Settings, changed: list[str], removed: list[str]
) -> list[str]:
    out = [f"connectors.{n}" for n in changed] + [f"connectors.{n} (removed)" for n in removed]
    for section in ("routes", "templates", "tiers", "calendars", "linking", "privacy"):
        before, after = getattr(old, section), getattr(new, section)
        dump = (lambda v: [r.model_dump() for r in v]) if section == "routes" else _plain
        if dump(before) != dump(after):
            out.append(section)
    return out


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
