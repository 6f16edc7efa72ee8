"""The emulated Jira's fields: the catalog ``GET /rest/api/{2,3}/field`` answers (system
fields named as each flavour names them, and custom fields), the projects' versions, and the
values of versions, fix versions, components and custom fields on issues, checked as Jira
checks them (an unknown version or option is a 400 naming the field).
"""

from __future__ import annotations

from typing import Any

from .records import Json, StoredIssue

# id -> (Data Center name, Cloud name, schema)
SYSTEM: dict[str, tuple[str, str, Json]] = {
    "summary": ("Summary", "Summary", {"type": "string", "system": "summary"}),
    "description": ("Description", "Description", {"type": "string", "system": "description"}),
    "status": ("Status", "Status", {"type": "status", "system": "status"}),
    "resolution": ("Resolution", "Resolution", {"type": "resolution", "system": "resolution"}),
    "priority": ("Priority", "Priority", {"type": "priority", "system": "priority"}),
    "labels": ("Labels", "Labels", {"type": "array", "items": "string", "system": "labels"}),
    "assignee": ("Assignee", "Assignee", {"type": "user", "system": "assignee"}),
    "reporter": ("Reporter", "Reporter", {"type": "user", "system": "reporter"}),
    "created": ("Created", "Created", {"type": "datetime", "system": "created"}),
    "updated": ("Updated", "Updated", {"type": "datetime", "system": "updated"}),
    "project": ("Project", "Project", {"type": "project", "system": "project"}),
    "issuetype": ("Issue Type", "Issue Type", {"type": "issuetype", "system": "issuetype"}),
    "components": (
        "Component/s",
        "Components",
        {"type": "array", "items": "component", "system": "components"},
    ),
    "versions": (
        "Affects Version/s",
        "Affects versions",
        {"type": "array", "items": "version", "system": "versions"},
    ),
    "fixVersions": (
        "Fix Version/s",
        "Fix versions",
        {"type": "array", "items": "version", "system": "fixVersions"},
    ),
    "comment": ("Comment", "Comment", {"type": "comments-page", "system": "comment"}),
}
_TYPES = "com.atlassian.jira.plugin.system.customfieldtypes:"
# id -> (name, type, custom type, options)
CUSTOM: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "customfield_10020": ("Customer Impact", "option", "select", ("Low", "Medium", "High")),
    "customfield_10021": ("Support Tier", "string", "textfield", ()),
    "customfield_10022": ("Reported Version", "string", "textfield", ()),
}
VERSIONS: dict[str, list[tuple[str, str | None, bool]]] = {  # project -> (name, date, released)
    "WID": [("2.3", "2026-10-01", True), ("2.4", "2027-01-14", False), ("2.5", None, False)],
    "OPS": [("2026.12", "2026-12-31", False)],
}
VERSION_IDS = {
    f"{project}/{name}": str(10100 + n)
    for n, (project, name) in enumerate(
        (project, name) for project, listed in VERSIONS.items() for name, _, _ in listed
    )
}
COMPONENTS = {"WID": ("Backend", "Frontend", "Billing"), "OPS": ("Infrastructure",)}


def catalog(flavour: str) -> list[Json]:
    """The ``GET /field`` answer: system and custom fields with their schemas."""
    out: list[Json] = []
    for fid, (dc, cloud, schema) in SYSTEM.items():
        out.append(
            {
                "id": fid,
                "key": fid,
                "name": cloud if flavour == "cloud" else dc,
                "custom": False,
                "orderable": fid not in ("status", "created", "updated", "comment"),
                "navigable": True,
                "searchable": True,
                "clauseNames": [fid],
                "schema": dict(schema),
            }
        )
    for fid, (name, kind, custom, _) in CUSTOM.items():
        number = int(fid.rsplit("_", 1)[1])
        out.append(
            {
                "id": fid,
                "key": fid,
                "name": name,
                "custom": True,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [f"cf[{number}]", name],
                "schema": {"type": kind, "custom": _TYPES + custom, "customId": number},
            }
        )
    return out


def version_json(rest: str, project_id: str, project: str, name: str) -> Json:
    """A version as Jira renders it, in an issue's fields and in the project's list."""
    found = next((v for v in VERSIONS.get(project, []) if v[0] == name), (name, None, False))
    vid = VERSION_IDS.get(f"{project}/{name}", "0")
    out: Json = {
        "self": f"{rest}/version/{vid}",
        "id": vid,
        "name": name,
        "archived": False,
        "released": found[2],
        "projectId": int(project_id),
    }
    if found[1]:
        out["releaseDate"] = found[1]
    return out


def render(issue: StoredIssue, rest: str, project_id: str) -> Json:
    """The issue's versions, fix versions and custom field values, as REST renders them."""
    out: Json = {
        "versions": [version_json(rest, project_id, issue.project, v) for v in issue.versions],
        "fixVersions": [
            version_json(rest, project_id, issue.project, v) for v in issue.fix_versions
        ],
    }
    for fid, (_, kind, _, options) in CUSTOM.items():
        value = issue.custom.get(fid)
        if kind == "option" and value is not None:
            number = 10000 + options.index(value) if value in options else 0
            out[fid] = {
                "self": f"{rest}/customFieldOption/{number}",
                "value": value,
                "id": str(number),
            }
        else:
            out[fid] = value
    return out


def _names(value: Any, key: str = "name") -> list[str]:
    items = value if isinstance(value, list) else [] if value is None else [value]
    return [str(v.get(key) or v.get("id") or "") if isinstance(v, dict) else str(v) for v in items]


def apply(issue: StoredIssue, fields: Json, errors: dict[str, str]) -> None:
    """Set versions, fix versions, components and custom fields from REST ``fields``; with
    any error (``errors`` holds the others' too) nothing is set, as Jira's edits are whole."""
    known = {n for n, _, _ in VERSIONS.get(issue.project, [])}
    changes: dict[str, Any] = {}
    for fid, attr in (("versions", "versions"), ("fixVersions", "fix_versions")):
        if fid in fields:
            names = _names(fields[fid])
            bad = [n for n in names if n not in known]
            if bad:
                errors[fid] = f"Version name '{bad[0]}' is not valid"
            changes[attr] = names
    if "components" in fields:
        names = _names(fields["components"])
        bad = [n for n in names if n not in COMPONENTS.get(issue.project, ())]
        if bad:
            errors["components"] = f"Component name '{bad[0]}' is not valid"
        changes["components"] = names
    custom = dict(issue.custom)
    for fid, value in fields.items():
        if not fid.startswith("customfield_"):
            continue
        if fid not in CUSTOM:
            errors[fid] = (
                f"Field '{fid}' cannot be set. It is not on the appropriate screen, or unknown."
            )
            continue
        _, kind, _, options = CUSTOM[fid]
        if kind == "option":
            chosen = value.get("value") if isinstance(value, dict) else value
            if chosen is not None and chosen not in options:
                errors[fid] = f"Option value '{chosen}' is not valid"
            custom[fid] = chosen
        else:
            custom[fid] = None if value in (None, "") else str(value)
    if errors:
        return
    for attr, value in changes.items():
        setattr(issue, attr, value)
    issue.custom = custom


def snapshot(issue: StoredIssue) -> Json:
    """The changelog's view of these fields (field name -> (from/to, string))."""
    out: Json = {
        "Version": (None, ", ".join(issue.versions) or None),
        "Fix Version": (None, ", ".join(issue.fix_versions) or None),
        "Component": (None, ", ".join(issue.components) or None),
    }
    for fid, (name, *_) in CUSTOM.items():
        out[name] = (None, issue.custom.get(fid))
    return out


def project_versions(rest: str, project_id: str, project: str) -> list[Json]:
    """``GET /project/{key}/versions``."""
    return [version_json(rest, project_id, project, n) for n, _, _ in VERSIONS.get(project, [])]
