"""The people of a Jira Service Management helpdesk on the emulated Jira: customers who raise
requests and an agent (``bob``) who answers them, for the demo, end-to-end tests and
benchmarks.

They act in process through the emulator's service desk operations, which fire the same
webhooks as the REST API, and read its state without HTTP, so request counters show only
syncd's calls.
"""

from __future__ import annotations

from typing import Any

from connectors.jira.emulator import KIT as JIRA_KIT
from connectors.jira.emulator import JiraActor
from connectors.jira.emulator import config as jira_config
from connectors.jira.emulator.app import JiraEmulator
from connectors.jira.emulator.records import STATUSES, TRANSITIONS
from connectors.jira.emulator.servicedesk import DESK, REQUEST_TYPES
from connectors.jira.settings import DEFAULT_PRIORITIES
from syncd.connector import EmulatorKit
from syncd.model import Comment, Ref, Ticket
from syncd.testing.actors import HelpdeskActor, NewTicket

from ..mapping import ticket_from_raw
from ..settings import DEFAULT_STATUSES

AGENT = "bob"
PROJECT = "HELP"


class JsmActor(HelpdeskActor[JiraEmulator]):
    """An agent and the customers of the service project HELP."""

    def __init__(self, emulator: JiraEmulator, instance: str, base_url: str) -> None:
        super().__init__(emulator, instance, base_url)
        self.desk = emulator.servicedesk
        self.reader = JiraActor(emulator, instance, base_url)  # a request is an issue
        self.credentials = {
            "syncd": {
                "email": "syncd-bot@example.com",
                "api_token": "bot-token",
                "pat": "bot-token",
            },
            "agent": {"login": AGENT, "token": f"{AGENT}-token"},
            "customer": {"login": "ada", "token": "ada-token"},
        }

    def open_ticket(self, new: NewTicket) -> str:
        """A customer raises a request (of the request type named ``group``, else the
        first); the agent's labels and priority are on it from the start."""
        if new.files:
            raise TypeError("the JSM actor attaches no files to a new request")
        kind = next((i for i, t in REQUEST_TYPES.items() if t["name"] == new.group), "10")
        values: dict[str, Any] = {
            "summary": new.subject,
            "description": new.description,
            "labels": new.tags,
        }
        if new.priority is not None:
            values["priority"] = {"name": DEFAULT_PRIORITIES[new.priority]}
        body = {"serviceDeskId": DESK, "requestTypeId": kind, "requestFieldValues": values}
        return self.desk.create(self.desk.customer(new.requester), body).key

    def comment(self, ticket: Ref, body: str, *, public: bool) -> None:
        """The agent answers the customer (public) or writes an internal comment."""
        with self.emulator.store.lock:
            user = self.emulator.store.users[AGENT]
            self.desk.comment(user, self.desk.request(ticket.key), body, public)

    def customer_comment(self, ticket: Ref, body: str) -> None:
        """The customer who raised the request writes on it."""
        with self.emulator.store.lock:
            issue = self.desk.request(ticket.key)
            self.desk.comment(self.emulator.store.users[issue.reporter], issue, body, True)

    def set_status(self, ticket: Ref, status: str) -> None:
        """The agent moves the request to the status named ``status``."""
        issue = self.desk.request(ticket.key)
        for tid, (_, target, sources, _) in TRANSITIONS.items():
            if issue.status in sources and STATUSES[target][0] == status:
                self.emulator.transition(AGENT, ticket.key, tid)
                return
        raise ValueError(f"no transition from {STATUSES[issue.status][0]} to {status}")

    def status_name(self, ticket: Ref) -> str:
        """The JSM status the request is in."""
        return STATUSES[self.desk.request(ticket.key).status][0]

    def ticket(self, ref: Ref) -> Ticket:
        issue = self.desk.request(ref.key)
        kind = next(t for t in REQUEST_TYPES.values() if t["issueTypeId"] == issue.issuetype)
        return ticket_from_raw(
            self.instance,
            self.emulator.store.render_issue(issue, "2"),
            base_url=self.base_url,
            statuses=DEFAULT_STATUSES,
            priorities=DEFAULT_PRIORITIES,
            request_type=str(kind["name"]),
        )

    def comments(self, ref: Ref) -> list[Comment]:
        """The request's comments as syncd reads them (public or internal)."""
        return self.reader.comments(ref)


def config(flavour: str) -> Any:
    """The connector settings syncd's bot uses against an emulator of ``flavour``: the Jira
    connector's, as a helpdesk of the service project."""

    def make(base_url: str, webhook_secret: str | None) -> dict[str, Any]:
        site = jira_config(flavour)(base_url, webhook_secret)
        return {**site, "kind": "jsm", "projects": [PROJECT]}

    return make


KIT = EmulatorKit(build=JIRA_KIT.build, actor=JsmActor, config=config("cloud"))
DATACENTER_KIT = EmulatorKit(
    build=lambda **kw: JIRA_KIT.build(flavour="datacenter", **kw),
    actor=JsmActor,
    config=config("datacenter"),
)
