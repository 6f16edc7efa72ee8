"""Root settings: one YAML file plus ``SYNCD_*`` environment variables.

Connector instances are typed by their ``kind`` through the registry, so the core knows no
vendor. Every validation problem is reported with the file, the key path and what is wrong.
Environment variables override the file with ``__`` between levels, for example
``SYNCD_CONNECTORS__GITHUB__TOKEN=...`` sets ``connectors.github.token``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from syncd import registry
from syncd.connector import ConnectorSettings
from syncd.errors import ConfigError
from syncd.model import Priority
from syncd.templates import check_settings as check_templates
from syncd.workflow import (
    Calendar,
    DevPriority,
    Duplicates,
    Linking,
    Privacy,
    SlaPolicy,
    Tiers,
    WorkflowSettings,
)

Mode = Literal["pending", "redirect"]
ENV_PREFIX = "SYNCD_"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoreSettings(Strict):
    url: str = "sqlite:///syncd.db"
    echo: bool = False


class ServerSettings(Strict):
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # how vendors reach syncd; shown to admins
    max_body_bytes: int = 1_048_576
    shutdown_grace: float = 10.0


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
    batch: int = 50
    idle_sleep: float = 0.05
    # tickets whose actions run side by side (each ticket's own actions stay in order)
    lanes: int = Field(default=4, ge=1, le=64)
    # seconds the worker waits, at most, while a burst of webhook deliveries is being answered,
    # before it takes its next batch anyway (0: it never waits)
    intake_first: float = Field(default=0.25, ge=0.0, le=10.0)
    max_attempts: int = 12  # durable retries before a transient failure is dead-lettered
    backoff_base: float = 1.0
    backoff_cap: float = 300.0
    gone_recheck: float = 60.0  # seconds between the two reads that confirm an issue is gone
    delivery_retention_days: int = 7


class Match(Strict):
    """Which tickets a route takes; every given condition must hold."""

    tags: list[str] = Field(default_factory=list)  # all of these
    any_tags: list[str] = Field(default_factory=list)  # at least one of these
    not_tags: list[str] = Field(default_factory=list)
    group: list[str] = Field(default_factory=list)  # helpdesk group or RT queue
    organization: list[str] = Field(default_factory=list)
    priority: list[Priority] = Field(default_factory=list)
    fields: dict[str, str | list[str]] = Field(default_factory=dict)  # value or one of
    tiers: list[str] = Field(default_factory=list)  # support tiers accepted (empty: any)
    customer_tier: list[str] = Field(default_factory=list)  # via tiers.customer_tier_field


class Target(Strict):
    # None: a third party with no connector; the route must redirect to ``redirect_to``
    connector: str | None
    project: str = ""
    labels: list[str] = Field(default_factory=list)
    issue_type: str | None = None
    components: list[str] = Field(default_factory=list)
    assignee: str | None = None
    team: str | None = None  # added as the label ``team:<name>``


def _ownership() -> dict[str, Literal["support", "dev"]]:
    return {"status": "dev", "priority": "support"}


class Route(Strict):
    """An admin rule: which tickets escalate, where to, and how."""

    name: str
    helpdesk: str | None = None  # helpdesk instance; None: any
    match: Match = Field(default_factory=Match)
    target: Target
    mode: Mode = "pending"
    sync: bool = True  # false: existing links stop syncing and switch to redirect
    priority_map: dict[Priority, Priority] = Field(default_factory=dict)
    dev_priority: DevPriority = Field(default_factory=DevPriority)
    # which side's value of a synced field (status, priority) wins; the loser goes to the audit
    ownership: dict[str, Literal["support", "dev"]] = Field(default_factory=_ownership)
    comment_prefix: str = "/dev"
    copy_public_replies: bool = False
    notify_progress: bool = False  # tell the customer when work starts or a milestone is set
    templates: dict[str, str] = Field(default_factory=dict)
    redirect_to: str | None = None  # where to follow the work when there is no issue URL
    sla: SlaPolicy | None = None
    duplicates: Duplicates = Field(default_factory=Duplicates)
    privacy: Privacy = Field(default_factory=Privacy)

    @model_validator(mode="after")
    def _dev_may_set_priority(self) -> Route:
        # a route that lets the developers' priority reach the ticket gives them the field,
        # unless the admin wrote the ownership out
        if self.dev_priority.set_ticket_priority and "ownership" not in self.model_fields_set:
            self.ownership = {**self.ownership, "priority": "dev"}
        return self


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
    connectors: dict[str, Any] = Field(default_factory=dict)
    routes: list[Route] = Field(default_factory=list)
    templates: dict[str, str] = Field(default_factory=dict)
    tiers: Tiers = Field(default_factory=Tiers)
    calendars: dict[str, Calendar] = Field(default_factory=dict)
    linking: Linking = Field(default_factory=Linking)
    workflow: WorkflowSettings = Field(default_factory=WorkflowSettings)
    source: str = Field(default="", exclude=True)

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


def parse(raw: dict[str, Any], file: str = "<config>") -> Settings:
    """Validate a config tree under the ``SYNCD_*`` environment; raise ConfigError listing
    every problem."""
    problems: list[tuple[str, str, str]] = []
    try:
        settings = Settings(**raw)
    except ValidationError as err:
        raise ConfigError(_problems(file, (), err)) from None
    typed: dict[str, ConnectorSettings] = {}
    for name, conf in settings.connectors.items():
        if not isinstance(conf, dict) or "kind" not in conf:
            problems.append((file, f"connectors.{name}.kind", "missing: say which connector"))
            continue
        try:
            spec = registry.spec(str(conf["kind"]))
            typed[name] = spec.settings.model_validate(conf)
        except ConfigError as err:
            problems += [(file, f"connectors.{name}.{k}", m) for _, k, m in err.problems]
        except ValidationError as err:
            problems += _problems(file, ("connectors", name), err)
    problems += _check_routes(settings, file)
    for i, route in enumerate(settings.routes):
        where = f"routes.{i}({route.name})"
        if route.target.connector is None:
            pass
        elif route.target.connector not in settings.connectors:
            problems.append(
                (
                    file,
                    f"{where}.target.connector",
                    f"no connector named {route.target.connector!r}",
                )
            )
        if route.helpdesk and route.helpdesk not in settings.connectors:
            problems.append((file, f"{where}.helpdesk", f"no connector named {route.helpdesk!r}"))
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
    settings.source = file
    return settings


def _check_routes(settings: Settings, file: str) -> list[tuple[str, str, str]]:
    """Cross-key checks of the workflow settings."""
    problems = []
    names = {r.name for r in settings.routes}
    for i, route in enumerate(settings.routes):
        where = f"routes.{i}({route.name})"
        if route.target.connector is None and not (route.mode == "redirect" and route.redirect_to):
            problems.append(
                (
                    file,
                    f"{where}.target.connector",
                    "a route without a connector must have mode redirect and redirect_to",
                )
            )
        if route.target.connector and not route.target.project:
            problems.append((file, f"{where}.target.project", "missing: say which project"))
        cal = route.sla.calendar if route.sla else None
        if cal and cal not in settings.calendars:
            problems.append((file, f"{where}.sla.calendar", f"no calendar named {cal!r}"))
    if settings.linking.route and settings.linking.route not in names:
        problems.append((file, "linking.route", f"no route named {settings.linking.route!r}"))
    return problems


def load(path: str | Path | None) -> Settings:
    """Read the YAML file (optional), overlay ``SYNCD_*`` variables, validate."""
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
    return parse(raw, file)
