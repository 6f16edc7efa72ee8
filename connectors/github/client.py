"""Adapter over PyGithub: one place that builds the client and translates every vendor error.

PyGithub's own retries are off (``retry=None``): the engine's runner owns retrying and reads
the class of :mod:`syncd.errors` we raise. Calls that need headers PyGithub's objects do not
expose (``If-None-Match``, ``ETag``, ``Link``) go through PyGithub's ``Requester``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from github import Auth, Github, GithubException
from github.Repository import Repository

from syncd.connector import RateBudget
from syncd.errors import (
    AuthError,
    Forbidden,
    NotFound,
    PermanentError,
    RateLimited,
    RemoteError,
    TransientError,
    classify_status,
)

from .settings import GitHubSettings

USER_AGENT = "syncd"
_SECONDARY_HINTS = ("secondary rate limit", "abuse detection", "retry your request again later")


@dataclass(frozen=True)
class Response:
    """One raw answer: status, lower-cased headers and decoded JSON (None for 304)."""

    status: int
    headers: Mapping[str, str]
    data: Any

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    def next_url(self) -> str | None:
        """The ``rel="next"`` target of the ``Link`` header."""
        for part in self.headers.get("link", "").split(","):
            section = part.split(";")
            if len(section) >= 2 and section[1].strip() == 'rel="next"':
                return section[0].strip().strip("<>")
        return None


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def error_for(status: int, headers: Mapping[str, Any] | None, data: Any) -> RemoteError:
    """Translate one GitHub error answer into the exception the runner understands."""
    message = ""
    if isinstance(data, dict):
        message = str(data.get("message") or "")
    text = f"GitHub {status}: {message or 'no message'}"
    remaining = _header(headers, "x-ratelimit-remaining")
    retry_after = _header(headers, "retry-after")
    if status == 429 or (status == 403 and (remaining == "0" or retry_after)):
        return RateLimited(text, retry_after=_wait(headers), status=status)
    if status == 403 and any(hint in message.lower() for hint in _SECONDARY_HINTS):
        return RateLimited(text, retry_after=_wait(headers), status=status)
    if status == 401:
        return AuthError(text, status=status)
    if status == 403:
        # an archived repository, a repository the token lost access to, a locked issue
        return Forbidden(text, status=status)
    if status in (404, 410):
        return NotFound(text, status=status)
    if status == 422:
        return PermanentError(text, status=status)
    return classify_status(status, text)


def _wait(headers: Mapping[str, Any] | None) -> float:
    """Seconds to wait: ``Retry-After`` first, then ``X-RateLimit-Reset``, else a minute."""
    retry_after = _header(headers, "retry-after")
    if retry_after:
        try:
            return max(1.0, float(retry_after))
        except ValueError:
            pass
    reset = _header(headers, "x-ratelimit-reset")
    if reset:
        try:
            return max(1.0, float(reset) - time.time())
        except ValueError:
            pass
    return 60.0


def _read_environment_once(requester: Any, base_url: str) -> None:
    """Give ``requester`` the proxies for ``base_url`` and the CA bundle named in the
    environment now, and have its requests session stop reading the environment itself.

    requests reads them again at every request (``trust_env``), walking every environment
    variable twice: in a loop of comments against the emulator that was half the CPU of a
    GitHub write. httpx, which the other connectors use, also reads them once, when its client
    is built. netrc is never read (PyGithub sets an auth hook of its own). Where PyGithub no
    longer has the connection class this sets, its defaults stay: slower, not wrong."""
    attr = "_Requester__connectionClass"
    base = getattr(requester, attr, None)
    if not isinstance(base, type):
        return
    proxies = dict(requests.utils.get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")

    class Connection(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if bundle and kwargs.get("verify", True) is True:
                kwargs["verify"] = bundle
            super().__init__(*args, **kwargs)
            self.session.trust_env = False
            self.session.proxies = dict(proxies)

    setattr(requester, attr, Connection)


class GitHubClient:
    """A PyGithub ``Github`` instance plus raw calls with headers, errors translated."""

    def __init__(self, settings: GitHubSettings, token: str) -> None:
        self.settings = settings
        self.gh = Github(
            auth=Auth.Token(token),
            base_url=settings.base_url.rstrip("/"),
            timeout=max(1, round(settings.timeout)),
            user_agent=USER_AGENT,
            per_page=settings.per_page,
            retry=None,
            seconds_between_requests=settings.seconds_between_requests,
            seconds_between_writes=settings.seconds_between_writes,
            lazy=True,
        )
        self.requester = self.gh.requester
        _read_environment_once(self.requester, settings.base_url)

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Translate PyGithub's and requests' exceptions inside the block."""
        try:
            yield
        except GithubException as exc:
            raise error_for(exc.status, exc.headers, exc.data) from exc
        except requests.RequestException as exc:
            raise TransientError(f"GitHub unreachable: {type(exc).__name__}: {exc}") from exc
        except (ConnectionError, TimeoutError) as exc:
            raise TransientError(f"GitHub unreachable: {exc}") from exc

    def repo(self, full_name: str) -> Repository:
        """A lazy repository object: no request until it is used."""
        return self.gh.get_repo(full_name)

    def call(
        self,
        verb: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        etag: str | None = None,
    ) -> Response:
        """One raw request; 304 comes back as a Response, errors as syncd exceptions."""
        headers = {"If-None-Match": etag} if etag else None
        with self.errors():
            status, resp_headers, output = self.requester.requestJson(
                verb, path, dict(params) if params else None, headers, body
            )
        lowered = {k.lower(): str(v) for k, v in resp_headers.items()}
        data: Any = None
        if output:
            try:
                data = json.loads(output)
            except ValueError as exc:
                if status < 400:
                    raise TransientError(f"GitHub sent a non-JSON answer ({status})") from exc
        if status >= 400:
            raise error_for(status, lowered, data)
        return Response(status=status, headers=lowered, data=data)

    def pages(
        self,
        path: str,
        params: Mapping[str, Any],
        *,
        etag: str | None = None,
        resume: str | None = None,
    ) -> Iterator[Response]:
        """The pages of a list, following ``Link: rel="next"``; stops after a 304.

        ``resume`` is a ``next`` URL of an earlier walk to continue from.
        """
        if resume:
            resp = self.call("GET", resume)
        else:
            resp = self.call("GET", path, params=params, etag=etag)
        yield resp
        while resp.status != 304:
            nxt = resp.next_url()
            if not nxt:
                return
            resp = self.call("GET", nxt)
            yield resp

    def budget(self) -> RateBudget:
        """What the last answer said about the core rate budget."""
        remaining, limit = self.requester.rate_limiting
        reset = self.requester.rate_limiting_resettime
        return RateBudget(
            limit=limit if limit >= 0 else None,
            remaining=remaining if remaining >= 0 else None,
            reset_at=datetime.fromtimestamp(reset, UTC) if reset else None,
        )

    def close(self) -> None:
        """Close PyGithub's pooled connections."""
        self.gh.close()
