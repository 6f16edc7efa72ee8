"""The common part of a connector's HTTP adapter on httpx, so each system writes only its
authentication, its error texts and its paging.

:class:`HttpAdapter` owns an ``httpx.Client`` (or borrows the one a test or the daemon
passes in, which it then never closes), sends each call with the configured timeout and
turns transport failures into :class:`~syncd.errors.TransientError` (or whatever the
``errors`` context manager a connector passes makes of them). It keeps the last rate
figures a vendor sent, for ``rate_budget()``. :func:`status_error` and :func:`json_body`
are the two steps every adapter takes with an answer: a failed status to the shared error
table, a body to JSON.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

import httpx

from .connector import RateBudget
from .errors import RemoteError, classify_status, retry_after, transport_errors

Params = Mapping[str, Any] | list[tuple[str, Any]] | None


class HttpAdapter:
    """An owned or borrowed ``httpx.Client`` with syncd's transport errors and rate budget."""

    def __init__(self, http: httpx.Client | None, *, timeout: float, base_url: str = "") -> None:
        self._owned = http is None
        self.http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self.timeout = timeout
        self._budget_lock = threading.Lock()
        self._budget = RateBudget()

    def send(
        self,
        method: str,
        url: str,
        *,
        where: str,
        params: Params = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        errors: Callable[[str], AbstractContextManager[None]] = transport_errors,
    ) -> httpx.Response:
        """One call; a transport failure leaves as ``errors(where)`` makes it (by default
        a ``TransientError`` naming ``where``). Any status comes back as it is."""
        with errors(where):
            return self.http.request(
                method,
                url,
                params=params,
                json=json,
                headers=headers,
                auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
                timeout=self.timeout,
            )

    def keep_budget(self, seen: RateBudget | None) -> None:
        """Keep the rate figures an answer carried (None: it carried none)."""
        if seen is not None:
            with self._budget_lock:
                self._budget = seen

    def rate_budget(self) -> RateBudget:
        """The last figures the vendor sent."""
        with self._budget_lock:
            return self._budget

    def close(self) -> None:
        """Close the HTTP client if this adapter built it."""
        if self._owned:
            self.http.close()


def status_error(
    resp: httpx.Response,
    where: str,
    message: str,
    *,
    overrides: Mapping[int, type[RemoteError]] | None = None,
) -> RemoteError:
    """The syncd error for a failed answer: ``<where>: <status> <message>``, classified by
    the shared table (``overrides`` on top), with the ``Retry-After`` it asks for."""
    return classify_status(
        resp.status_code,
        f"{where}: {resp.status_code} {message}",
        retry_after=retry_after(resp.headers.get("retry-after")),
        overrides=overrides,
    )


def json_body(resp: httpx.Response, not_json: Callable[[], Exception]) -> Any:
    """The decoded JSON body (None for an empty one); ``not_json()`` is raised for a body
    that is not JSON (a login page, a proxy's page)."""
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError as exc:
        raise not_json() from exc
