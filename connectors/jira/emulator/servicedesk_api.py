"""The service desk API of the emulated Jira (``/rest/servicedeskapi``), both flavours.

The same accounts, rate budget and rate headers as the platform API (authentication and
headers are :mod:`.rest_dispatch`'s); errors in the service desk API's own shape
(``errorMessage`` and ``i18nErrorMessage``). Lists page with ``start``/``limit``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .records import TRANSITIONS, Json, OpError, User
from .rest_dispatch import answer, limited, unrouted
from .servicedesk import CUSTOMER_TRANSITIONS, DESK, REQUEST_TYPES, ServiceDesk, date, messages

if TYPE_CHECKING:
    from .app import JiraEmulator

Handler = Callable[[User, re.Match[str], Request, Any], tuple[int, Any]]
KEY = r"(?P<key>[A-Za-z0-9-]+)"


def sd_error(status: int, message: str) -> Json:
    """The service desk API's error body."""
    key = {400: "bad.request", 401: "unauthorized", 403: "forbidden", 404: "not.found"}
    return {
        "errorMessage": message,
        "i18nErrorMessage": {"i18nKey": f"sd.{key.get(status, 'error')}", "parameters": []},
    }


class ServiceDeskApi:
    """Routes ``/rest/servicedeskapi`` calls to :class:`ServiceDesk`."""

    def __init__(self, emulator: JiraEmulator, desk: ServiceDesk) -> None:
        self.emu, self.desk, self.store = emulator, desk, emulator.store
        self.table: list[tuple[str, re.Pattern[str], Handler]] = []
        add = self._add
        add("GET", r"info", self.info)
        add(
            "GET",
            r"servicedesk",
            lambda u, m, r, b: (200, self._page(r, [desk.render_desk()], "servicedesk")),
        )
        add("GET", rf"servicedesk/{DESK}", lambda *a: (200, desk.render_desk()))
        add("GET", rf"servicedesk/{DESK}/requesttype", self.request_types)
        add("GET", r"requesttype", self.request_types)
        add("GET", r"request", self.list_requests)
        add("POST", r"request", self.create_request)
        add("GET", rf"request/{KEY}", self.get_request)
        add("GET", rf"request/{KEY}/comment", self.list_comments)
        add("POST", rf"request/{KEY}/comment", self.add_comment)
        add("GET", rf"request/{KEY}/comment/(?P<cid>\d+)", self.get_comment)
        add("GET", rf"request/{KEY}/participant", self.list_participants)
        add("POST", rf"request/{KEY}/participant", self.participants_changed)
        add("DELETE", rf"request/{KEY}/participant", self.participants_changed)
        add("GET", rf"request/{KEY}/transition", self.list_transitions)
        add("POST", rf"request/{KEY}/transition", self.do_transition)
        add("GET", rf"request/{KEY}/sla", self.list_slas)
        add("GET", rf"request/{KEY}/sla/(?P<sid>\d+)", self.get_sla)

    def _add(self, method: str, pattern: str, handler: Handler) -> None:
        self.table.append((method, re.compile(f"^{pattern}$"), handler))

    def routes(self) -> list[Route]:
        """The Starlette route of the service desk API."""
        methods = ["GET", "POST", "PUT", "DELETE"]
        return [Route("/rest/servicedeskapi/{path:path}", self.dispatch, methods=methods)]

    async def dispatch(self, request: Request) -> Response:
        """Authenticate, spend rate budget, route, and answer in the service desk shapes."""
        path = request.path_params["path"].rstrip("/")
        if self.store.base_url == "http://127.0.0.1":
            self.store.base_url = str(request.base_url).rstrip("/")
        api = self.emu.api
        user = api._user(request)
        if user is None:
            denied = sd_error(401, "You are not authenticated. Authentication required.")
            return JSONResponse(denied, status_code=401, headers={"WWW-Authenticate": "Basic"})
        if not self.emu.control.budget.spend(user.name):
            headers = limited(self.emu.control, api._rate_headers(user))
            return JSONResponse(sd_error(429, "Rate limit exceeded."), 429, headers=headers)
        headers = api._rate_headers(user)
        for method, pattern, handler in self.table:
            match = pattern.match(path)
            if method != request.method or not match:
                continue
            raw = await request.body()
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                return JSONResponse(sd_error(400, "Invalid JSON"), 400, headers=headers)
            try:
                with self.store.lock:
                    status, payload = handler(user, match, request, body)
            except OpError as exc:
                message = "; ".join(messages(exc))
                return JSONResponse(sd_error(exc.status, message), exc.status, headers=headers)
            return answer(status, payload, headers)
        status = unrouted(self.table, path)
        return JSONResponse(
            sd_error(status, "Not Found" if status == 404 else "Method Not Allowed"), status
        )

    def _page(self, r: Request, items: list[Json], path: str) -> Json:
        try:
            start = max(0, int(r.query_params.get("start", 0)))
            limit = min(max(1, int(r.query_params.get("limit", 50))), 100)
        except ValueError:
            raise OpError(400, ["start and limit are whole numbers"]) from None
        return self.desk.paged(items, start, limit, path)

    # -- handlers ------------------------------------------------------------------------

    def info(self, user: User, m: re.Match[str], r: Request, body: Any) -> tuple[int, Any]:
        cloud = self.store.flavour == "cloud"
        return 200, {
            "version": "10.3.0" if cloud else "5.12.4",
            "platformVersion": "1001.0.0" if cloud else "9.12.4",
            "buildDate": self.desk_date(),
            "buildChangeSet": "emulated",
            "isLicensedForUse": True,
            "_links": {"self": self.desk.sd("info")},
        }

    def desk_date(self) -> Json:
        return date(self.store.now().replace(hour=0, minute=0, second=0, microsecond=0))

    def request_types(self, user: User, m: re.Match[str], r: Request, body: Any) -> tuple[int, Any]:
        types = [self.desk.render_type(t) for t in REQUEST_TYPES]
        return 200, self._page(r, types, f"servicedesk/{DESK}/requesttype")

    def list_requests(self, user: User, m: re.Match[str], r: Request, body: Any) -> tuple[int, Any]:
        wanted = r.query_params.get("requestStatus", "ALL_REQUESTS")
        found = []
        # latest activity first, as JSM lists them
        latest = sorted(self.store.issues.values(), key=lambda i: (i.updated, int(i.id)))
        for issue in reversed(latest):
            try:
                self.desk.request(issue.key, user)
            except OpError:
                continue
            done = issue.status in ("10015", "10016", "10017")
            if (wanted == "OPEN_REQUESTS" and done) or (wanted == "CLOSED_REQUESTS" and not done):
                continue
            found.append(self.desk.render_request(issue, []))
        return 200, self._page(r, found, "request")

    def create_request(
        self, user: User, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self.desk.create(user.name, body or {})
        return 201, self.desk.render_request(issue, [])

    def get_request(self, user: User, m: re.Match[str], r: Request, body: Any) -> tuple[int, Any]:
        expand = ",".join(r.query_params.getlist("expand")).split(",")
        return 200, self.desk.render_request(self.desk.request(m["key"], user), expand)

    def list_comments(self, user: User, m: re.Match[str], r: Request, body: Any) -> tuple[int, Any]:
        issue = self.desk.request(m["key"], user)
        public = r.query_params.get("public", "true") != "false"
        internal = r.query_params.get("internal", "true") != "false" and self.desk.is_agent(user)
        shown = [self.desk.render_comment(issue, c) for c in issue.comments]
        shown = [c for c in shown if (public and c["public"]) or (internal and not c["public"])]
        return 200, self._page(r, shown, f"request/{issue.id}/comment")

    def add_comment(self, user: User, m: re.Match[str], r: Request, body: Any) -> tuple[int, Any]:
        issue = self.desk.request(m["key"], user)
        body = body or {}
        public = body.get("public", True)
        if not isinstance(public, bool):
            raise OpError(400, ["public is true or false"])
        return 201, self.desk.render_comment(
            issue, self.desk.comment(user, issue, body.get("body"), public)
        )

    def get_comment(self, user: User, m: re.Match[str], r: Request, body: Any) -> tuple[int, Any]:
        issue = self.desk.request(m["key"], user)
        shown = self.desk.render_comment(issue, self.emu.find_comment(issue, m["cid"]))
        if not shown["public"] and not self.desk.is_agent(user):
            raise OpError(404, ["The comment does not exist or you cannot see it."])
        return 200, shown

    def list_participants(
        self, user: User, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self.desk.request(m["key"], user)
        users = [self.desk.user(n) for n in self.desk.participants.get(issue.id, [])]
        return 200, self._page(r, users, f"request/{issue.id}/participant")

    def participants_changed(
        self, user: User, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self.desk.request(m["key"], user)
        body = body or {}
        refs = [*(body.get("accountIds") or []), *(body.get("usernames") or [])]
        if r.method == "POST":
            self.desk.add_participants(issue, refs)
        else:
            self.desk.remove_participants(issue, refs)
        return self.list_participants(user, m, r, None)

    def list_transitions(
        self, user: User, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        issue = self.desk.request(m["key"], user)
        shown = [
            {"id": tid, "name": name}
            for tid, name in CUSTOMER_TRANSITIONS.items()
            if issue.status in TRANSITIONS[tid][2]
        ]
        return 200, self._page(r, shown, f"request/{issue.id}/transition")

    def do_transition(self, user: User, m: re.Match[str], r: Request, body: Any) -> tuple[int, Any]:
        issue = self.desk.request(m["key"], user)
        body = body or {}
        self.desk.transition(user, issue, str(body.get("id") or ""), body.get("additionalComment"))
        return 204, None

    def list_slas(self, user: User, m: re.Match[str], r: Request, body: Any) -> tuple[int, Any]:
        issue = self.desk.request(m["key"], user)
        if not self.desk.is_agent(user):
            raise OpError(403, ["Only agents can see the request's SLA."])
        return 200, self._page(r, self.desk.slas(issue), f"request/{issue.id}/sla")

    def get_sla(self, user: User, m: re.Match[str], r: Request, body: Any) -> tuple[int, Any]:
        status, page = self.list_slas(user, m, r, body)
        found = [s for s in page["values"] if s["id"] == m["sid"]]
        if not found:
            raise OpError(404, [f"No SLA metric {m['sid']} on this request."])
        return status, found[0]
