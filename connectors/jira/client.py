"""Adapter over the ``jira`` library: auth, sessions, rate-limit headers and error mapping.

The library's own retries are off (``max_retries=0``): the engine's runner owns retries, and
it decides from the :mod:`syncd.errors` class alone, so every ``JIRAError`` and every
``requests`` exception is translated here.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import requests
from jira import JIRA, JIRAError

from connectors.jira.settings import JiraAccess
from syncd.connector import RateBudget
from syncd.errors import AuthError, RemoteError, TransientError, classify_status, retry_after

T = TypeVar("T")


def translate(exc: Exception) -> RemoteError:
    """The syncd error for a ``JIRAError`` or a ``requests`` exception."""
    if isinstance(exc, JIRAError):
        status = exc.status_code or 0
        response = exc.response if isinstance(exc.response, requests.Response) else None
        message = f"Jira {status}: {(exc.text or '').strip()[:300]}"
        if status == 0:
            return TransientError(message)
        if status == 403 and response is not None:
            # Data Center refuses the whole account this way after failed logins (CAPTCHA)
            reason = response.headers.get("X-Seraph-LoginReason", "")
            if "AUTHENTICATION_DENIED" in reason or "AUTHENTICATED_FAILED" in reason:
                return AuthError(message, status=status)
        retry = retry_after(response.headers.get("Retry-After")) if response is not None else None
        return classify_status(status, message, retry_after=retry if status == 429 else None)
    if isinstance(exc, requests.RequestException):
        return TransientError(f"Jira unreachable: {type(exc).__name__}: {exc}")
    return TransientError(f"Jira call failed: {type(exc).__name__}: {exc}")


class JiraClient:
    """One authenticated ``jira.JIRA`` for one connector instance, built on first use."""

    def __init__(self, settings: JiraAccess) -> None:
        self.settings = settings
        self.api = "3" if settings.flavour == "cloud" else "2"
        self._jira: JIRA | None = None
        self._lock = threading.Lock()
        self._budget = RateBudget()
        self._near_limit = False

    @property
    def jira(self) -> JIRA:
        """The library client; building it sends no request."""
        with self._lock:
            if self._jira is None:
                self._jira = self._build()
            return self._jira

    def _build(self) -> JIRA:
        s = self.settings
        options: dict[str, Any] = {
            "server": s.base_url.rstrip("/"),
            "rest_api_version": self.api,
            "check_update": False,
        }
        auth: dict[str, Any] = {}
        if s.flavour == "cloud":
            auth["basic_auth"] = (s.email or "", s.secret("api_token") or "")
        elif s.pat is not None or s.pat_file is not None:
            auth["token_auth"] = s.secret("pat")
        else:
            auth["basic_auth"] = (s.username or "", s.secret("password") or "")
        client = JIRA(
            options=options,
            get_server_info=False,
            max_retries=0,
            timeout=s.timeout,
            validate=False,
            **auth,
        )
        # the library decides Cloud-only calls (search/jql) from the deployment type
        client.deploymentType = "Cloud" if s.flavour == "cloud" else "Server"
        client._session.hooks["response"].append(self._observe)
        return client

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        headers = response.headers
        self._near_limit = headers.get("X-RateLimit-NearLimit", "").lower() == "true"
        seen = RateBudget.from_headers(
            headers,
            limit=("X-RateLimit-Limit",),
            remaining=("X-RateLimit-Remaining",),
            reset=("X-RateLimit-Reset",),
            reset_form="iso",
        )
        if seen is not None:
            self._budget = seen

    def rate_budget(self) -> RateBudget:
        """The last rate-limit figures Jira sent."""
        return self._budget

    @property
    def near_limit(self) -> bool:
        """Jira said the budget is nearly spent."""
        return self._near_limit

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Translate whatever the library raises into :mod:`syncd.errors`."""
        if self._near_limit and self.settings.near_limit_delay > 0:
            # spread the remaining budget instead of running into a 429
            time.sleep(self.settings.near_limit_delay)
        try:
            yield
        except RemoteError:
            raise
        except (JIRAError, requests.RequestException, ValueError) as exc:
            raise translate(exc) from exc

    def call(self, fn: Callable[[JIRA], T]) -> T:
        """Run ``fn(jira)`` with errors translated."""
        with self.errors():
            return fn(self.jira)

    def url(self, path: str) -> str:
        """The REST URL of ``path`` under ``/rest/api/<version>/``."""
        return str(self.jira._get_url(path))

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET ``path`` and return its JSON."""
        with self.errors():
            return self.jira._get_json(path, params=params)

    def get_path(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET ``path`` under the server's root (outside ``/rest/api``) and return its JSON."""
        with self.errors():
            url = self.settings.base_url.rstrip("/") + path
            response = self.jira._session.get(url, params=params)
            return response.json() if response.content else None

    def send_path(self, method: str, path: str, body: Any = None) -> Any:
        """POST/PUT/DELETE ``path`` under the server's root (``/rest/servicedeskapi/...``)
        with a JSON body; the JSON answer, or None on 204."""
        return self._send(method, self.settings.base_url.rstrip("/") + path, body)

    def send(self, method: str, path: str, body: Any = None) -> Any:
        """POST/PUT/DELETE ``path`` with a JSON body; the JSON answer, or None on 204."""
        return self._send(method, self.url(path), body)

    def _send(self, method: str, url: str, body: Any) -> Any:
        with self.errors():
            data = json.dumps(body) if body is not None else None
            response = self.jira._session.request(method, url, data=data)
            if response.status_code == 204 or not response.content:
                return None
            return response.json()

    def close(self) -> None:
        """Close the HTTP session."""
        with self._lock:
            if self._jira is not None:
                self._jira.close()
                self._jira = None
