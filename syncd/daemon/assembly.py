"""How the service is put together from the settings: one connector instance per configured
name, and the planner's rules from the settings and what the connectors can do."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from syncd import registry
from syncd.connector import Capability, Connector, IssueFields
from syncd.engine.history_link import Signer
from syncd.engine.planner import Rules
from syncd.errors import ConfigError
from syncd.settings import Settings
from syncd.store.history import kept_secret
from syncd.store.repository import Store
from syncd.templates import Templates


def build_connectors(
    settings: Settings,
    clients: Mapping[str, httpx.Client] | None = None,
    *,
    only: list[str] | None = None,
) -> dict[str, Connector]:
    """One connector instance per configured name (or per name in ``only``); trackers learn
    the projects routes use."""
    out: dict[str, Connector] = {}
    for name in settings.connectors if only is None else only:
        conf = settings.connector(name)
        out[name] = registry.spec(conf.kind).factory(name, conf, (clients or {}).get(name))
    watch_routes(out, settings)
    return out


def watch_routes(connectors: Mapping[str, Connector], settings: Settings) -> None:
    """Tell each tracker the projects the routes target on it (it polls them) and the
    fields they map (it reads them)."""
    for route in settings.routes:
        conn = connectors.get(route.target.connector or "")
        if conn is not None:
            conn.watch([route.target.project])
            names = [m.issue for m in route.fields]
            if names and Capability.FIELDS in conn.capabilities and isinstance(conn, IssueFields):
                conn.map_fields(names)


def history_signer(settings: Settings, store: Store) -> Signer:
    """What signs the links to conversation pages: ``server.history_secret`` (or its file),
    else the secret syncd made once and keeps in the store."""
    s = settings.server
    if s.history_secret is not None:
        secret = s.history_secret.get_secret_value().encode()
    elif s.history_secret_file is not None:
        try:
            secret = s.history_secret_file.read_text().strip().encode()
        except OSError as exc:
            where = settings.source or "<config>"
            raise ConfigError(
                [(where, "server.history_secret_file", f"cannot read: {exc.strerror}")]
            ) from None
    else:
        secret = kept_secret(store)
    return Signer(secret, s.public_url or f"http://{s.host}:{s.port}")


def make_rules(
    settings: Settings, connectors: Mapping[str, Connector], signer: Signer | None = None
) -> Rules:
    """The planner's rules from the settings and what the connectors can do."""
    return Rules(
        routes=tuple(settings.routes),
        templates=Templates(settings.templates),
        capabilities={n: c.capabilities for n, c in connectors.items()},
        tiers=settings.tiers,
        calendars=settings.calendars,
        linking=settings.linking,
        kinds={n: settings.connector(n).kind for n in settings.connectors},
        references=registry.references(),
        privacy=settings.privacy,
        history=settings.history,
        signer=signer or Signer(),
        attachments=settings.attachments,
    )
