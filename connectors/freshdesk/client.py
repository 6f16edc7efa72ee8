"""A thin adapter over Freshdesk's API v2 on httpx.

Every vendor failure leaves this module as an exception of :mod:`syncd.errors`; the last
rate figures Freshdesk sent (``X-RateLimit-Total``, ``X-RateLimit-Remaining``; the credits a
call cost in ``X-RateLimit-Used-CurrentRequest``) are kept for :meth:`FreshdeskClient.rate_budget`.
Freshdesk limits per minute and says nothing of when its window resets: a 429 carries
``Retry-After``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from syncd.connector import RateBudget
from syncd.http_adapter import HttpAdapter, status_error
from syncd.paging import next_link, walk

from .settings import FreshdeskSettings

USER_AGENT = "syncd-freshdesk/0.1"
LIMIT = ("x-ratelimit-total",)
REMAINING = ("x-ratelimit-remaining",)
USED = "x-ratelimit-used-currentrequest"


def auth_header(settings: FreshdeskSettings) -> str:
    """Basic auth with the API key as user and ``X`` as password, as Freshdesk asks."""
    raw = f"{settings.secret('api_key')}:X".encode()
    return "Basic " + base64.b64encode(raw).decode()


def message(resp: httpx.Response) -> str:
    """Freshdesk's error text: ``{"description", "errors": [{field, message, code}]}``,
    ``{"code", "message"}`` or a plain (often empty) body."""
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200] or resp.reason_phrase
    if not isinstance(body, dict):
        return resp.reason_phrase
    parts = [str(body.get(k)) for k in ("description", "code", "message") if body.get(k)]
    for err in body.get("errors") or ():
        if isinstance(err, dict):
            parts.append(f"{err.get('field')}: {err.get('message')} ({err.get('code')})")
    return "; ".join(parts)[:500] or resp.reason_phrase


class FreshdeskClient(HttpAdapter):
    """Calls ``/api/v2`` with the API key; raises only ``syncd.errors``."""

    failed_from = 400  # a 3xx (which the API does not send) comes back as an answer

    def __init__(self, settings: FreshdeskSettings, http: httpx.Client | None = None) -> None:
        super().__init__(http, timeout=settings.timeout, root=settings.root, label="Freshdesk")
        self.settings = settings
        self.headers = {"Authorization": auth_header(settings), "User-Agent": USER_AGENT}
        self.last_cost: int | None = None  # credits the last call cost

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` and decode the JSON body."""
        return self.request("GET", path, params=params)

    def pages(
        self, path: str, params: Mapping[str, Any] | None = None, *, max_pages: int = 300
    ) -> Iterator[list[Any]]:
        """Each page of a list, following the ``Link`` header Freshdesk sends while there
        is a next page (300 pages at most: Freshdesk's own cap)."""

        def fetch(at: tuple[str, Mapping[str, Any] | None]) -> httpx.Response:
            return self.response("GET", at[0], params=at[1])

        def following(
            resp: httpx.Response, _: object
        ) -> tuple[str, Mapping[str, Any] | None] | None:
            url = next_link(resp.headers.get("link"))
            return (url, None) if url else None

        for resp in walk(fetch, (path, params), following, max_pages=max_pages):
            body = resp.json() if resp.content else []
            yield body if isinstance(body, list) else []

    def note(self, resp: httpx.Response) -> None:
        """Keep the rate figures and the credits the call cost."""
        used = resp.headers.get(USED)
        self.keep_budget(RateBudget.from_headers(resp.headers, limit=LIMIT, remaining=REMAINING))
        self.last_cost = int(used) if used and used.isdigit() else None

    def failure(self, resp: httpx.Response, where: str) -> Exception:
        """A failed answer, with Freshdesk's error text."""
        return status_error(resp, where, message(resp))
