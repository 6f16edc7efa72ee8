"""Adapter over PyGithub: one place that builds the client and translates every vendor error.

PyGithub's own retries are off (``retry=None``): the engine's runner owns retrying and reads
the class of :mod:`syncd.errors` we raise. Calls that need headers PyGithub's objects do not
expose (``If-None-Match``, ``ETag``, ``Link``) go through PyGithub's ``Requester``.
"""

from __future__ import annotations

import json
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
    RateLimited,
    RemoteError,
    TransientError,
    classify_status,
    retry_after,
)
from syncd.paging import next_link, walk
from syncd.ratelimit import read_reset
from syncd.tracker_parts import records

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
        return next_link(self.headers.get("link"))


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
    secondary = any(hint in message.lower() for hint in _SECONDARY_HINTS)
    if status == 429 or (
        status == 403 and (remaining == "0" or _header(headers, "retry-after") or secondary)
    ):
        # GitHub's primary and secondary limits answer 403 as often as 429
        return RateLimited(text, retry_after=_wait(headers), status=status)
    # a 403 otherwise: an archived repository, a repository the token lost access to, a
    # locked issue; the common table says so
    return classify_status(status, text)


def _wait(headers: Mapping[str, Any] | None) -> float:
    """Seconds to wait, as GitHub advises: ``Retry-After`` first; then, with the primary
    budget spent (``x-ratelimit-remaining: 0``), until ``X-RateLimit-Reset``; else a
    minute."""
    asked = retry_after(_header(headers, "retry-after"))
    if asked is not None:
        return max(1.0, asked)
    spent = _header(headers, "x-ratelimit-remaining") == "0"
    reset = read_reset(_header(headers, "x-ratelimit-reset"), "epoch") if spent else None
    if reset is not None:
        return max(1.0, (reset - datetime.now(UTC)).total_seconds())
    return 60.0


class GitHubClient:
    """A PyGithub ``Github`` instance plus raw calls with headers, errors translated."""

    MAX_PAGES = 10_000  # a walk's bound; the poller stops far sooner (``max_poll_pages``)

    def __init__(self, settings: GitHubSettings, token: str) -> None:
        self.settings = settings
        self.gh = Github(
            auth=Auth.Token(token),
            base_url=settings.base_url.rstrip("/"),
            timeout=max(1, round(settings.timeout)),
            user_agent=USER_AGENT,
            per_page=settings.per_page,
            retry=None,
            # syncd's rate budget spaces the calls (syncd.ratelimit); PyGithub's own fixed
            # pauses would add up to a second to every write
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
        )
        self.requester = self.gh.requester

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

        def fetch(where: tuple[str, Mapping[str, Any] | None, str | None]) -> Response:
            return self.call("GET", where[0], params=where[1], etag=where[2])

        def following(resp: Response, _: object) -> tuple[str, None, None] | None:
            nxt = resp.next_url() if resp.status != 304 else None
            return (nxt, None, None) if nxt else None

        first = (resume, None, None) if resume else (path, params, etag)
        yield from walk(fetch, first, following, max_pages=self.MAX_PAGES)

    def records(self, path: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every object of a list, page after page."""
        return records(self.pages(path, params))

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
