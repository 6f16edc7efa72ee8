"""HTTP adapter over Request Tracker's REST2 API.

Every vendor failure leaves this module as a :mod:`syncd.errors` exception, so the runner can
decide retry / dead-letter / unhealthy from the class alone:

- 401 ``{"message":"Unauthorized"}``: :class:`AuthError` (token expired, revoked or wrong);
- 403, and REST2's 400 ``Permission Denied`` on replies and notes: :class:`Forbidden`;
- 404: :class:`NotFound`; 412 (a stale ``If-Match``): :class:`TransientError`, re-read first;
- 429: :class:`RateLimited`; 5xx, timeouts and resets: :class:`TransientError`;
- a 2xx whose message list reports a refused value: :class:`PermanentError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from syncd.errors import (
    AuthError,
    Forbidden,
    PermanentError,
    RemoteError,
    TransientError,
)
from syncd.http_adapter import HttpAdapter, status_error, wrong_base_url
from syncd.paging import walk

from .mapping import refused
from .settings import RTSettings

# where RT's answers differ from the common table: a stale ETag (412) is read again
RT_STATUSES: dict[int, type[RemoteError]] = {412: TransientError}
_TOKEN_USER = re.compile(r"^\d+-(\d+)-[0-9a-fA-F]{32}$")


def token_user_id(token: str) -> int | None:
    """The user id RT encodes in its auth tokens (``1-<user id>-<hex>``), if any."""
    match = _TOKEN_USER.match(token.strip())
    return int(match.group(1)) if match else None


class RTClient(HttpAdapter):
    """Authenticated REST2 calls with errors translated; one instance per connector."""

    def __init__(self, instance: str, settings: RTSettings, http: httpx.Client | None) -> None:
        super().__init__(
            http, timeout=settings.timeout, root=settings.api_url, label=f"{instance}:"
        )
        self.instance = instance
        self.settings = settings
        token = settings.secret("token", required=False)
        self.token = token
        if token:
            self.headers = {"Accept": "application/json", "Authorization": f"token {token}"}
        else:
            self.headers = {"Accept": "application/json"}
            password = settings.secret("password") or ""
            self.auth = httpx.BasicAuth(settings.username or "", password)

    def failure(self, resp: httpx.Response, where: str) -> Exception:
        status = resp.status_code
        message = _message(resp)
        if status == 401:
            how = "token" if self.token else f"password of user {self.settings.username!r}"
            return AuthError(
                f"{where}: Request Tracker refused the {how} (401 {message}); it may be "
                "expired, revoked or mistyped: create a new auth token for syncd's RT user",
                status=status,
            )
        if status == 403 or (status == 400 and "permission denied" in message.lower()):
            # REST2 answers replies and notes on a ticket syncd may not touch with 400
            return Forbidden(f"{where}: no rights: {message}", status=status)
        if status == 412:
            message = "the record changed since it was read; read it again"
        return status_error(resp, where, message, overrides=RT_STATUSES)

    def not_json(self, resp: httpx.Response, where: str) -> Exception:
        return wrong_base_url(resp, where, "a REST2 answer")

    def get(self, path: str, **params: Any) -> Any:
        """GET and decode the JSON body."""
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: Any) -> tuple[httpx.Response, Any]:
        """POST JSON; the response (for ``Location``) and its decoded body."""
        resp = self.response("POST", path, json=body, headers={"Content-Type": "application/json"})
        return resp, self.decoded(resp, "POST", path)

    def put(self, path: str, body: Any, *, etag: str | None = None) -> Any:
        """PUT JSON (``If-Match`` when ``etag`` is given); the decoded message list."""
        headers = {"Content-Type": "application/json"}
        if etag:
            headers["If-Match"] = etag
        return self.request("PUT", path, json=body, headers=headers)

    def check_refusals(self, what: str, messages: Any) -> None:
        """Raise PermanentError if a 2xx write answer reports a refused value."""
        bad = refused(messages)
        if bad:
            refusals = "; ".join(bad)
            raise PermanentError(f"{self.instance}: {what}: Request Tracker refused: {refusals}")

    # -- collections ---------------------------------------------------------------------

    def collection(
        self, path: str, params: Mapping[str, Any], *, max_pages: int = 50
    ) -> Iterator[dict[str, Any]]:
        """Every item of a REST2 collection, page by page.

        When the account may not see every row RT answers ``total: null`` and, before RT
        5.0.5, no ``next_page`` either; pages may also hold fewer items than ``per_page``
        because hidden rows are dropped after the SQL limit. So: follow ``next_page`` when
        there is one, stop when ``pages`` is known and reached, else read on until a page
        comes back empty.
        """

        def fetch(page: int) -> Any:
            return self.get(path, **{**params, "page": page})

        for data in walk(fetch, 1, _next_page, max_pages=max_pages):
            items = (data.get("items") or []) if isinstance(data, dict) else []
            yield from (i for i in items if isinstance(i, dict))


def _next_page(data: Any, page: int) -> int | None:
    """The page after ``page`` of a REST2 collection, None when that was the last."""
    if not isinstance(data, dict) or not data.get("items"):
        return None
    if not data.get("next_page"):
        pages = data.get("pages")
        if data.get("total") is not None and (pages is None or page >= int(pages)):
            return None
    return page + 1


def _message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.reason_phrase or f"HTTP {resp.status_code}"
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    if isinstance(body, list):
        return "; ".join(str(x) for x in body)
    return resp.reason_phrase or f"HTTP {resp.status_code}"


__all__ = ["RTClient", "token_user_id"]
