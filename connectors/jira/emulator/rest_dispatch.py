"""How the emulated Jira answers a REST call, before and after a handler runs: the accounts
(basic auth, or a bearer token on Data Center), the rate budget with Jira's rate headers and
its 429, and the routing of ``/rest/api/{2,3}/...`` to the handlers of :mod:`.routes`.

The service desk API (:mod:`.servicedesk_api`) answers through the same accounts, budget and
headers, and shares :func:`limited`, :func:`answer` and :func:`unrouted`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.jira.emulator.limits import REASON
from connectors.jira.emulator.records import OpError, User

if TYPE_CHECKING:
    from connectors.jira.emulator.app import JiraEmulator
    from connectors.jira.emulator.state import Store
    from syncd.testing.emulation import EmulatorControl

Handler = Callable[[User, str, re.Match[str], Request, Any], tuple[int, Any]]

NOT_AUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."


def limited(control: EmulatorControl, headers: dict[str, str]) -> dict[str, str]:
    """Count a request refused for the rate budget; the headers of Jira's 429 for it."""
    control.refuse("requests")
    wait = max(1, math.ceil(control.budget.wait()))
    return headers | {
        "Retry-After": str(wait),
        "X-RateLimit-NearLimit": "true",
        "RateLimit-Reason": REASON,
    }


def answer(status: int, payload: Any, headers: dict[str, str]) -> Response:
    """A handler's answer: no body with a 204, else its JSON."""
    if status == 204:
        return Response(status_code=204, headers=headers)
    return JSONResponse(payload, status_code=status, headers=headers)


def unrouted(table: list[tuple[str, re.Pattern[str], Any]], path: str) -> int:
    """The status of a call no route takes: 405 if the path is known for other methods."""
    known = any(p.match(path) for _, p, _ in table)
    return 405 if known else 404


class RestDispatch:
    """Authentication, rate budget and routing of the REST API; the table is filled by
    :class:`~.routes.Api`."""

    emu: JiraEmulator
    store: Store
    table: list[tuple[str, re.Pattern[str], Handler]]

    def _add(self, method: str, pattern: str, handler: Handler) -> None:
        self.table.append((method, re.compile(f"^{pattern}$"), handler))

    def _user(self, request: Request) -> User | None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                login, _, secret = base64.b64decode(value).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            if self.store.flavour == "cloud" and "@" not in login:
                return None  # Cloud basic auth takes the account e-mail, never a username
            return self.store.user_by_auth(login, secret)
        if scheme.lower() == "bearer" and self.store.flavour == "datacenter":
            return self.store.user_by_auth(None, value.strip())
        return None

    def _rate_headers(self, user: User | None) -> dict[str, str]:
        budget = self.emu.control.budget
        who = user.name if user else "anonymous"
        remaining = budget.remaining(who)
        reset = datetime.fromtimestamp(budget.reset_at(), tz=UTC).isoformat().replace("+00:00", "Z")
        headers = {
            "X-RateLimit-Limit": str(budget.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": reset,
        }
        if remaining < budget.limit * 0.2:
            headers["X-RateLimit-NearLimit"] = "true"
        return headers

    async def dispatch(self, request: Request) -> Response:
        """Authenticate, spend rate budget, route, and answer in Jira's shapes."""
        api = request.path_params["api"]
        path = request.path_params["path"].rstrip("/")
        if self.store.base_url == "http://127.0.0.1":
            self.store.base_url = str(request.base_url).rstrip("/")
        allowed = ("2", "3", "latest") if self.store.flavour == "cloud" else ("2", "latest")
        if api not in allowed:
            return JSONResponse({"errorMessages": ["Not Found"], "errors": {}}, status_code=404)
        api = "2" if api == "latest" else api
        user = self._user(request)
        if user is None:
            denied = {"errorMessages": [NOT_AUTHENTICATED], "errors": {}}
            return JSONResponse(denied, status_code=401, headers={"WWW-Authenticate": "Basic"})
        if not self.emu.control.budget.spend(user.name):
            headers = limited(self.emu.control, self._rate_headers(user))
            refused = {"errorMessages": ["Rate limit exceeded."], "errors": {}}
            return JSONResponse(refused, status_code=429, headers=headers)
        if path == "search" and self.store.flavour == "cloud" and request.method in ("GET", "POST"):
            msg = "The requested API has been removed. Please migrate to /rest/api/3/search/jql."
            return JSONResponse({"errorMessages": [msg], "errors": {}}, status_code=410)
        for method, pattern, handler in self.table:
            match = pattern.match(path)
            if method != request.method or not match:
                continue
            raw = await request.body()
            kind = request.headers.get("content-type", "")
            try:
                multipart = kind.startswith("multipart/")
                body: Any = (kind, raw) if multipart else json.loads(raw) if raw else None
            except ValueError:
                return JSONResponse({"errorMessages": ["Invalid JSON"], "errors": {}}, 400)
            try:
                with self.store.lock:
                    status, payload = handler(user, api, match, request, body)
            except OpError as exc:
                return JSONResponse(
                    exc.body, status_code=exc.status, headers=self._rate_headers(user)
                )
            return answer(status, payload, self._rate_headers(user))
        status = unrouted(self.table, path)
        return JSONResponse(
            {
                "errorMessages": ["Not Found" if status == 404 else "Method Not Allowed"],
                "errors": {},
            },
            status,
        )
