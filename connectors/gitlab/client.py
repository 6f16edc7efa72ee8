"""Adapter over python-gitlab: one place that builds the client and translates every error.

python-gitlab's own retries are off (no transient retries, no sleeping on a 429): the
engine's runner owns retrying and reads the class of :mod:`syncd.errors` raised here. Calls
go through python-gitlab's ``http_request`` so that the answer's headers (``RateLimit-*``,
``Link``, ``X-Next-Page``) stay readable.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import gitlab
import requests
from gitlab.exceptions import GitlabError

from syncd.connector import RateBudget
from syncd.errors import RateLimited, RemoteError, TransientError, classify_status, retry_after
from syncd.tracker_parts import records

from .settings import GitLabSettings

USER_AGENT = "syncd"


@dataclass(frozen=True)
class Response:
    """One answer: status, lower-cased headers and decoded JSON (None for 204)."""

    status: int
    headers: Mapping[str, str]
    data: Any

    def next_url(self) -> str | None:
        """The ``rel="next"`` target of the ``Link`` header."""
        for part in self.headers.get("link", "").split(","):
            section = part.split(";")
            if len(section) >= 2 and section[1].strip() == 'rel="next"':
                return section[0].strip().strip("<>")
        return None


def project_path(project: str) -> str:
    """``/projects/group%2Fproject``: GitLab takes a project's full path URL-encoded."""
    return f"/projects/{quote(project, safe='')}"


def error_for(status: int, headers: Mapping[str, str], message: str) -> RemoteError:
    """Translate one GitLab error answer into the exception the runner understands."""
    text = f"GitLab {status}: {message or 'no message'}"
    if status == 429:
        return RateLimited(text, retry_after=wait_of(headers), status=429)
    return classify_status(status, text, retry_after=retry_after(headers.get("retry-after")))


def wait_of(headers: Mapping[str, str]) -> float:
    """Seconds to wait: ``Retry-After`` first, then ``RateLimit-Reset``, else a minute."""
    asked = retry_after(headers.get("retry-after"))
    if asked is not None:
        return max(1.0, asked)
    reset = headers.get("ratelimit-reset")
    if reset:
        try:
            return max(1.0, float(reset) - datetime.now(UTC).timestamp())
        except ValueError:
            pass
    return 60.0


def _message(body: Any) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    return text.strip()[:300]


def _session(base_url: str) -> requests.Session:
    """A requests session that read proxies and the CA bundle once, now: left to itself,
    requests reads the whole environment again at every request (``trust_env``)."""
    session = requests.Session()
    session.trust_env = False
    session.proxies = dict(requests.utils.get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    return session


class GitLabClient:
    """A python-gitlab ``Gitlab`` instance plus raw calls with headers, errors translated."""

    def __init__(
        self, settings: GitLabSettings, token: str, session: requests.Session | None = None
    ) -> None:
        self.settings = settings
        self.gl = gitlab.Gitlab(
            settings.base_url.rstrip("/"),
            private_token=token,
            timeout=settings.timeout,
            per_page=settings.per_page,
            user_agent=USER_AGENT,
            retry_transient_errors=False,
            session=session or _session(settings.base_url),
        )
        self._budget = RateBudget()
        # headers of the last answer on this thread: python-gitlab's errors do not carry them
        self._last = threading.local()
        self.gl.session.hooks["response"].append(self._seen)

    @property
    def api_url(self) -> str:
        """``https://host/api/v4``."""
        return str(self.gl.api_url)

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Translate python-gitlab's and requests' exceptions inside the block."""
        try:
            yield
        except GitlabError as exc:
            status = exc.response_code or 0
            if not status:
                raise TransientError(f"GitLab call failed: {exc}") from exc
            raise error_for(status, self._last_headers(), _message(exc.error_message)) from exc
        except requests.RequestException as exc:
            raise TransientError(f"GitLab unreachable: {type(exc).__name__}: {exc}") from exc
        except (ConnectionError, TimeoutError) as exc:
            raise TransientError(f"GitLab unreachable: {exc}") from exc

    def call(
        self,
        verb: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Response:
        """One request (``path`` below /api/v4, or a full URL from a ``Link``); errors as
        syncd exceptions, rate-limit headers remembered."""
        with self.errors():
            resp = self.gl.http_request(
                verb.lower(),
                path,
                query_data=dict(params or {}),
                post_data=dict(body) if body is not None else None,
                obey_rate_limit=False,
                retry_transient_errors=False,
                max_retries=0,
            )
        headers = {k.lower(): v for k, v in resp.headers.items()}
        data: Any = None
        if resp.content:
            try:
                data = resp.json()
            except ValueError as exc:
                raise TransientError(f"GitLab sent a non-JSON answer ({resp.status_code})") from exc
        return Response(status=resp.status_code, headers=headers, data=data)

    def pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Response]:
        """The pages of a list, following ``Link: rel="next"`` (``X-Next-Page`` when a
        proxy dropped the ``Link``)."""
        resp = self.call("GET", path, params=params)
        yield resp
        while True:
            nxt = resp.next_url()
            if nxt:
                resp = self.call("GET", nxt)
            elif resp.headers.get("x-next-page"):
                resp = self.call(
                    "GET", path, params={**params, "page": resp.headers["x-next-page"]}
                )
            else:
                return
            yield resp

    def records(self, path: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every object of a list, page after page."""
        return records(self.pages(path, params))

    def _seen(self, resp: requests.Response, *args: Any, **kwargs: Any) -> None:
        """requests' response hook: keep the headers, note the rate budget they state."""
        headers = {k.lower(): v for k, v in resp.headers.items()}
        self._last.headers = headers
        self._remember(headers)

    def _last_headers(self) -> dict[str, str]:
        return dict(getattr(self._last, "headers", None) or {})

    def _remember(self, headers: Mapping[str, str]) -> None:
        limit, remaining = headers.get("ratelimit-limit"), headers.get("ratelimit-remaining")
        if limit is None and remaining is None:
            return
        reset = headers.get("ratelimit-reset")
        self._budget = RateBudget(
            limit=_int(limit),
            remaining=_int(remaining),
            reset_at=datetime.fromtimestamp(int(reset), UTC) if reset and reset.isdigit() else None,
        )

    def budget(self) -> RateBudget:
        """What the last answer's ``RateLimit-*`` headers said."""
        return self._budget

    def close(self) -> None:
        """Close the pooled connections."""
        self.gl.session.close()


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
