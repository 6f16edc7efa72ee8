"""The Jira Service Management helpdesk connector: customer requests, public and internal
comments, statuses through the request's workflow, SLA and participants, poll and webhooks.

A request is a Jira issue of a service project, so the Jira connector does what both share:
this connector holds one (:attr:`JsmConnector.issues`, on the same authenticated client)
for the account, comments with their properties and markers, and the search. JSM marks a
comment internal with the ``sd.public.comment`` property; syncd sets it in the same request
that adds the comment, with its own key, so a retried write finds the comment it made.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Unpack

from connectors.jira import mapping as jira
from connectors.jira.connector import JiraConnector
from connectors.jira.site import SITE_CAPABILITIES, SiteMethods
from connectors.jsm import mapping, webhooks
from connectors.jsm.client import ServiceDeskClient
from connectors.jsm.diagnose import diagnose
from connectors.jsm.poll import RequestPoller, cursor_since
from connectors.jsm.settings import JsmSettings
from syncd.connector import (
    Capability,
    ConnectorBase,
    DiagnoseContext,
    Finding,
    TicketChange,
    WebhookResult,
)
from syncd.connector_sla import HelpdeskSla
from syncd.errors import ConfigError, NotFound, PermanentError
from syncd.model import Comment, Ref, Ticket, TicketStatus

CAPABILITIES = SITE_CAPABILITIES | {Capability.HELPDESK_SLA}


class JsmConnector(SiteMethods, ConnectorBase):
    """Service projects of a Jira Cloud or Data Center site as a ``HelpdeskConnector``."""

    settings: JsmSettings
    client: ServiceDeskClient

    capabilities = CAPABILITIES

    def __init__(self, name: str, settings: JsmSettings) -> None:
        self.name = name
        self.settings = settings
        self.client = ServiceDeskClient(settings)
        self.issues = JiraConnector(name, settings.jira_settings(), client=self.client)
        self.projects: list[str] = list(settings.projects)
        self._statuses = settings.statuses()
        self._writes = settings.write_statuses()
        self._desks: dict[str, str] | None = None
        self._poller = RequestPoller(self)

    # -- account -------------------------------------------------------------------------

    def check(self) -> str:
        """The account syncd writes as; every configured project must be a service desk."""
        who = self.issues.check()
        desks = self.service_desks(refresh=True)
        missing = [p for p in self.projects if p not in desks]
        if missing:
            raise ConfigError(
                [
                    (
                        "",
                        f"connectors.{self.name}.projects",
                        f"{', '.join(missing)}: no service desk {who!r} can see "
                        "(a service project's key, and the account an agent there)",
                    )
                ]
            )
        return who

    def me(self) -> dict[str, Any]:
        """The account syncd writes as (read once)."""
        return self.issues.me()

    def bot_ids(self) -> set[str]:
        """Every id the bot account may appear under in comments and webhooks."""
        return self.issues.bot_ids()

    def service_desks(self, *, refresh: bool = False) -> dict[str, str]:
        """Project key -> service desk id (read once)."""
        if self._desks is None or refresh:
            self._desks = self.client.service_desks()
        return self._desks

    def diagnose(self, context: DiagnoseContext) -> list[Finding]:
        """Check the account, the service desks and their request types, the Jira
        permissions and the role of internal comments, and the webhook."""
        return diagnose(self, context)

    # -- requests ------------------------------------------------------------------------

    def _key(self, ref: Ref) -> str:
        if mapping.project_of(ref.key) not in self.projects:
            raise NotFound(f"{self.name}: {ref} is not a request of {self.projects}", status=404)
        return ref.key

    def ticket_of(self, raw: Mapping[str, Any], request_type: str | None = None) -> Ticket:
        """A request's issue JSON as a ticket."""
        return mapping.ticket_from_raw(
            self.name,
            raw,
            base_url=self.settings.base_url,
            statuses=self._statuses,
            priorities=self.settings.priorities,
            request_type=request_type,
        )

    def _raw(self, key: str) -> dict[str, Any]:
        raw = dict(self.client.get(f"issue/{key}", {"fields": ",".join(mapping.TICKET_FIELDS)}))
        if mapping.project_of(str(raw.get("key") or key)) not in self.projects:
            raise NotFound(f"{self.name}: {key} moved out of the service projects", status=404)
        return raw

    def get_ticket(self, ref: Ref) -> Ticket:
        """Read one request, with its request type as the group (the service desk API);
        ``NotFound`` if it is gone or left the service projects."""
        raw = self._raw(self._key(ref))
        request = self.client.sd_get(f"request/{raw['key']}", {"expand": "requestType"})
        kind = (request or {}).get("requestType") or {}
        return self.ticket_of(raw, request_type=str(kind["name"]) if kind.get("name") else None)

    def update_ticket(self, ref: Ref, **change: Unpack[TicketChange]) -> Ticket:
        """Priority and labels in one edit, then the comment (public: the customer reads it),
        then the status through the request's workflow. Custom fields are not written."""
        issue_key = self._key(ref)
        priority, add, remove = (
            change.get("priority"),
            change.get("add_tags", ()),
            change.get("remove_tags", ()),
        )
        if priority is not None or add or remove:
            self.issues.update_issue(
                Ref.issue(self.name, issue_key),
                priority=priority,
                add_labels=add,
                remove_labels=remove,
            )
        if (comment := change.get("comment")) is not None:
            public, key = change.get("public", False), change.get("key") or ""
            self.add_comment(ref, comment, public=public, key=key)
        if (status := change.get("status")) is not None:
            self._move_to(issue_key, TicketStatus(status))
        return self.get_ticket(ref)

    def _move_to(self, key: str, target: TicketStatus) -> None:
        """Move a request to ``target``'s status: a customer transition of the service desk
        API where it reaches it, else the agent's workflow transition."""
        wanted = self._writes[target]
        status = (self._raw(key).get("fields") or {}).get("status") or {}
        if mapping.status_of(status, self._statuses) == target:
            return  # there already, or in a status that means the same (Escalated: on-hold)
        listed = self.client.get(f"issue/{key}/transitions", {"expand": "transitions.fields"})
        transition = mapping.pick_transition(listed.get("transitions", []), target, wanted)
        if transition is None:
            raise PermanentError(
                f"{key}: no transition from {status.get('name')} reaches {wanted!r}"
            )
        missing = jira.required_fields(transition)
        if missing:
            raise PermanentError(
                f"{key}: transition {transition.get('name')!r} requires {', '.join(missing)}"
            )
        tid = str(transition["id"])
        customer = {str(t.get("id")) for t in self.client.sd_values(f"request/{key}/transition")}
        if tid in customer and not jira.needs_resolution(transition):
            self.client.sd_send("POST", f"request/{key}/transition", {"id": tid})
            return
        payload: dict[str, Any] = {"transition": {"id": tid}}
        if jira.needs_resolution(transition):
            payload["fields"] = {"resolution": {"name": self.settings.resolution}}
        self.client.send("POST", f"issue/{key}/transitions", payload)

    def participants(self, ref: Ref) -> list[str]:
        """The display names of the request's participants (customers copied on it)."""
        key = self._key(ref)
        return [
            mapping.participant_name(u) for u in self.client.sd_values(f"request/{key}/participant")
        ]

    def request_types(self, project: str) -> list[str]:
        """The names of a service desk's request types."""
        desk = self.service_desks().get(project.upper())
        if desk is None:
            raise NotFound(f"{self.name}: {project} is not a service desk", status=404)
        return [
            str(t.get("name")) for t in self.client.sd_values(f"servicedesk/{desk}/requesttype")
        ]

    def sla(self, ref: Ref) -> list[mapping.Sla]:
        """JSM's own SLA metrics of the request, with their cycles."""
        key = self._key(ref)
        return [mapping.sla_from_raw(s) for s in self.client.sd_values(f"request/{key}/sla")]

    def helpdesk_slas(self, ref: Ref) -> list[HelpdeskSla]:
        """The request's SLA goals as the core reads them (``HELPDESK_SLA``): each metric's
        running cycle, else its last completed one; metrics with no cycle are left out."""
        now = datetime.now(UTC)
        found = [mapping.neutral_sla(s, now) for s in self.sla(ref)]
        return [s for s in found if s is not None]

    # -- comments ------------------------------------------------------------------------

    def _issue(self, parent: Ref) -> Ref:
        return Ref.issue(self.name, self._key(parent))

    def _own(self, comment: Comment, parent: Ref) -> Comment:
        return comment.model_copy(update={"parent": parent})

    def comments(self, parent: Ref) -> list[Comment]:
        """Every comment on the request, oldest first, public or internal as JSM says."""
        return [self._own(c, parent) for c in self.issues.comments(self._issue(parent))]

    def add_comment(self, parent: Ref, body: str, *, public: bool, key: str) -> Comment:
        """A comment the customer reads (public) or an internal one, carrying ``key``."""
        made = self.issues.add_comment(self._issue(parent), body, public=public, key=key)
        return self._own(made, parent)

    def find_comment(self, parent: Ref, key: str) -> Comment | None:
        """The comment syncd wrote with ``key``."""
        found = self.issues.find_comment(self._issue(parent), key)
        return self._own(found, parent) if found else None

    def edit_comment(self, ref: Ref, parent: Ref, body: str) -> Comment:
        """Replace a comment's body; it stays as visible as it was."""
        return self._own(self.issues.edit_comment(ref, self._issue(parent), body), parent)

    def delete_comment(self, ref: Ref, parent: Ref) -> None:
        """Delete a comment."""
        self.issues.delete_comment(ref, self._issue(parent))

    # -- changes -------------------------------------------------------------------------

    def cursor_since(self, moment: datetime) -> str:
        """A cursor whose polls return what changed at or after ``moment``."""
        return cursor_since(moment, self.projects)

    def webhooks_offline(self) -> bool:
        """Parsing a delivery calls Jira only while the bot's account is unknown."""
        return self.issues.webhooks_offline()

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """Turn a verified delivery into ticket changes of the service projects."""
        ctx = webhooks.Context(
            connector=self.name,
            base_url=self.settings.base_url,
            projects=frozenset(self.projects),
            statuses=self._statuses,
            priorities=self.settings.priorities,
            bot=self.bot_ids(),
        )
        return webhooks.parse(ctx, headers, body)
