"""``syncd connectors test`` for Jira Service Management.

The Jira connector's checks run first on the same account and the service projects
(:func:`connectors.jira.diagnose.diagnose`: credentials, the project permissions, the role
or group of internal comments, the webhook to syncd). Its per-project finding on the issue
types syncd creates does not apply to a helpdesk, which creates none: in its place each
project is checked as a service desk (``GET /rest/servicedeskapi/servicedesk``) whose
request types syncd's account can read (``GET servicedesk/{id}/requesttype``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.jira.diagnose import diagnose as jira_diagnose
from syncd.connector import CheckStatus, DiagnoseContext, Finding
from syncd.diagnose import Checks
from syncd.errors import RemoteError

if TYPE_CHECKING:
    from .connector import JsmConnector

DESKS = "Projects → the service project → Project settings → Request types"


def diagnose(conn: JsmConnector, context: DiagnoseContext) -> list[Finding]:
    """The findings of one JSM connector."""
    shared = DiagnoseContext(webhooks=context.webhooks, webhook_url=context.webhook_url)
    found = jira_diagnose(conn.issues, shared)
    if not found or found[0].status != CheckStatus.OK:
        return found  # unreachable, or the credentials refused: nothing more to ask
    projects = {f"{p}: project" for p in conn.projects}
    checks = Checks(f for f in found if f.check not in projects)
    try:
        desks = conn.service_desks(refresh=True)
    except RemoteError as exc:
        checks.failed("service desks", exc)
        return checks
    for key in conn.projects:
        check = f"{key}: service desk"
        if key not in desks:
            checks.missing(
                check,
                f"{key} is not a service desk syncd's account can see",
                "name a service project's key in projects, and add syncd's account to the "
                "project's Service Desk Team role (an agent)",
            )
            continue
        try:
            types = conn.request_types(key)
        except RemoteError as exc:
            checks.failed(check, exc)
            continue
        if types:
            checks.ok(check, f"service desk {desks[key]}; request types {', '.join(types)}")
        else:
            checks.warning(
                check,
                f"service desk {desks[key]} has no request type syncd's account can read",
                f"give the project request types ({DESKS})",
            )
    return checks
