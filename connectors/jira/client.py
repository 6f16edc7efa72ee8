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
from datetime import datetime
from typing import Any, TypeVar

import requests
from jira import JIRA, JIRAError

from connectors.jira.settings import JiraSettings
from syncd.connector import RateBudget
from syncd.errors import AuthError, RemoteError, TransientError, classify_status

T = TypeVar("T")


def _retry_after(response: requests.Response | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


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
        retry = _retry_after(response)
        if status == 429 and retry is None:
            retry = 60.0
        return classify_status(status, message, retry_after=retry if status == 429 else None)
    if isinstance(exc, requests.RequestException):
        return TransientError(f"Jira unreachable: {type(exc).__name__}: {exc}")
    return TransientError(f"Jira call failed: {type(exc).__name__}: {exc}")


class JiraClient:
    """One authenticated ``jira.JIRA`` for one connector instance, built on first use."""

    def __init__(self, settings: JiraSettings) -> None:
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
        limit = headers.get("X-RateLimit-Limit")
        remaining = headers.get("X-RateLimit-Remaining")
        reset = headers.get("X-RateLimit-Reset")
        self._near_limit = headers.get("X-RateLimit-NearLimit", "").lower() == "true"
        if limit is None and remaining is None:
            return
        reset_at = None
        if reset:
            try:
                reset_at = datetime.fromisoformat(reset.replace("Z", "+00:00"))
            except ValueError:
                reset_at = None
        self._budget = RateBudget(
            limit=int(limit) if limit and limit.isdigit() else None,
            remaining=int(remaining) if remaining and remaining.lstrip("-").isdigit() else None,
            reset_at=reset_at,
        )

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

    def send(self, method: str, path: str, body: Any = None) -> Any:
        """POST/PUT/DELETE ``path`` with a JSON body; the JSON answer, or None on 204."""
        with self.errors():
            session = self.jira._session
            data = json.dumps(body) if body is not None else None
            response = session.request(method, self.url(path), data=data)
            if response.status_code == 204 or not response.content:
                return None
            return response.json()

    def close(self) -> None:
        """Close the HTTP session."""
        with self._lock:
            if self._jira is not None:
                self._jira.close()
                self._jira = None
