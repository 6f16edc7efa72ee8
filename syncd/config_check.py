"""Checks of a whole configuration beyond the type of each key: what refers to what, the
files syncd must be able to read, and secrets written into the file itself.

Each check returns problems as ``(file, key path, message)``, the form of
:class:`~syncd.errors.ConfigError`, so :func:`syncd.settings.parse` reports every problem
of a file in one pass. Inline secrets are warnings, not errors: ``syncd config check``
prints them (``--strict`` refuses them) and ``syncd run`` logs them at start.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncd import registry
from syncd.connector import ConnectorSettings, Role

if TYPE_CHECKING:
    from syncd.settings import Settings

Problem = tuple[str, str, str]


def _role(conf: ConnectorSettings) -> Role:
    return registry.spec(conf.kind).role


def references(
    settings: Settings,
    connectors: Mapping[str, ConnectorSettings],
    file: str,
    *,
    unchecked: Collection[str] = (),
    positions: Sequence[int] = (),
) -> list[Problem]:
    """Names that must refer to something of the right kind. ``connectors`` are those that
    validated; names in ``unchecked`` (connectors or routes with problems of their own) are
    not reported again as missing; ``positions`` are the routes' indexes in the file."""
    problems: list[Problem] = []
    names = {r.name for r in settings.routes} | set(unchecked)
    known = set(connectors) | set(unchecked)
    for n, route in enumerate(settings.routes):
        i = positions[n] if n < len(positions) else n
        where = f"routes.{i}({route.name})"
        target = route.target.connector
        if target is None and not (route.mode == "redirect" and route.redirect_to):
            problems.append(
                (
                    file,
                    f"{where}.target.connector",
                    "a route without a connector must have mode redirect and redirect_to",
                )
            )
        if target and not route.target.project:
            problems.append((file, f"{where}.target.project", "missing: say which project"))
        if target and target not in known:
            problems.append((file, f"{where}.target.connector", f"no connector named {target!r}"))
        elif target and target in connectors and _role(connectors[target]) != Role.TRACKER:
            problems.append(
                (
                    file,
                    f"{where}.target.connector",
                    f"{target!r} is a {_role(connectors[target]).value}, not a tracker",
                )
            )
        hd = route.helpdesk
        if hd and hd not in known:
            problems.append((file, f"{where}.helpdesk", f"no connector named {hd!r}"))
        elif hd and hd in connectors and _role(connectors[hd]) != Role.HELPDESK:
            problems.append(
                (
                    file,
                    f"{where}.helpdesk",
                    f"{hd!r} is a {_role(connectors[hd]).value}, not a helpdesk: the route "
                    "would never take a ticket",
                )
            )
        cal = route.sla.calendar if route.sla else None
        if cal and cal not in settings.calendars:
            problems.append((file, f"{where}.sla.calendar", f"no calendar named {cal!r}"))
        helpdesks = [hd] if hd else _helpdesks(connectors)
        for name in route.match.fields:
            problems += _field(connectors, helpdesks, name, file, f"{where}.match.fields.{name}")
        for i, m in enumerate(route.fields):
            if m.ticket_custom:
                problems += _field(
                    connectors, helpdesks, m.ticket_field, file, f"{where}.fields.{i}.ticket"
                )
            conf = connectors.get(target or "")
            why = conf.issue_field_problem(m.issue) if conf is not None else None
            if why:
                problems.append((file, f"{where}.fields.{i}.issue", f"{target}: {why}"))
    if settings.linking.route and settings.linking.route not in names:
        problems.append((file, "linking.route", f"no route named {settings.linking.route!r}"))
    if settings.linking.field:
        problems += _field(
            connectors, _helpdesks(connectors), settings.linking.field, file, "linking.field"
        )
    if settings.tiers.customer_tier_field:
        problems += _field(
            connectors,
            _helpdesks(connectors),
            settings.tiers.customer_tier_field,
            file,
            "tiers.customer_tier_field",
        )
    return problems


def _helpdesks(connectors: Mapping[str, ConnectorSettings]) -> list[str]:
    return [n for n, c in connectors.items() if _role(c) == Role.HELPDESK]


def _field(
    connectors: Mapping[str, ConnectorSettings],
    helpdesks: list[str],
    name: str,
    file: str,
    key: str,
) -> list[Problem]:
    """A ticket field named in the workflow must be one each helpdesk can read."""
    out = []
    for hd in helpdesks:
        conf = connectors.get(hd)
        why = conf.field_problem(name) if conf is not None else None
        if why:
            out.append((file, key, f"{hd}: {why}"))
    return out


def unreadable(connectors: Mapping[str, ConnectorSettings], file: str) -> list[Problem]:
    """Every ``*_file`` a connector is given must be readable now, as ``syncd run`` reads it."""
    problems = []
    for name, conf in connectors.items():
        for key in type(conf).model_fields:
            path = getattr(conf, key)
            if not key.endswith("_file") or path is None:
                continue
            try:
                Path(path).read_bytes()
            except OSError as exc:
                problems.append(
                    (file, f"connectors.{name}.{key}", f"cannot read {path}: {exc.strerror}")
                )
    return problems


def inline_secrets(raw: Mapping[str, Any], file: str) -> list[Problem]:
    """Secrets written in the file itself (not from the environment or a file): warnings
    naming each key and where the secret should live instead."""
    found: list[Problem] = []
    connectors = raw.get("connectors")
    if isinstance(connectors, Mapping):
        for name, conf in connectors.items():
            if not isinstance(conf, Mapping):
                continue
            try:
                model = registry.spec(str(conf.get("kind"))).settings
            except Exception:  # an unknown kind is reported by the validation itself
                continue
            for key, value in conf.items():
                if value and _is_secret(model, str(key)):
                    found.append(_move(file, ("connectors", str(name), str(key))))
    dashboard = raw.get("dashboard")
    if isinstance(dashboard, Mapping):
        for key in ("token", "password"):
            if dashboard.get(key):
                found.append(_move(file, ("dashboard", key)))
    server = raw.get("server")
    if isinstance(server, Mapping) and server.get("history_secret"):
        found.append(_move(file, ("server", "history_secret")))
    return found


def _is_secret(model: type[ConnectorSettings], key: str) -> bool:
    field = model.model_fields.get(key)
    return field is not None and "SecretStr" in str(field.annotation)


def _move(file: str, path: tuple[str, ...]) -> Problem:
    env = "SYNCD_" + "__".join(p.upper().replace("-", "_") for p in path)
    leaf = path[-1]
    hint = f"{leaf}_file: /run/secrets/…" if path[0] == "connectors" else "the environment"
    return (
        file,
        ".".join(path),
        f"a secret written in the config file: set {env} in the environment or use {hint}",
    )
