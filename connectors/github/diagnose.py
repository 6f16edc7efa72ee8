"""``syncd connectors test`` for GitHub: the token, and each repository syncd works in.

Checks: the token (``GET /user``; a classic token lists its scopes in ``X-OAuth-Scopes``, a
fine-grained one shows nothing of its permissions), then for every repository routes target
or the connector polls: that it exists and the account may write issues (``permissions`` of
``GET /repos/{owner}/{repo}``), that Issues are on, that the labels syncd writes exist or
can be created, and the webhook to syncd (``GET /repos/{owner}/{repo}/hooks``, for
repository admins only, and for an organization's repositories ``GET /orgs/{org}/hooks``:
without those rights the answer is "could not tell").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from syncd.connector import DiagnoseContext, Finding, ProjectUse
from syncd.diagnose import Checks, first_call, webhook_target
from syncd.errors import Forbidden, NotFound, RemoteError

if TYPE_CHECKING:
    from .connector import GitHubConnector

EVENTS = ("issues", "issue_comment")
HOOK_SCOPES = {"repo", "admin:repo_hook", "write:repo_hook", "read:repo_hook"}
# GitHub's permissions keys, highest first, with the role names its settings show
ROLES = (
    ("admin", "admin"),
    ("maintain", "maintain"),
    ("push", "write"),
    ("triage", "triage"),
    ("pull", "read"),
)


def diagnose(conn: GitHubConnector, context: DiagnoseContext) -> list[Finding]:
    """The findings of one GitHub connector."""
    checks = Checks()
    me = first_call(
        checks,
        conn.settings.base_url,
        lambda: conn.client.call("GET", "/user"),
        check="token",
        refused="GitHub refused the token",
        fix="create a new token for syncd's account (Settings → Developer settings → "
        "Personal access tokens) and set token / token_file",
    )
    if me is None:
        return checks
    login = str((me.data or {}).get("login") or "?")
    raw = me.headers.get("x-oauth-scopes")
    scopes = None if raw is None else {s.strip() for s in raw.split(",") if s.strip()}
    _token(checks, login, scopes)
    if context.webhooks and not conn.settings.secret("webhook_secret", required=False):
        checks.missing(
            "webhook secret",
            "webhooks are on but no webhook_secret is set: every delivery would be refused",
            "set webhook_secret (or webhook_secret_file) to the secret of the webhook to syncd",
        )
    for use in _uses(conn, context):
        _repository(conn, context, checks, use, login, scopes)
    return checks


def _token(checks: Checks, login: str, scopes: set[str] | None) -> None:
    if scopes is None:
        checks.ok("token", f"{login}, fine-grained token")
        checks.unknown(
            "token permissions",
            "GitHub does not show what a fine-grained token may do; the rows below show the "
            "account's role in each repository",
            "make sure the token has Issues: Read and write (and Webhooks: Read for the "
            "webhook check) on every repository below",
        )
        return
    shown = ", ".join(sorted(scopes)) or "none"
    if scopes & {"repo", "public_repo"}:
        checks.ok("token", f"{login}, classic token with scopes: {shown}")
        return
    checks.missing(
        "token",
        f"{login}: the classic token has the scopes {shown}, without repo",
        "give the token the repo scope (public_repo for public repositories only), or use a "
        "fine-grained token with Issues: Read and write",
    )


def _uses(conn: GitHubConnector, context: DiagnoseContext) -> list[ProjectUse]:
    uses = list(context.projects)
    named = {u.project.lower() for u in uses}
    uses += [ProjectUse(r) for r in conn.watched if r.lower() not in named]
    return uses


def _repository(
    conn: GitHubConnector,
    context: DiagnoseContext,
    checks: Checks,
    use: ProjectUse,
    login: str,
    scopes: set[str] | None,
) -> None:
    repo = use.project
    by = f" (routes {', '.join(use.routes)})" if use.routes else " (repositories)"
    try:
        data = conn.client.call("GET", f"/repos/{repo}").data or {}
    except NotFound:
        checks.missing(
            f"{repo}: access",
            f"no repository {repo}, or the token cannot see it{by}",
            "check the route's target.project; give the token access to the repository "
            "(fine-grained: Repository access; an organization may have to approve it)",
        )
        return
    except Forbidden as exc:
        checks.missing(f"{repo}: access", f"GitHub refused access: {exc}", "give the token access")
        return
    except RemoteError as exc:
        checks.failed(f"{repo}: access", exc)
        return
    perms = data.get("permissions") or {}
    role = next((name for key, name in ROLES if perms.get(key)), "unknown")
    can_label = bool(perms.get("push") or perms.get("triage"))
    if data.get("archived"):
        checks.missing(
            f"{repo}: access",
            f"{repo} is archived: read-only{by}",
            "unarchive it (Settings → General → Danger Zone) or route elsewhere",
        )
    elif scopes is not None and "repo" not in scopes and data.get("private"):
        checks.missing(
            f"{repo}: access",
            f"{repo} is private and the token has public_repo only",
            "give the classic token the repo scope",
        )
    elif perms and not can_label:
        checks.missing(
            f"{repo}: access",
            f"{login} has {role} access: it cannot label, close or reopen issues{by}",
            f"give {login} the Triage role or higher (Settings → Collaborators and teams)",
        )
    else:
        checks.ok(f"{repo}: access", f"{login} has {role} access{by}")
    if data.get("has_issues") is False:
        checks.missing(
            f"{repo}: issues",
            "Issues are turned off in this repository",
            "turn them on: Settings → General → Features → Issues",
        )
        return
    _labels(conn, checks, use, login, bool(perms.get("push")) if perms else True)
    _webhook(conn, context, checks, repo, data)


def _labels(
    conn: GitHubConnector, checks: Checks, use: ProjectUse, login: str, can_create: bool
) -> None:
    s = conn.settings
    wanted = list(dict.fromkeys([*s.priority_labels.values(), *s.in_progress_labels, *use.labels]))
    check = f"{use.project}: labels"
    try:
        have = {
            str(lb.get("name", "")).lower()
            for page in conn.client.pages(f"/repos/{use.project}/labels", {"per_page": 100})
            for lb in page.data or []
            if isinstance(lb, dict)
        }
    except RemoteError as exc:
        checks.failed(check, exc)
        return
    absent = [w for w in wanted if w.lower() not in have]
    if not absent:
        checks.ok(check, f"all {len(wanted)} labels syncd writes exist")
    elif can_create:
        checks.ok(
            check,
            f"{len(wanted) - len(absent)} of {len(wanted)} labels syncd writes exist; the others "
            "are created on first use",
        )
    else:
        checks.missing(
            check,
            f"{login} may not create labels and these do not exist: {', '.join(absent)}",
            f"create them (Issues → Labels in {use.project}) or give {login} the Write role",
        )


def _webhook(
    conn: GitHubConnector,
    context: DiagnoseContext,
    checks: Checks,
    repo: str,
    data: dict[str, Any],
) -> None:
    check = f"{repo}: webhook"
    url = webhook_target(context, checks, check)
    if url is None:
        return
    screen = f"Settings → Webhooks of {repo}"
    try:
        hooks = _hooks(conn, f"/repos/{repo}/hooks")
    except (NotFound, Forbidden):
        checks.unknown(
            check,
            "only repository admins may list its webhooks (a classic token also needs repo or "
            "admin:repo_hook, a fine-grained one Webhooks: Read)",
            f"look in {screen} for a webhook to {url} with Issues and Issue comments, content "
            "type application/json and the secret; or grant those rights and test again",
        )
        return
    except RemoteError as exc:
        checks.failed(check, exc)
        return
    mine = [h for h in hooks if _same((h.get("config") or {}).get("url"), url)]
    owner = data.get("owner") or {}
    if not mine and owner.get("type") == "Organization":
        org = str(owner.get("login"))
        try:
            mine = [
                h
                for h in _hooks(conn, f"/orgs/{org}/hooks")
                if _same((h.get("config") or {}).get("url"), url)
            ]
        except (NotFound, Forbidden):
            checks.unknown(
                check,
                f"no repository webhook to {url}; an organization webhook of {org} may deliver "
                "instead, but listing those needs an organization owner (admin:org_hook)",
                f"look in the settings of {org} → Webhooks, or add a repository webhook ({screen})",
            )
            return
        except RemoteError as exc:
            checks.failed(check, exc)
            return
        screen = f"Settings → Webhooks of {org}"
    if not mine:
        checks.missing(
            check,
            f"no webhook to {url}",
            f"add one ({screen}): payload URL {url}, content type application/json, the "
            "secret of webhook_secret, events Issues and Issue comments",
        )
        return
    hook = next((h for h in mine if h.get("active")), mine[0])
    _one_hook(conn, checks, check, hook, screen)


def _hooks(conn: GitHubConnector, path: str) -> list[dict[str, Any]]:
    return [
        h
        for page in conn.client.pages(path, {"per_page": 100})
        for h in page.data or []
        if isinstance(h, dict)
    ]


def _same(hook_url: Any, url: str) -> bool:
    return isinstance(hook_url, str) and hook_url.rstrip("/") == url.rstrip("/")


def _one_hook(
    conn: GitHubConnector, checks: Checks, check: str, hook: dict[str, Any], screen: str
) -> None:
    config = hook.get("config") or {}
    events = set(hook.get("events") or [])
    lacking = [] if "*" in events else [e for e in EVENTS if e not in events]
    where = f"{screen} → the webhook to {config.get('url')}"
    problems = []
    if not hook.get("active"):
        problems.append(("it is inactive", "tick Active"))
    if lacking:
        problems.append(
            (f"it lacks the events {', '.join(lacking)}", "tick Issues and Issue comments")
        )
    if config.get("content_type") != "json":
        problems.append(
            (f"it sends {config.get('content_type')}", "set Content type to application/json")
        )
    if conn.settings.secret("webhook_secret", required=False) and not config.get("secret"):
        problems.append(
            ("it has no secret, so syncd refuses its deliveries", "set Secret to webhook_secret")
        )
    if problems:
        checks.missing(
            check,
            "; ".join(p for p, _ in problems),
            f"{where}: " + "; ".join(f for _, f in problems),
        )
        return
    signed = ", signed" if config.get("secret") else ""
    detail = f"{config.get('url')}: active, events {', '.join(sorted(events))}, JSON{signed}"
    if str(config.get("insecure_ssl")) == "1":
        checks.warning(
            check,
            f"{detail}; TLS certificates are not verified",
            f"{where}: enable SSL verification",
        )
    else:
        checks.ok(check, detail)
