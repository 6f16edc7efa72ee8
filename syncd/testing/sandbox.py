"""A whole syncd on loopback: emulators, a store in a folder, the daemon serving webhooks.

Used by ``syncd demo``, the end-to-end tests and the benchmarks, so the three exercise the
same wiring. Vendors are chosen by connector kind through the registry; the sandbox itself
knows none of them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from syncd import demo, registry
from syncd.connector import EmulatorKit
from syncd.daemon.app import create_app
from syncd.daemon.service import Service
from syncd.settings import Settings, parse
from syncd.testing.server import ServerThread, free_port

T = TypeVar("T")


@dataclass
class Side:
    name: str
    kind: str
    kit: EmulatorKit | None  # None: a real server, configured by ``conf``
    emulator: Any
    server: ServerThread | None
    actor: Any
    secret: str
    conf: dict[str, Any] | None = None

    @property
    def url(self) -> str:
        if self.server is None:
            return str((self.conf or {}).get("base_url", ""))
        return self.server.url


def default_routes(tracker: str, project: str) -> list[dict[str, Any]]:
    """The demo's routes: ``escalate`` + ``vendor`` redirects, ``escalate`` keeps pending."""
    return [
        {
            "name": "vendor-redirect",
            "match": {"tags": ["escalate", "vendor"]},
            "mode": "redirect",
            "target": {
                "connector": tracker,
                "project": project,
                "labels": ["from-support", "vendor"],
            },
        },
        {
            "name": "widgets",
            "match": {"tags": ["escalate"]},
            "mode": "pending",
            "target": {"connector": tracker, "project": project, "labels": ["from-support"]},
        },
    ]


@dataclass
class Sandbox:
    """Emulators plus the daemon; ``start()`` brings all up, ``stop()`` takes all down."""

    folder: Path
    helpdesk_kind: str = demo.HELPDESK
    tracker_kind: str = demo.TRACKER
    project: str = "acme/widgets"
    webhooks: bool = True
    poll_interval: float = 1.0
    routes: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    port: int = 0
    build_kwargs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # wraps each emulator's ASGI app before it is served (the benchmarks time writes there)
    wrap_app: Callable[[str, Any], Any] | None = None
    more: tuple[str, ...] = ()  # further connector kinds to emulate (e.g. a second tracker)
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-connector settings
    # connectors served by real servers: name -> (connector settings, actor)
    external: dict[str, tuple[dict[str, Any], Any]] = field(default_factory=dict)
    # the vendors' documented rate limits, kept by syncd (the emulators' own budgets are set
    # by build_kwargs); off by default: the tests and the loopback benchmarks measure syncd
    vendor_limits: bool = False
    sides: dict[str, Side] = field(default_factory=dict)
    service: Service | None = None
    daemon: ServerThread | None = None
    settings: Settings | None = None

    @property
    def url(self) -> str:
        assert self.daemon is not None
        return self.daemon.url

    @property
    def helpdesk(self) -> Any:
        return self.sides[self.helpdesk_kind].actor

    @property
    def tracker(self) -> Any:
        return self.sides[self.tracker_kind].actor

    def actor(self, name: str) -> Any:
        """The actor of connector ``name``."""
        return self.sides[name].actor

    def _side(self, kind: str, daemon_url: str) -> Side:
        spec = registry.spec(kind)
        if spec.emulator_kit is None:
            raise RuntimeError(f"connector {kind} has no emulator kit")
        kit = spec.emulator_kit
        secret = secrets.token_hex(16)
        hook = f"{daemon_url}/webhooks/{kind}" if self.webhooks else None
        emu = kit.build(webhook_url=hook, webhook_secret=secret, **self.build_kwargs.get(kind, {}))
        app = self.wrap_app(kind, emu.app) if self.wrap_app else emu.app
        server = ServerThread(app).start()
        actor = kit.actor(emu, kind, server.url)
        return Side(kind, kind, kit, emu, server, actor, secret)

    def config(self) -> dict[str, Any]:
        """The daemon's config: emulator URLs, their credentials, the routes."""
        connectors = {}
        for side in self.sides.values():
            conf = (
                dict(side.conf or {})
                if side.kit is None
                else side.kit.config(side.url, side.secret)
            )
            # a vendor without webhooks (mail: IMAP IDLE instead) keeps its kit's ``false``
            hooks = self.webhooks and bool(conf.get("webhooks", True))
            conf.update(poll_interval=self.poll_interval, webhooks=hooks)
            if not self.vendor_limits:
                conf["limits"] = []  # syncd spaces nothing: the emulators lift their budgets
            conf.update(self.overrides.get(side.name, {}))
            connectors[side.name] = conf
        return {
            "store": {"url": f"sqlite:///{self.folder / 'syncd.db'}"},
            "server": {"host": "127.0.0.1", "port": self.port, "shutdown_grace": 5.0},
            "engine": {"backoff_base": 0.2, "backoff_cap": 5.0, "gone_recheck": 0.5},
            "connectors": connectors,
            "routes": self.routes or default_routes(self.tracker_kind, self.project),
            **self.extra,
        }

    def start_emulators(self) -> dict[str, Any]:
        """Start the emulators (with the routes' projects); return the daemon's config."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        daemon_url = f"http://127.0.0.1:{self.port}"
        for kind in (self.helpdesk_kind, self.tracker_kind, *self.more):
            if kind in self.external:
                conf, actor = self.external[kind]
                self.sides[kind] = Side(
                    kind,
                    str(conf["kind"]),
                    None,
                    None,
                    None,
                    actor,
                    str(conf.get("webhook_secret") or ""),
                    conf,
                )
            else:
                self.sides[kind] = self._side(kind, daemon_url)
        for route in self.routes or default_routes(self.tracker_kind, self.project):
            if not route["target"].get("connector"):
                continue  # a third party with no connector: nothing to emulate
            self.sides[route["target"]["connector"]].actor.ensure_project(
                route["target"]["project"]
            )
        return self.config()

    def start(self) -> Sandbox:
        """Start the emulators and the daemon."""
        conf = self.start_emulators()
        (self.folder / "syncd.yaml").write_text(yaml.safe_dump(conf, sort_keys=False))
        self.settings = parse(conf, str(self.folder / "syncd.yaml"))
        self.service = Service(self.settings)
        self.daemon = ServerThread(create_app(self.service), port=self.port).start()
        return self

    def stop(self) -> None:
        if self.daemon is not None:
            self.daemon.stop()
        for side in self.sides.values():
            if side.server is not None:
                side.emulator.control.webhooks.close()
                side.server.stop()
                # an emulator with servers of its own (mail: SMTP, IMAP) stops them too
                getattr(side.emulator, "close", lambda: None)()

    def info(self) -> dict[str, Any]:
        """What scripts need to drive a running sandbox."""
        return {
            "daemon": self.url,
            "config": str(self.folder / "syncd.yaml"),
            "store": str(self.folder / "syncd.db"),
            "emulators": {
                s.name: {
                    "kind": s.kind,
                    "url": s.url,
                    "webhook_secret": s.secret,
                    "credentials": getattr(s.actor, "credentials", {}),
                }
                for s in self.sides.values()
            },
        }

    def wait(
        self, what: str, probe: Callable[[], T | None], timeout: float = 20.0, every: float = 0.1
    ) -> T:
        """Poll ``probe`` until it returns something truthy; raise TimeoutError naming ``what``."""
        deadline = time.monotonic() + timeout
        last_exc: Exception | None = None
        while time.monotonic() < deadline:
            try:
                value = probe()
                if value:
                    return value
            except Exception as exc:  # the state is not there yet; try again
                last_exc = exc
            time.sleep(every)
        raise TimeoutError(
            f"not observed within {timeout}s: {what}"
            + (f" (last error: {last_exc})" if last_exc else "")
        )

    def settle(self, timeout: float = 20.0) -> dict[str, int]:
        """Wait until every webhook was delivered and inbox and outbox are empty."""
        assert self.service is not None
        service = self.service

        def quiet() -> dict[str, int] | None:
            for side in self.sides.values():
                if side.emulator is not None:
                    side.emulator.control.webhooks.flush()
            depth = service.store.depth()
            return depth if depth["inbox"] == 0 and depth["outbox"] == 0 else None

        self.wait("inbox and outbox empty", quiet, timeout=timeout)
        time.sleep(0.05)
        return self.wait("inbox and outbox empty", quiet, timeout=timeout)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
