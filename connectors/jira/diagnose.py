"""``syncd connectors test`` for Jira Cloud and Data Center.

Checks: the account (``GET myself``), then per project routes target or the connector polls:
that it exists with the issue types syncd creates (``GET project/{key}``), the project
permissions syncd needs (``GET mypermissions``), the fields routes map (``GET field``,
``GET project/{key}/versions``: :mod:`.fieldcheck`), and the role of ``internal_visibility``
with syncd's account in it (``GET project/{key}/role/{id}``, which needs *Administer
Projects*); or, for a group, that it exists (``GET groups/picker``) and holds the account.
Last the webhook to syncd (``GET /rest/webhooks/1.0/webhook``, for Jira administrators
only: for others the answer is "could not tell").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.jira.fieldcheck import check_fields
from syncd.connector import DiagnoseContext, Finding, ProjectUse
from syncd.diagnose import Checks, first_call, webhook_target
from syncd.errors import AuthError, Forbidden, NotFound, RemoteError

if TYPE_CHECKING:
    from .connector import JiraConnector

# project permissions syncd cannot work without, and those whose lack costs a feature
REQUIRED = {
    "BROWSE_PROJECTS": "Browse Projects",
    "CREATE_ISSUES": "Create Issues",
    "EDIT_ISSUES": "Edit Issues",
    "TRANSITION_ISSUES": "Transition Issues",
    "ADD_COMMENTS": "Add Comments",
    "LINK_ISSUES": "Link Issues",
}
WANTED = {
    "RESOLVE_ISSUES": "Resolve Issues (a resolution on transition screens)",
    "EDIT_OWN_COMMENTS": "Edit Own Comments (copied comment edits)",
    "DELETE_OWN_COMMENTS": "Delete Own Comments (copied comment deletions)",
    "ADMINISTER_PROJECTS": "Administer Projects (privacy: public: auto; without it the "
    "project counts as public and text sent there is redacted)",
}
EVENTS = (
    "jira:issue_created",
    "jira:issue_updated",
    "comment_created",
    "comment_updated",
    "comment_deleted",
)
SCHEME = "Project settings → Permissions"
HOOKS_SCREEN = "Jira settings → System → WebHooks"


def diagnose(conn: JiraConnector, context: DiagnoseContext) -> list[Finding]:
    """The findings of one Jira connector."""
    checks = Checks()
    s = conn.settings
    how = (
        "check email and api_token (id.atlassian.com → Security → API tokens)"
        if s.flavour == "cloud"
        else "check pat (Profile → Personal Access Tokens), or username and password"
    )
    me = first_call(
        checks,
        s.base_url,
        lambda: conn.client.get("myself", {"expand": "groups"}),
        check="credentials",
        refused="Jira refused the credentials",
        fix=how,
    )
    if me is None:
        return checks
    flavour = "Jira Cloud" if s.flavour == "cloud" else "Jira Data Center"
    who = f"{me.get('displayName')} ({me.get('accountId') or me.get('name')}), {flavour}"
    if me.get("active") is False:
        checks.missing("credentials", f"{who}: the account is inactive", "reactivate it")
        return checks
    checks.ok("credentials", who)
    groups = {str(g.get("name")) for g in (me.get("groups") or {}).get("items") or []}
    if s.internal_visibility.type == "group":
        _group(conn, checks, groups)
    uses = _uses(conn, context)
    for use in uses:
        _project(conn, checks, use, me, groups)
    check_fields(conn, context, checks)
    _webhook(conn, context, checks, [u.project for u in uses])
    return checks


def _uses(conn: JiraConnector, context: DiagnoseContext) -> list[ProjectUse]:
    uses = list(context.projects)
    named = {u.project.upper() for u in uses}
    uses += [ProjectUse(p) for p in conn.settings.projects if p.upper() not in named]
    return uses


def _project(
    conn: JiraConnector, checks: Checks, use: ProjectUse, me: dict[str, Any], groups: set[str]
) -> None:
    key = use.project
    by = f" (routes {', '.join(use.routes)})" if use.routes else " (projects)"
    try:
        project = conn.client.get(f"project/{key}")
    except NotFound:
        checks.missing(
            f"{key}: project",
            f"no project {key}, or syncd's account may not browse it{by}",
            "check the route's target.project, and grant Browse Projects to syncd's account "
            f"({SCHEME})",
        )
        return
    except RemoteError as exc:
        checks.failed(f"{key}: project", exc)
        return
    types = [str(t.get("name")) for t in project.get("issueTypes") or []]
    wanted = list(use.issue_types) or [conn.settings.issue_type]
    absent = [t for t in wanted if t.casefold() not in {x.casefold() for x in types}]
    if absent:
        checks.missing(
            f"{key}: project",
            f"{project.get('name')}: no issue type {', '.join(absent)} (it has "
            f"{', '.join(types) or 'none'})",
            "add it to the project's issue types (Project settings → Issue types), or set "
            "issue_type / the route's target.issue_type",
        )
    else:
        checks.ok(f"{key}: project", f"{project.get('name')}{by}; creates {', '.join(wanted)}")
    _permissions(conn, checks, key)
    if conn.settings.internal_visibility.type == "role":
        _role(conn, checks, key, project, me, groups)


def _permissions(conn: JiraConnector, checks: Checks, key: str) -> None:
    check = f"{key}: permissions"
    keys = [*REQUIRED, *WANTED]
    try:
        body = conn.client.get("mypermissions", {"projectKey": key, "permissions": ",".join(keys)})
    except RemoteError as exc:
        checks.failed(check, exc)
        return
    found = body.get("permissions") or {}

    def lacks(table: dict[str, str]) -> list[str]:
        return [name for k, name in table.items() if not (found.get(k) or {}).get("havePermission")]

    required, wanted = lacks(REQUIRED), lacks(WANTED)
    if required:
        checks.missing(
            check,
            "syncd's account lacks " + ", ".join(required),
            f"grant them to syncd's account (or a role or group it is in) in {key}'s permission "
            f"scheme ({SCHEME})",
        )
    else:
        checks.ok(check, ", ".join(REQUIRED.values()))
    if wanted:
        checks.warning(
            f"{key}: more permissions",
            "syncd's account lacks " + "; ".join(wanted),
            f"grant them in {key}'s permission scheme ({SCHEME})",
        )


def _role(
    conn: JiraConnector,
    checks: Checks,
    key: str,
    project: dict[str, Any],
    me: dict[str, Any],
    groups: set[str],
) -> None:
    role = conn.settings.internal_visibility.value
    check = f"{key}: role {role}"
    roles = project.get("roles") or {}
    if role not in roles:
        checks.missing(
            check,
            f"{key} has no role {role!r} (it has {', '.join(roles) or 'none'}): internal comments "
            "cannot be restricted to it",
            "add the role (Jira settings → System → Project roles) or change internal_visibility",
        )
        return
    rid = str(roles[role]).rstrip("/").rsplit("/", 1)[-1]
    try:
        body = conn.client.get(f"project/{key}/role/{rid}")
    except (Forbidden, NotFound):
        checks.unknown(
            check,
            "the role exists; who is in it takes Administer Projects to read",
            f"make sure syncd's account is in {role} (Project settings → People of {key}): "
            "Jira refuses a comment restricted to a role its author is not in",
        )
        return
    except RemoteError as exc:
        checks.failed(check, exc)
        return
    ids = {str(me.get(k)) for k in ("accountId", "name", "key") if me.get(k)}
    for actor in body.get("actors") or []:
        user = str((actor.get("actorUser") or {}).get("accountId") or actor.get("name") or "")
        group = str((actor.get("actorGroup") or {}).get("name") or actor.get("name") or "")
        if (actor.get("type") == "atlassian-user-role-actor" and user in ids) or (
            actor.get("type") == "atlassian-group-role-actor" and group in groups
        ):
            checks.ok(check, "syncd's account is in it: internal comments can be restricted")
            return
    checks.missing(
        check,
        f"syncd's account is not in {role}: Jira refuses internal comments restricted to it",
        f"add syncd's account (or a group it is in) to {role} (Project settings → People)",
    )


def _group(conn: JiraConnector, checks: Checks, groups: set[str]) -> None:
    group = conn.settings.internal_visibility.value
    check = f"group {group}"
    if group in groups:
        checks.ok(check, "syncd's account is in it: internal comments can be restricted")
        return
    try:
        found = conn.client.get("groups/picker", {"query": group, "maxResults": 50})
    except RemoteError as exc:
        checks.failed(check, exc)
        return
    exists = any(g.get("name") == group for g in found.get("groups") or [])
    checks.missing(
        check,
        f"syncd's account is not in {group}" if exists else f"Jira has no group {group!r}",
        f"add syncd's account to {group} (user management)"
        if exists
        else "create the group, or change internal_visibility",
    )


def _webhook(
    conn: JiraConnector, context: DiagnoseContext, checks: Checks, projects: list[str]
) -> None:
    url = webhook_target(context, checks)
    if url is None:
        return
    events = ", ".join(EVENTS)
    try:
        hooks = conn.client.get_path("/rest/webhooks/1.0/webhook") or []
    except (AuthError, Forbidden, NotFound):
        checks.unknown(
            "webhook",
            "only Jira administrators may list webhooks, and syncd's account is not one",
            f"look in {HOOKS_SCREEN} for an enabled webhook to {url} with {events}",
        )
        return
    except RemoteError as exc:
        checks.failed("webhook", exc)
        return
    mine = [h for h in hooks if isinstance(h, dict) and _same(h.get("url"), url)]
    if not mine:
        checks.missing(
            "webhook",
            f"no webhook to {url}",
            f"create one in {HOOKS_SCREEN}: URL {url}, events {events}, JQL empty or "
            f"naming {', '.join(projects) or 'the projects'}, and webhook_secret as its secret "
            "where Jira offers one",
        )
        return
    hook = next((h for h in mine if h.get("enabled")), mine[0])
    name = f"webhook {hook.get('name')!r} to {url}"
    lacking = [e for e in EVENTS if e not in (hook.get("events") or [])]
    if not hook.get("enabled"):
        checks.missing("webhook", f"{name} is disabled", f"enable it ({HOOKS_SCREEN})")
    elif lacking:
        checks.missing(
            "webhook", f"{name} lacks {', '.join(lacking)}", f"tick them ({HOOKS_SCREEN})"
        )
    else:
        jql = str((hook.get("filters") or {}).get("issue-related-events-section") or "")
        left = [p for p in projects if p.upper() not in jql.upper()]
        if jql and left:
            checks.warning(
                "webhook",
                f"{name}: its JQL filter {jql!r} may leave out {', '.join(left)}",
                f"widen the filter ({HOOKS_SCREEN}) or leave it empty",
            )
        else:
            checks.ok("webhook", f"{name}: enabled, issue and comment events")


def _same(hook_url: Any, url: str) -> bool:
    return isinstance(hook_url, str) and hook_url.rstrip("/") == url.rstrip("/")
