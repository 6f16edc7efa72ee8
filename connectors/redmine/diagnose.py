"""``syncd connectors test`` for Redmine, through what its REST API shows syncd's user.

Checks: the API key (``GET /users/current.json``: 401 is a wrong key, 403 a REST API switched
off), the statuses and priorities syncd writes (by name, in ``/issue_statuses.json`` and the
``IssuePriority`` enumeration), the trackers it names, then per project (the routes'
targets and ``projects``): that syncd's user sees it, that the trackers routes ask for are
enabled there, and that the labels field is enabled on it. What the API never shows (the
role's workflow, the right to set notes private) is "could not tell", with where to look.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncd.connector import DiagnoseContext, Finding, ProjectUse
from syncd.diagnose import Checks, first_call
from syncd.errors import Forbidden, NotFound, RemoteError, TransientError

if TYPE_CHECKING:
    from .connector import RedmineConnector

API_SCREEN = "Administration → Settings → API → Enable REST web service"
MEMBERS_SCREEN = "the project's Settings → Members"


def diagnose(conn: RedmineConnector, context: DiagnoseContext) -> list[Finding]:
    """The findings of one Redmine connector."""
    checks = Checks()
    s = conn.settings
    try:
        login = first_call(
            checks,
            s.base_url,
            conn.check,
            check="credentials",
            fix="copy the API access key of syncd's Redmine user (My account → API access key) "
            f"into api_key / api_key_file, and check {API_SCREEN}",
        )
    except Forbidden as exc:
        checks.missing("credentials", f"the REST API refused: {exc}", f"tick {API_SCREEN}")
        return checks
    if login is None:
        return checks
    admin = " (an administrator: more rights than syncd needs)" if conn.me().get("admin") else ""
    checks.ok("credentials", f"{login}{admin}")
    checks.ok("webhooks", f"Redmine sends none: syncd polls every {s.poll_interval:g} s")
    _names(conn, checks)
    uses = {u.project: u for u in context.projects}
    for project in s.projects:
        uses.setdefault(project, ProjectUse(project=project))
    for use in uses.values():
        _project(conn, checks, use)
    checks.unknown(
        "rights the API does not show",
        "the workflow of syncd's role (every status syncd writes, from every status) and "
        "the permissions 'Add notes', 'Set notes as private' and 'View private notes'",
        "Administration → Roles and permissions, and → Workflow, for the role of "
        f"{login} in each project",
    )
    return checks


def _names(conn: RedmineConnector, checks: Checks) -> None:
    s = conn.settings
    wanted = [
        ("statuses", "issue status", conn.catalog.status_id, set(s.write_statuses().values())),
        (
            "priorities",
            "issue priority",
            conn.catalog.priority_id,
            set(s.write_priorities().values()),
        ),
        (
            "trackers",
            "tracker",
            conn.catalog.tracker_id,
            {t for t in [s.default_tracker, *s.trackers.values()] if t},
        ),
    ]
    for check, what, lookup, names in wanted:
        missing: list[str] = []
        try:
            for name in sorted(names):
                try:
                    lookup(name)
                except RemoteError as exc:
                    if isinstance(exc, TransientError):
                        raise
                    missing.append(name)
        except RemoteError as exc:
            checks.failed(check, exc)
            continue
        if missing:
            checks.missing(
                check,
                f"no {what} named {', '.join(repr(m) for m in missing)}",
                f"create it in Redmine's Administration, or map another {what} in the settings",
            )
        else:
            checks.ok(check, ", ".join(sorted(names)) or "none named")


def _project(conn: RedmineConnector, checks: Checks, use: ProjectUse) -> None:
    name = f"project {use.project}"
    try:
        project = conn.catalog.project(use.project, fresh=True)
    except (NotFound, Forbidden):
        checks.missing(
            name,
            "syncd's user cannot see it (no such identifier, or not a member)",
            f"check the identifier, and add syncd's user with a role in {MEMBERS_SCREEN}",
        )
        return
    except RemoteError as exc:
        checks.failed(name, exc)
        return
    wanted = {conn.settings.tracker_for(use.project, t) for t in use.issue_types or (None,)}
    off = sorted(t for t in wanted if t and t not in project.trackers)
    if off:
        checks.missing(
            name,
            f"tracker {', '.join(off)} not enabled (it has {', '.join(project.trackers)})",
            "tick the tracker in the project's Settings → Issue tracking",
        )
        return
    field = conn.settings.labels_field
    if field and field not in project.custom_fields:
        checks.warning(
            name,
            f"no issue custom field {field!r} enabled here: labels are not written",
            f"create a text issue custom field {field!r} and tick it in the project's "
            "Settings → Issue tracking, or set labels_field: null",
        )
        return
    seen = "public" if project.public else "private"
    checks.ok(name, f"{seen}, trackers {', '.join(project.trackers)}")
