"""Root settings: one YAML file plus ``SYNCD_*`` environment variables.

Connector instances are typed by their ``kind`` through the registry, so the core knows no
vendor. Every validation problem is reported with the file, the key path and what is wrong.
Environment variables override the file with ``__`` between levels, for example
``SYNCD_CONNECTORS__TRACKER__TOKEN=...`` sets ``connectors.tracker.token``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from syncd import config_check, registry
from syncd.attachment_settings import FilePolicy
from syncd.connector import ConnectorSettings
from syncd.errors import ConfigError
from syncd.route_settings import Match, Mode, Route, Target
from syncd.templates import check_settings as check_templates
from syncd.workflow import (
    Calendar,
    HistoryPages,
    Linking,
    Privacy,
    Strict,
    Tiers,
    WorkflowSettings,
)

__all__ = ["Match", "Mode", "Route", "Settings", "Target", "load", "parse"]

ENV_PREFIX = "SYNCD_"


class StoreSettings(Strict):
    url: str = "sqlite:///syncd.db"
    echo: bool = False
    # connections to PostgreSQL per replica: at most pool_size + max_overflow
    pool_size: int = Field(default=8, ge=1, le=200)
    max_overflow: int = Field(default=16, ge=0, le=200)
    # false behind a PgBouncer in transaction mode that keeps no prepared statements
    server_prepared: bool = True


class ClusterSettings(Strict):
    """Several replicas on one PostgreSQL store (SQLite serves one process only)."""

    # this replica's identity; one that restarts with the same id takes its claims back at
    # once. Empty: the host name and process id (stable across restarts in a container)
    replica_id: str = Field(default="", max_length=200)
    claim_lease: float = Field(default=15.0, ge=1.0)  # seconds; renewed while the work runs
    leader_lease: float = Field(default=5.0, ge=1.0)  # seconds; renewed by the leader
    heartbeat: float = Field(default=1.0, gt=0.0)  # seconds between renewals
    # seconds a stopping replica answers /readyz 503 while still taking webhooks, so that a
    # load balancer drains it before it closes its port (0: stop at once)
    drain_delay: float = Field(default=0.0, ge=0.0, le=300.0)

    @model_validator(mode="after")
    def _beats_within_leases(self) -> ClusterSettings:
        if self.heartbeat * 2 > min(self.claim_lease, self.leader_lease):
            raise ValueError("heartbeat must be at most half of claim_lease and leader_lease")
        return self


class ServerSettings(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port
    public_url: str = ""  # how vendors reach syncd; shown to admins
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    shutdown_grace: float = Field(default=10.0, ge=0)
    # signs the links to ticket conversation pages (HMAC-SHA256); neither given: a random
    # secret made once and kept in the store
    history_secret: SecretStr | None = None
    history_secret_file: Path | None = None


class DashboardSettings(Strict):
    """Who may read the dashboard and its API from beyond loopback (bearer token or basic)."""

    token: SecretStr | None = None  # Authorization: Bearer <token>
    username: str | None = None  # basic auth, with password
    password: SecretStr | None = None
    trust_loopback: bool = True  # off when a proxy on this host forwards remote requests


class LogSettings(Strict):
    format: Literal["json", "console"] = "json"
    level: Literal["debug", "info", "warning", "error"] = "info"


class EngineSettings(Strict):
    batch: int = Field(default=50, ge=1)
    idle_sleep: float = Field(default=0.05, ge=0)
    # tickets whose actions run side by side (each ticket's own actions stay in order)
    lanes: int = Field(default=4, ge=1, le=64)
    # seconds the worker waits, at most, while a burst of webhook deliveries is being answered,
    # before it takes its next batch anyway (0: it never waits)
    intake_first: float = Field(default=0.25, ge=0.0, le=10.0)
    # durable retries before a transient failure is dead-lettered
    max_attempts: int = Field(default=12, ge=1)
    backoff_base: float = Field(default=1.0, gt=0)
    backoff_cap: float = Field(default=300.0, gt=0)
    # seconds between the two reads that confirm an issue is gone
    gone_recheck: float = Field(default=60.0, ge=0)
    # once a ticket's link is made, its comments of this many seconds before are read again:
    # those no change brought with the link there (out of order, syncd down) are copied
    catch_up: float = Field(default=3600.0, ge=0)
    delivery_retention_days: int = Field(default=7, ge=1)


class Settings(BaseSettings):
    """The whole configuration, validated. Environment variables win over the file."""

    model_config = SettingsConfigDict(
        extra="forbid", env_prefix=ENV_PREFIX, env_nested_delimiter="__", case_sensitive=False
    )

    store: StoreSettings = Field(default_factory=StoreSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    connectors: dict[str, Any] = Field(default_factory=dict)
    routes: list[Route] = Field(default_factory=list)
    templates: dict[str, str] = Field(default_factory=dict)
    tiers: Tiers = Field(default_factory=Tiers)
    calendars: dict[str, Calendar] = Field(default_factory=dict)
    linking: Linking = Field(default_factory=Linking)
    privacy: Privacy = Field(default_factory=Privacy)  # every route's, under its own
    attachments: FilePolicy = Field(default_factory=FilePolicy)  # every route's, under its own
    workflow: WorkflowSettings = Field(default_factory=WorkflowSettings)
    history: HistoryPages = Field(default_factory=HistoryPages)  # ticket conversation pages
    source: str = Field(default="", exclude=True)
    # problems that do not stop syncd (a secret written into the file itself), as
    # (file, key path, message); ``syncd config check --strict`` refuses them
    warnings: list[tuple[str, str, str]] = Field(default_factory=list, exclude=True)

    @field_validator("connectors")
    @classmethod
    def _typed_connectors(cls, raw: dict[str, Any]) -> dict[str, ConnectorSettings]:
        return raw  # typed in load(), where problems can name the file

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings, init_settings)

    def connector(self, name: str) -> ConnectorSettings:
        value = self.connectors[name]
        assert isinstance(value, ConnectorSettings)
        return value


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(root)"


def _problems(
    file: str, prefix: tuple[Any, ...], err: ValidationError
) -> list[tuple[str, str, str]]:
    return [(file, _loc(prefix + tuple(e["loc"])), e["msg"]) for e in err.errors()]


def parse(raw: dict[str, Any], file: str = "<config>", *, read_files: bool = True) -> Settings:
    """Validate a config tree under the ``SYNCD_*`` environment; raise ConfigError listing
    every problem of the file at once: the keys' own, what refers to what, and (with
    ``read_files``) the secret files that cannot be read. Secrets written into the file
    itself are kept as :attr:`Settings.warnings`."""
    problems: list[tuple[str, str, str]] = []
    settings, positions, unchecked = _validated(raw, file, problems)
    typed: dict[str, ConnectorSettings] = {}
    for name, conf in settings.connectors.items():
        if not isinstance(conf, dict) or "kind" not in conf:
            problems.append((file, f"connectors.{name}.kind", "missing: say which connector"))
            unchecked.add(name)
            continue
        try:
            spec = registry.spec(str(conf["kind"]))
            typed[name] = spec.settings.model_validate(conf)
        except ConfigError as err:
            problems += [(file, f"connectors.{name}.{k}", m) for _, k, m in err.problems]
            unchecked.add(name)
        except ValidationError as err:
            problems += _problems(file, ("connectors", name), err)
            unchecked.add(name)
    problems += config_check.references(
        settings, typed, file, unchecked=unchecked, positions=positions
    )
    if read_files:
        problems += config_check.unreadable(typed, file)
    try:
        check_templates(settings.templates, settings.routes, file)
    except ConfigError as err:
        problems += err.problems
    names = [r.name for r in settings.routes]
    for dup in {n for n in names if names.count(n) > 1}:
        problems.append((file, "routes", f"route name {dup!r} is used twice"))
    if problems:
        raise ConfigError(problems)
    settings.connectors = typed
    _third_party_defaults(settings)
    settings.source = file
    settings.warnings = config_check.inline_secrets(raw, file)
    return settings


def _validated(
    raw: dict[str, Any], file: str, problems: list[tuple[str, str, str]]
) -> tuple[Settings, list[int], set[str]]:
    """The settings of ``raw``; when parts of it are invalid, their problems go to
    ``problems`` and the settings of the rest are returned, so that the checks across keys
    still run in the same pass. Also returns the original index of each route kept and the
    names of the routes left out (not to be reported again as missing)."""
    try:
        return Settings(**raw), list(range(len(raw.get("routes") or []))), set()
    except ValidationError as err:
        problems += _problems(file, (), err)
        bad_keys: set[str] = set()
        bad_routes: set[int] = set()
        for e in err.errors():
            loc = e["loc"]
            if len(loc) > 1 and loc[0] == "routes" and isinstance(loc[1], int):
                bad_routes.add(loc[1])
            elif loc:
                bad_keys.add(str(loc[0]))
    rest = {k: v for k, v in raw.items() if k not in bad_keys}
    routes = raw.get("routes") if isinstance(raw.get("routes"), list) else []
    assert isinstance(routes, list)
    kept = [i for i in range(len(routes)) if i not in bad_routes]
    if "routes" in rest:
        rest["routes"] = [routes[i] for i in kept]
    left_out = {
        str(r.get("name")) for i, r in enumerate(routes) if i in bad_routes and isinstance(r, dict)
    }
    try:
        return Settings(**rest), kept, left_out
    except ValidationError:  # the environment itself is wrong: its problems are reported
        return Settings.model_construct(), [], left_out


def load(path: str | Path | None, *, read_files: bool = True) -> Settings:
    """Read the YAML file (optional), overlay ``SYNCD_*`` variables, validate; with
    ``read_files`` (for commands that reach a vendor) the secret files must be readable."""
    raw: dict[str, Any] = {}
    file = str(path) if path else "<environment>"
    if path is not None:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise ConfigError([(file, "(file)", f"cannot read: {exc.strerror}")]) from None
        try:
            loaded = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else "(file)"
            raise ConfigError([(file, where, f"not valid YAML: {exc}")]) from None
        if not isinstance(loaded, dict):
            raise ConfigError([(file, "(root)", "must be a mapping of keys to values")])
        raw = loaded
    return parse(raw, file, read_files=read_files)


def _third_party_defaults(settings: Settings) -> None:
    """A route to a third party's tracker (a supplier by mail) shares no ticket conversation
    (``history.mode: off``) and takes no reply for the customer (``handoff.customer_prefix:
    null``) unless the route sets them itself: what leaves the organisation is chosen, never
    inherited from defaults made for the organisation's own developers."""
    for route in settings.routes:
        conf = settings.connectors.get(route.target.connector or "")
        if not isinstance(conf, ConnectorSettings) or not registry.spec(conf.kind).third_party:
            continue
        if "history" not in route.model_fields_set:
            route.history = route.history.model_copy(update={"mode": "off"})
        if "customer_prefix" not in route.handoff.model_fields_set:
            route.handoff = route.handoff.model_copy(update={"customer_prefix": None})
