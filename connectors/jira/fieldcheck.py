"""``syncd connectors test`` for the fields routes map on Jira: each name must find a field
in ``GET field`` (by id, or by its display name), and each version a value map writes to a
version field must exist in the routes' projects (``GET project/{key}/versions``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncd.connector import DiagnoseContext, FieldUse
from syncd.diagnose import Checks
from syncd.errors import RemoteError

if TYPE_CHECKING:
    from .connector import JiraConnector

SCREEN = "Jira settings → Issues → Custom fields (or the field's screen)"


def check_fields(conn: JiraConnector, context: DiagnoseContext, checks: Checks) -> None:
    """One finding per mapped field: found (with its id), or missing with what Jira has."""
    if not context.issue_fields:
        return
    try:
        known = conn.catalog.fields(fresh=True)
    except RemoteError as exc:
        checks.failed("mapped fields", exc, "syncd's account must be able to read GET /field")
        return
    projects = [u.project for u in context.projects]
    for use in context.issue_fields:
        f = conn.catalog.find(use.name)
        where = ", ".join(use.named_by)
        if f is None:
            names = ", ".join(sorted({k.name for k in known if k.id.startswith("customfield_")}))
            checks.missing(
                f"field {use.name!r}",
                f"{where}: Jira has no field by that name or id (custom fields: {names or 'none'})",
                f"name an existing field, or create it: {SCREEN}",
            )
            continue
        checks.ok(f"field {use.name!r}", f"{f.name} ({f.id}, {f.kind})")
        if f.items == "version" or f.kind == "version":
            _versions(conn, use, projects, checks)


def _versions(conn: JiraConnector, use: FieldUse, projects: list[str], checks: Checks) -> None:
    for project in projects:
        try:
            listed = conn.client.get(f"project/{project}/versions") or []
        except RemoteError as exc:
            checks.failed(f"versions of {project}", exc)
            continue
        have = {str(v.get("name")) for v in listed}
        lacking = [v for v in use.values if v not in have]
        if lacking:
            checks.missing(
                f"field {use.name!r} values in {project}",
                f"{', '.join(use.named_by)}: no version {', '.join(map(repr, lacking))} "
                f"(versions: {', '.join(sorted(have)) or 'none'})",
                "create the version (Project settings → Releases) or fix the value map",
            )
