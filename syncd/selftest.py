"""What ``syncd connectors test`` gives each connector and makes of its answer.

The core knows no vendor: it tells a connector which projects routes target, which ticket
fields the workflow names and where webhooks should arrive (:func:`context_for`), lets it
check itself through :class:`~syncd.connector.Diagnose`, and turns whatever still escapes
into one finding (:func:`run`), so one broken connector never hides the others. No secret
leaves: :func:`redact` takes out every value :func:`secrets_of` finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import SecretStr

from syncd.connector import (
    Capability,
    CheckStatus,
    ConnectorSettings,
    Diagnose,
    DiagnoseContext,
    FieldUse,
    Finding,
    ProjectUse,
)
from syncd.diagnose import unreachable
from syncd.engine.impact import ALL_LABELS as IMPACT_LABELS
from syncd.engine.sla import AT_RISK_LABEL, BREACHED_LABEL
from syncd.errors import AuthError, ConfigError, RemoteError, TransientError
from syncd.settings import Settings


def context_for(settings: Settings, name: str) -> DiagnoseContext:
    """What connector ``name`` is used for by the rest of ``settings``."""
    conf = settings.connector(name)
    public = settings.server.public_url.strip().rstrip("/")
    return DiagnoseContext(
        projects=_projects(settings, name),
        fields=_fields(settings, name),
        issue_fields=_issue_fields(settings, name),
        webhooks=conf.webhooks,
        webhook_url=f"{public}/webhooks/{name}" if public else None,
    )


def _projects(settings: Settings, name: str) -> tuple[ProjectUse, ...]:
    uses: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for route in settings.routes:
        target = route.target
        if target.connector != name or not target.project:
            continue
        routes, types, labels = uses.setdefault(target.project, ([], [], []))
        routes.append(route.name)
        if target.issue_type and target.issue_type not in types:
            types.append(target.issue_type)
        wanted = [*target.labels, *([f"team:{target.team}"] if target.team else [])]
        if route.sla is not None:
            wanted += [AT_RISK_LABEL, BREACHED_LABEL]
        wanted += IMPACT_LABELS
        labels += [x for x in wanted if x not in labels]
    return tuple(
        ProjectUse(project, tuple(r), tuple(t), tuple(lb)) for project, (r, t, lb) in uses.items()
    )


def _fields(settings: Settings, name: str) -> tuple[FieldUse, ...]:
    named: dict[str, list[str]] = {}

    def add(field: str | None, key: str) -> None:
        if field and key not in named.setdefault(field, []):
            named[field].append(key)

    add(settings.linking.field, "linking.field")
    add(settings.tiers.customer_tier_field, "tiers.customer_tier_field")
    for route in settings.routes:
        if route.helpdesk not in (None, name):
            continue
        for field in route.match.fields:
            add(field, f"routes.{route.name}.match.fields")
        add(route.dev_priority.field, f"routes.{route.name}.dev_priority.field")
        for i, m in enumerate(route.fields):
            if m.ticket_custom:
                add(m.ticket_field, f"routes.{route.name}.fields.{i}.ticket")
    return tuple(FieldUse(field, tuple(keys)) for field, keys in named.items())


def _issue_fields(settings: Settings, name: str) -> tuple[FieldUse, ...]:
    """The issue fields routes targeting ``name`` map, with the keys that name them."""
    named: dict[str, list[str]] = {}
    values: dict[str, list[str]] = {}
    for route in settings.routes:
        if route.target.connector != name:
            continue
        for i, m in enumerate(route.fields):
            named.setdefault(m.issue, []).append(f"routes.{route.name}.fields.{i}.issue")
            written = values.setdefault(m.issue, [])
            if m.crosses("to_issue"):
                written += [v for v in m.values.values() if v and v not in written]
    return tuple(FieldUse(f, tuple(keys), tuple(values[f])) for f, keys in named.items())


def run(conn: object, context: DiagnoseContext, base_url: str) -> list[Finding]:
    """The findings of one connector; what escapes its ``diagnose`` becomes one finding."""
    caps: frozenset[Capability] = getattr(conn, "capabilities", frozenset())
    if Capability.DIAGNOSE not in caps or not isinstance(conn, Diagnose):
        return [
            Finding(
                "self-test",
                CheckStatus.UNKNOWN,
                "this connector cannot check its own set-up",
                "check its credentials and permissions by hand",
            )
        ]
    try:
        return list(conn.diagnose(context))
    except TransientError as exc:
        return [unreachable(base_url, exc)]
    except AuthError as exc:
        return [Finding("credentials", CheckStatus.MISSING, str(exc), "check the credentials")]
    except ConfigError as exc:
        detail = "; ".join(f"{k}: {m}" if k else m for _, k, m in exc.problems)
        return [Finding("configuration", CheckStatus.MISSING, detail, "fix the config file")]
    except RemoteError as exc:
        return [Finding("self-test", CheckStatus.UNKNOWN, f"stopped early: {exc}")]
    except Exception as exc:  # a bug must not hide the other connectors' findings
        return [
            Finding(
                "self-test",
                CheckStatus.UNKNOWN,
                f"stopped early on an unexpected error: {type(exc).__name__}: {exc}",
                "report this with the output of the command",
            )
        ]


def secrets_of(conf: ConnectorSettings) -> list[str]:
    """Every secret value of a connector's settings (inline or from ``*_file``)."""
    found: list[str] = []
    for key in type(conf).model_fields:
        value = getattr(conf, key, None)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif key.endswith("_file") and value is not None:
            try:
                secret = conf.secret(key.removesuffix("_file"), required=False)
            except ConfigError:
                continue
            if secret:
                found.append(secret)
    return [s for s in found if len(s) >= 4]


def redact(findings: Iterable[Finding], secrets: Iterable[str]) -> list[Finding]:
    """The findings with any secret value replaced by ``***`` (a vendor may echo one)."""
    ordered = sorted(set(secrets), key=len, reverse=True)
    if not ordered:
        return list(findings)
    pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def clean(text: str) -> str:
        return pattern.sub("***", text)

    return [
        Finding(f.check, f.status, clean(f.detail), clean(f.fix)) if f.detail or f.fix else f
        for f in findings
    ]
