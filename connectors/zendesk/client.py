"""A thin adapter over Zendesk's REST API on httpx.

Every vendor failure leaves this module as an exception of :mod:`syncd.errors`; the last
rate-limit figures Zendesk reported are kept for :meth:`ZendeskClient.rate_budget`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import httpx

from syncd.connector import RateBudget
from syncd.errors import TransientError
from syncd.http_adapter import HttpAdapter, status_error

from .settings import ZendeskSettings

USER_AGENT = "syncd-zendesk/0.1"


def auth_header(settings: ZendeskSettings) -> str:
    """The ``Authorization`` value for the configured credential."""
    token = settings.secret("oauth_token", required=False)
    if token:
        return f"Bearer {token}"
    api_token = settings.secret("api_token")
    raw = f"{settings.email}/token:{api_token}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def _message(resp: httpx.Response) -> str:
    """Zendesk's error text: ``{"error": ..., "description": ...}`` or a plain body."""
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200] or resp.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            parts = [str(error.get("title") or ""), str(error.get("message") or "")]
        else:
            parts = [str(error or ""), str(body.get("description") or "")]
        details = body.get("details")
        if details:
            parts.append(str(details))
        text = ": ".join(p for p in parts if p)
        if text:
            return text
    return resp.reason_phrase


@contextmanager
def _transport_errors(where: str) -> Iterator[None]:
    """Zendesk's reading of httpx's failures: every one of them may be tried again."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise TransientError(f"{where}: timed out") from exc
    except httpx.HTTPError as exc:
        # connect errors, resets, protocol errors: the request may not have arrived
        raise TransientError(f"{where}: {type(exc).__name__}: {exc}") from exc


class ZendeskClient(HttpAdapter):
    """Calls ``/api/v2`` with the configured credential; raises only ``syncd.errors``."""

    failed_from = 400  # a 3xx (which the API does not send) comes back as an answer

    def __init__(self, settings: ZendeskSettings, http: httpx.Client | None = None) -> None:
        super().__init__(http, timeout=settings.timeout, base_url=settings.root, label="Zendesk")
        self.settings = settings
        # paths go below the client's base URL; an injected client may carry none
        self.root = settings.root if self.http.base_url == httpx.URL("") else ""
        self._auth = auth_header(settings)
        self.headers = {
            "Authorization": self._auth,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }

    def transport_errors(self, where: str) -> AbstractContextManager[None]:
        """Every failure of httpx may be tried again (:func:`_transport_errors`)."""
        return _transport_errors(where)

    def failure(self, resp: httpx.Response, where: str) -> Exception:
        """A failed answer, with Zendesk's error text."""
        return status_error(resp, where, _message(resp))

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` and decode the JSON body."""
        return self.request("GET", path, params=params)

    def note(self, resp: httpx.Response) -> None:
        """Keep the rate figures Zendesk sent."""
        seen = RateBudget.from_headers(
            resp.headers,
            limit=("x-rate-limit", "ratelimit-limit"),
            remaining=("x-rate-limit-remaining", "ratelimit-remaining"),
            reset=("ratelimit-reset",),
            reset_form="seconds",
        )
        self.keep_budget(seen)
