"""HTTP adapter over Redmine's JSON REST API (``X-Redmine-API-Key``).

Every vendor failure leaves this module as a :mod:`syncd.errors` exception, through the
shared table (:func:`~syncd.errors.classify_status`):

- 401: :class:`AuthError` (the key is wrong or revoked, or the REST API is switched off);
- 403: :class:`Forbidden` (syncd's user may not see or change that project or issue);
- 404: :class:`NotFound`; 422 (``{"errors": [...]}``, a refused value): :class:`PermanentError`;
- 429, and a 503 with ``Retry-After`` (a proxy in front of Redmine; Redmine itself has no
  limits): :class:`RateLimited`; other 5xx, timeouts and resets: :class:`TransientError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import httpx

from syncd.connector_kit import answer_time
from syncd.errors import AuthError
from syncd.http_adapter import HttpAdapter, status_error, wrong_base_url

from .settings import RedmineSettings

MAX_PAGE = 100  # Redmine's largest ``limit``


class RedmineClient(HttpAdapter):
    """Authenticated REST calls with errors translated; one instance per connector."""

    def __init__(self, instance: str, settings: RedmineSettings, http: httpx.Client | None) -> None:
        super().__init__(
            http, timeout=settings.timeout, root=settings.base_url, label=f"{instance}:"
        )
        self.instance = instance
        self.settings = settings
        key = settings.secret("api_key") or ""
        self.headers = {"Accept": "application/json", "X-Redmine-API-Key": key}

    def failure(self, resp: httpx.Response, where: str) -> Exception:
        status = resp.status_code
        message = _message(resp)
        if status == 401:
            return AuthError(
                f"{where}: Redmine refused the API key (401 {message}); check api_key, that "
                "syncd's user is active, and Administration → Settings → API → Enable REST "
                "web service",
                status=status,
            )
        return status_error(resp, where, message)

    def not_json(self, resp: httpx.Response, where: str) -> Exception:
        return wrong_base_url(resp, where, "a Redmine JSON answer")

    def get(
        self, path: str, params: Mapping[str, Any] | list[tuple[str, Any]] | None = None
    ) -> Any:
        """GET and decode the JSON body."""
        return self.request("GET", path, params=params)

    def get_dated(
        self, path: str, params: Mapping[str, Any] | list[tuple[str, Any]] | None = None
    ) -> tuple[Any, datetime | None]:
        """GET and decode the JSON body, with the server's time of the answer (``Date``)."""
        resp = self.response("GET", path, params=params)
        return self.decoded(resp, "GET", path), answer_time(resp.headers.get("date"))

    def post(self, path: str, body: Any) -> Any:
        """POST JSON; the decoded answer."""
        return self.request("POST", path, json=body)

    def put(self, path: str, body: Any) -> None:
        """PUT JSON (Redmine answers 204 without a body)."""
        self.response("PUT", path, json=body)

    def pages(
        self, path: str, name: str, params: list[tuple[str, Any]], *, limit: int = MAX_PAGE,
        max_pages: int = 50,
    ) -> Iterator[dict[str, Any]]:  # fmt: skip
        """Every item of a collection (``name``: its key in the answer), by offset and limit."""
        offset = 0
        for _ in range(max_pages):
            data = self.get(path, [*params, ("offset", offset), ("limit", limit)]) or {}
            items = [i for i in data.get(name) or () if isinstance(i, dict)]
            yield from items
            offset += len(items)
            if not items or offset >= int(data.get("total_count") or 0):
                return


def _message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.reason_phrase or f"HTTP {resp.status_code}"
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return "; ".join(str(e) for e in body["errors"])
    return resp.reason_phrase or f"HTTP {resp.status_code}"


__all__ = ["RedmineClient"]
