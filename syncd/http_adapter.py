"""The common part of a connector's HTTP adapter on httpx, so each system writes only its
authentication, its error texts and its paging.

:class:`HttpAdapter` owns an ``httpx.Client`` (or borrows the one a test or the daemon
passes in, which it then never closes), sends each call with the configured timeout and
turns transport failures into :class:`~syncd.errors.TransientError` (or whatever its
:meth:`~HttpAdapter.transport_errors` makes of them). It keeps the last rate figures a
vendor sent, for ``rate_budget()``. :func:`status_error` and :func:`json_body` are the two
steps every adapter takes with an answer: a failed status to the shared error table, a body
to JSON. :meth:`HttpAdapter.response` and :meth:`HttpAdapter.request` take those steps for a
call below the adapter's ``root``: a subclass gives its root and label, sets the headers and
auth of its calls, and overrides only the hooks it reads otherwise (its error texts, what it
notes from an answer).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any, TypedDict, Unpack

import httpx

from .connector import RateBudget
from .errors import PermanentError, RemoteError, classify_status, retry_after
from .errors import transport_errors as _transport_errors

Params = Mapping[str, Any] | list[tuple[str, Any]] | None


class CallOptions(TypedDict, total=False):
    """What a call of :meth:`HttpAdapter.response` may carry beside its method and path."""

    params: Params
    json: Any
    headers: Mapping[str, str] | None


class HttpAdapter:
    """An owned or borrowed ``httpx.Client`` with syncd's transport errors and rate budget."""

    # what :meth:`response` sends with every call beside the client's own
    headers: Mapping[str, str] = {}
    auth: httpx.Auth | None = None
    # the first status :meth:`response` fails on (no redirect is followed: a 3xx is a
    # failure, unless an adapter reads it as an answer)
    failed_from: int = 300

    def __init__(
        self,
        http: httpx.Client | None,
        *,
        timeout: float,
        base_url: str = "",
        root: str = "",
        label: str = "",
    ) -> None:
        """``base_url`` is the built client's; :meth:`response` joins a relative path to
        ``root`` and names a call in its errors ``<label> <method> <path>``."""
        self.root = root
        self.label = label
        self._owned = http is None
        self.http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self.timeout = timeout
        self._budget_lock = threading.Lock()
        self._budget = RateBudget()
        self.requests = 0  # calls sent, for tests and diagnostics

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
    ) -> httpx.Response:
        """One call; a transport failure leaves as :meth:`transport_errors` makes it. Any
        status comes back as it is."""
        self.requests += 1
        with self.transport_errors(where):
            return self.http.request(
                method,
                url,
                params=params,
                json=json,
                headers=headers,
                auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
                timeout=self.timeout,
            )

    def response(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One call to ``path`` (a full URL, or one below :attr:`root`) with the adapter's
        headers (``headers`` on top) and auth; the answer when it is a success, else the
        error :meth:`failure` makes of it."""
        where = self.where(method, path)
        resp = self.send(
            method,
            self.url(path),
            where=where,
            params=params,
            json=json,
            headers={**self.headers, **(headers or {})},
            auth=self.auth,
        )
        self.note(resp)
        if resp.status_code >= self.failed_from:
            raise self.failure(resp, where)
        return resp

    def request(self, method: str, path: str, **options: Unpack[CallOptions]) -> Any:
        """One call, as :meth:`response`; the decoded JSON body (None for an empty one)."""
        return self.decoded(self.response(method, path, **options), method, path)

    def decoded(self, resp: httpx.Response, method: str, path: str) -> Any:
        """The JSON body of the answer to ``method path``; :meth:`not_json` when it is none."""
        return json_body(resp, lambda: self.not_json(resp, self.where(method, path)))

    # -- what a subclass may read otherwise ---------------------------------------------------

    def where(self, method: str, path: str) -> str:
        """How errors name a call."""
        return f"{self.label} {method} {path}"

    def url(self, path: str) -> str:
        """The URL of ``path``: a full URL as it is, else below :attr:`root`."""
        return path if path.startswith(("http://", "https://")) else self.root + path

    def transport_errors(self, where: str) -> AbstractContextManager[None]:
        """What a transport failure becomes: a ``TransientError`` naming ``where``."""
        return _transport_errors(where)

    def note(self, resp: httpx.Response) -> None:
        """Read what every answer says beside its body (rate figures); nothing by default."""

    def failure(self, resp: httpx.Response, where: str) -> Exception:
        """The error for a failed answer: the shared table, with the status's reason."""
        return status_error(resp, where, resp.reason_phrase)

    def not_json(self, resp: httpx.Response, where: str) -> Exception:
        """The error for a body that is not JSON (a login page, a proxy's page)."""
        return RemoteError(f"{where}: answer is not JSON", status=resp.status_code)

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


def wrong_base_url(resp: httpx.Response, where: str, wanted: str) -> PermanentError:
    """The error for an answer that is not ``wanted`` (``"a REST2 answer"``) but an HTML
    login page or a proxy's page: the base URL is wrong, not a glitch."""
    kind = resp.headers.get("content-type", "?")
    return PermanentError(f"{where}: not {wanted} ({kind}); check base_url")
