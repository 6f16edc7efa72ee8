"""The search endpoints of the emulated Jira: Cloud's ``/search/jql`` (``nextPageToken``,
``isLast``) and Data Center's ``/search`` (``startAt``, ``total``)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from starlette.requests import Request

from connectors.jira.emulator.jql import JqlError, compile_jql
from connectors.jira.emulator.records import OpError, User

if TYPE_CHECKING:
    from connectors.jira.emulator.state import Store


def list_param(request: Request, name: str) -> list[str] | None:
    values = request.query_params.getlist(name)
    if not values:
        return None
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def as_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


class SearchHandlers:
    """Search handlers mixed into the REST API."""

    store: Store

    def _run(self, user: User, jql: str) -> list[Any]:
        try:
            pred, key, desc = compile_jql(jql, ZoneInfo(user.tz))
        except JqlError as exc:
            raise OpError(400, [str(exc)]) from exc
        found = [i for i in self.store.issues.values() if i.key not in user.hidden and pred(i)]
        return sorted(found, key=key, reverse=desc)

    def _params(self, r: Request, body: Any) -> dict[str, Any]:
        if r.method == "POST":
            return dict(body or {})
        q = r.query_params
        return {
            "jql": q.get("jql", ""),
            "fields": list_param(r, "fields"),
            "properties": list_param(r, "properties"),
            "maxResults": q.get("maxResults"),
            "startAt": q.get("startAt"),
            "nextPageToken": q.get("nextPageToken"),
        }

    def search_jql(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        if self.store.flavour != "cloud":
            raise OpError(404, ["null for uri: /rest/api/2/search/jql"])
        p = self._params(r, body)
        found = self._run(user, str(p.get("jql") or ""))
        size = min(int(p.get("maxResults") or 50), 100)
        start = 0
        if p.get("nextPageToken"):
            try:
                start = int(
                    base64.urlsafe_b64decode(str(p["nextPageToken"]).encode())
                    .decode()
                    .split(":")[0]
                )
            except (ValueError, binascii.Error) as exc:
                raise OpError(400, ["The nextPageToken is invalid."]) from exc
        fields = as_list(p.get("fields")) or ["id"]
        page = found[start : start + size]
        issues = [
            self.store.render_issue(i, api, fields, as_list(p.get("properties"))) for i in page
        ]
        out: dict[str, Any] = {"issues": issues, "isLast": start + size >= len(found)}
        if not out["isLast"]:
            out["nextPageToken"] = base64.urlsafe_b64encode(
                f"{start + size}:{len(found)}".encode()
            ).decode()
        return 200, out

    def search_classic(
        self, user: User, api: str, m: re.Match[str], r: Request, body: Any
    ) -> tuple[int, Any]:
        p = self._params(r, body)
        found = self._run(user, str(p.get("jql") or ""))
        size = min(int(p.get("maxResults") or 50), 100)
        start = int(p.get("startAt") or 0)
        fields = as_list(p.get("fields")) or ["*navigable"]
        page = found[start : start + size]
        return 200, {
            "expand": "names,schema",
            "startAt": start,
            "maxResults": size,
            "total": len(found),
            "issues": [
                self.store.render_issue(i, api, fields, as_list(p.get("properties"))) for i in page
            ],
        }
