"""Jira Service Management inside the emulated Jira: the service project HELP, its request
types, the stock service request workflow, customers, participants and SLA clocks, and the
service desk API's JSON shapes (``/rest/servicedeskapi``; routes in ``servicedesk_api``).

A request is an issue of HELP like any other: the platform API, JQL search and the webhooks
see it, and a comment's customer visibility is the ``sd.public.comment`` property, whichever
API wrote it. JSM's statuses, transitions and issue types join Jira's tables when this module
is loaded, as installing JSM on a site adds them. SLA clocks are computed when read from the
request's created time, its first public answer by an agent and its status: the emulator
keeps no status history, so a resolved request stops its clock at its last update. Tests set
an SLA's goal, breach time or pause with :meth:`ServiceDesk.set_sla`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .records import STATUSES, TRANSITIONS, Json, OpError, StoredIssue, User
from .servicedesk_records import (
    AGENTS,
    CUSTOMER_TRANSITIONS,
    CUSTOMERS,
    DESK,
    INITIAL_STATUS,
    PORTAL,
    PROJECT,
    PROJECT_ID,
    REQUEST_TYPES,
    SD_PUBLIC,
    SlaSetting,
    date,
    messages,
    sla_id,
    sla_values,
)

if TYPE_CHECKING:
    from .app import JiraEmulator

__all__ = [
    "CUSTOMER_TRANSITIONS",
    "DESK",
    "INITIAL_STATUS",
    "REQUEST_TYPES",
    "ServiceDesk",
    "date",
    "messages",
]


class ServiceDesk:
    """The JSM side of one emulated Jira; :meth:`reset` with the emulator."""

    def __init__(self, emulator: JiraEmulator) -> None:
        self.emu = emulator
        self.store = emulator.store
        self.reset()

    def reset(self) -> None:
        """Seed the project and the customers; no participants."""
        s = self.store
        with s.lock:
            s.projects[PROJECT] = PROJECT_ID
            s.counters.setdefault(PROJECT, 0)
            for n, (name, display) in enumerate(CUSTOMERS.items()):
                user = User(name, display, f"{name}-token", f"qm:5ad6d3581db05e2a66fa80b{n}")
                user.email = f"{name}@customer.example"
                s.users[name] = user
            self.participants: dict[str, list[str]] = {}  # issue id -> user names
            self.sla_settings: dict[str, dict[str, SlaSetting]] = {}  # issue id -> by SLA id

    # -- operations ----------------------------------------------------------------------

    def request(self, key: str, user: User | None = None) -> StoredIssue:
        """A request by key or id, if ``user`` may see it (a customer: only their own)."""
        issue = self.store.find(key, user)
        if issue is None or issue.project != PROJECT:
            raise OpError(404, ["The request does not exist or you cannot see it."])
        if user is not None and not self.is_agent(user) and not self._involved(user, issue):
            raise OpError(404, ["The request does not exist or you cannot see it."])
        return issue

    def is_agent(self, user: User) -> bool:
        return user.name in AGENTS

    def _involved(self, user: User, issue: StoredIssue) -> bool:
        return user.name == issue.reporter or user.name in self.participants.get(issue.id, [])

    def create(self, who: str, body: Json) -> StoredIssue:
        """``POST /request``: a request of a request type, raised by or for a customer."""
        if str(body.get("serviceDeskId") or "") != DESK:
            raise OpError(404, ["The service desk does not exist."])
        kind = REQUEST_TYPES.get(str(body.get("requestTypeId") or ""))
        if kind is None:
            raise OpError(400, ["The request type does not exist in this service desk."])
        values = dict(body.get("requestFieldValues") or {})
        reporter = self._user(body.get("raiseOnBehalfOf")) or who
        fields: Json = {
            "project": {"key": PROJECT},
            "issuetype": {"id": kind["issueTypeId"]},
            "summary": values.get("summary"),
            "description": values.get("description"),
            "labels": values.get("labels") or [],
        }
        if values.get("priority"):
            fields["priority"] = values["priority"]
        try:
            issue = self.emu.create(reporter, fields)
        except OpError as exc:
            raise OpError(400, messages(exc)) from None
        self.participants[issue.id] = [
            n for n in map(self._user, body.get("requestParticipants") or []) if n
        ]
        return issue

    def customer(self, display: str) -> str:
        """The customer account shown as ``display``, made on first use."""
        with self.store.lock:
            for u in self.store.users.values():
                if u.display == display:
                    return u.name
            name = "".join(ch for ch in display.lower() if ch.isalnum()) or "customer"
            user = User(name, display, f"{name}-token", f"qm:{len(self.store.users):024x}")
            user.email = f"{name}@customer.example"
            self.store.users[name] = user
            return name

    def _user(self, ref: Any) -> str | None:
        for u in self.store.users.values():
            if ref and ref in (u.account_id, u.name):
                return u.name
        return None

    def comment(self, user: User, issue: StoredIssue, body: Any, public: bool) -> Json:
        """``POST /request/{key}/comment``; only agents may write internal comments."""
        if not isinstance(body, str) or not body.strip():
            raise OpError(400, ["The comment body is required."])
        if not public and not self.is_agent(user):
            raise OpError(403, ["Only agents can add internal comments."])
        props = [{"key": SD_PUBLIC, "value": {"internal": not public}}]
        return self.emu.add_comment(user.name, issue.key, body, None, props)[1]

    def transition(self, user: User, issue: StoredIssue, tid: str, comment: Any) -> None:
        """``POST /request/{key}/transition``: a customer transition, with a public comment."""
        if tid not in CUSTOMER_TRANSITIONS or issue.status not in TRANSITIONS[tid][2]:
            raise OpError(400, [f"The transition {tid} is not available for this request."])
        self.emu.transition(user.name, issue.key, tid)
        if isinstance(comment, dict) and comment.get("body"):
            self.comment(user, issue, comment["body"], True)

    def add_participants(self, issue: StoredIssue, refs: list[Any]) -> None:
        names = [self._user(r) for r in refs]
        if not all(names):
            raise OpError(400, ["A participant is not a customer of this service desk."])
        have = self.participants.setdefault(issue.id, [])
        have.extend(n for n in names if n and n not in have)

    def remove_participants(self, issue: StoredIssue, refs: list[Any]) -> None:
        gone = {self._user(r) for r in refs}
        self.participants[issue.id] = [
            n for n in self.participants.get(issue.id, []) if n not in gone
        ]

    # -- shapes --------------------------------------------------------------------------

    def sd(self, path: str) -> str:
        return f"{self.store.base_url}/rest/servicedeskapi/{path}"

    def user(self, name: str) -> Json:
        """A ``UserDTO``."""
        u = self.store.users[name]
        rest = f"{self.store.base_url}/rest/api/2/user?"
        out: Json = {"emailAddress": u.email, "displayName": u.display, "active": True}
        out["timeZone"] = u.tz
        if self.store.flavour == "cloud":
            out["accountId"] = u.account_id
            rest += f"accountId={u.account_id}"
        else:
            out |= {"name": u.name, "key": u.name}
            rest += f"username={u.name}"
        out["_links"] = {
            "jiraRest": rest,
            "avatarUrls": {"48x48": f"{self.store.base_url}/avatar/{u.name}.png"},
            "self": rest,
        }
        return out

    def status(self, issue: StoredIssue) -> Json:
        """A ``CustomerRequestStatusDTO``."""
        name, category = STATUSES[issue.status]
        return {
            "status": name,
            "statusCategory": category.upper(),
            "statusDate": date(issue.updated),
        }

    def render_request(self, issue: StoredIssue, expand: list[str]) -> Json:
        """A ``CustomerRequestDTO``."""
        type_id = next(i for i, t in REQUEST_TYPES.items() if t["issueTypeId"] == issue.issuetype)
        description = self.store.render_body(issue.description, "2")
        out: Json = {
            "_expands": ["participant", "status", "sla", "requestType", "serviceDesk"],
            "issueId": issue.id,
            "issueKey": issue.key,
            "requestTypeId": type_id,
            "serviceDeskId": DESK,
            "createdDate": date(issue.created),
            "reporter": self.user(issue.reporter),
            "requestFieldValues": [
                {"fieldId": "summary", "label": "Summary", "value": issue.summary},
                {"fieldId": "description", "label": "Description", "value": description},
            ],
            "currentStatus": self.status(issue),
            "_links": {
                "jiraRest": f"{self.store.base_url}/rest/api/2/issue/{issue.id}",
                "web": f"{self.store.base_url}/servicedesk/customer/portal/{PORTAL}/{issue.key}",
                "self": self.sd(f"request/{issue.id}"),
                "agent": f"{self.store.base_url}/browse/{issue.key}",
            },
        }
        if "requestType" in expand:
            out["requestType"] = self.render_type(type_id)
        if "serviceDesk" in expand:
            out["serviceDesk"] = self.render_desk()
        if "participant" in expand:
            names = self.participants.get(issue.id, [])
            out["participants"] = self.paged([self.user(n) for n in names], 0, 50, "")
        if "sla" in expand:
            out["sla"] = self.paged(self.slas(issue), 0, 50, "")
        return out

    def render_desk(self) -> Json:
        """A ``ServiceDeskDTO``."""
        return {
            "id": DESK,
            "projectId": PROJECT_ID,
            "projectName": "Help Desk",
            "projectKey": PROJECT,
            "_links": {"self": self.sd(f"servicedesk/{DESK}")},
        }

    def render_type(self, type_id: str) -> Json:
        """A ``RequestTypeDTO``."""
        kind = REQUEST_TYPES[type_id]
        return {
            "_expands": [],
            "id": type_id,
            "_links": {"self": self.sd(f"servicedesk/{DESK}/requesttype/{type_id}")},
            "name": kind["name"],
            "description": kind["name"],
            "helpText": kind["help"],
            "issueTypeId": kind["issueTypeId"],
            "serviceDeskId": DESK,
            "portalId": PORTAL,
            "groupIds": ["1"],
        }

    def render_comment(self, issue: StoredIssue, c: Json) -> Json:
        """A ``CommentDTO``: the body as wiki markup, ``public`` as JSM keeps it."""
        internal = bool((c["properties"].get(SD_PUBLIC) or {}).get("internal"))
        return {
            "_expands": ["attachment", "renderedBody"],
            "id": c["id"],
            "body": self.store.render_body(c["body"], "2") or "",
            "public": not internal and not c.get("visibility"),
            "author": self.user(c["author"]),
            "created": date(c["created"]),
            "_links": {"self": self.sd(f"request/{issue.id}/comment/{c['id']}")},
        }

    def paged(self, items: list[Json], start: int, limit: int, path: str) -> Json:
        """A ``PagedDTO`` of ``items[start:start + limit]``, with its links."""
        page = items[start : start + limit]
        last = start + len(page) >= len(items)
        links: Json = {"base": self.sd("").rstrip("/"), "context": ""}
        sep = "&" if "?" in path else "?"
        if not last:
            links["next"] = self.sd(f"{path}{sep}start={start + limit}&limit={limit}")
        if start > 0:
            links["prev"] = self.sd(f"{path}{sep}start={max(0, start - limit)}&limit={limit}")
        return {
            "_expands": [],
            "size": len(page),
            "start": start,
            "limit": limit,
            "isLastPage": last,
            "_links": links,
            "values": page,
        }

    def slas(self, issue: StoredIssue) -> list[Json]:
        """The request's ``SlaInformationDTO`` values at this moment."""
        given = self.sla_settings.get(issue.id)
        return sla_values(issue, self.store.now(), self.sd, given)

    def set_sla(self, key: str, name: str, **setting: Any) -> None:
        """Set the goal, breach time or pause of a request's SLA called ``name`` (tests)."""
        with self.store.lock:
            issue_id, sid = self.request(key).id, sla_id(name)
            self.sla_settings.setdefault(issue_id, {})[sid] = SlaSetting(**setting)
