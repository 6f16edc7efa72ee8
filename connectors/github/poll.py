"""Incremental polling of watched repositories with conditional requests.

The cursor is an opaque JSON string holding, per repository and per stream (issues,
repo-wide comments), the ``since`` time to ask from and the ETag of the last full answer for
that exact query. An idle poll therefore answers 304 everywhere and costs no rate budget.

``since`` only ever moves to an ``updated_at`` GitHub itself returned, never to our clock,
so a record changed while a poll runs is read again by the next one. GitHub's ``since`` is
inclusive and whole-second: records of the newest second repeat (with the same state) unless
GitHub's ``Date`` shows that second had ended before the walk began; then the next query
starts a second later. A burst filling whole pages within one second is walked on through
the saved ``next`` link instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import StringConstraints

from syncd.connector import PollPage
from syncd.connector_kit import answer_time, comment_seen, second_over
from syncd.cursors import CursorFormat, CursorModel, excerpt
from syncd.errors import CursorError, Forbidden, NotFound
from syncd.model import Change, ChangeKind

from .client import GitHubClient
from .mapping import (
    Rules,
    comment_from_raw,
    is_pull_request,
    is_pull_request_comment,
    issue_from_raw,
    parse_time,
)

log = logging.getLogger(__name__)
CURSOR_VERSION = 1
STREAMS = ("issues", "comments")
STAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"


@dataclass
class StreamRead:
    """What one stream of one repository gave: raw records, the next since/etag, and where
    to resume when the page limit stopped the walk."""

    records: list[dict[str, Any]]
    since: str
    etag: str | None
    truncated: bool
    resume: str | None = None
    walk: str | None = None


def iso(moment: datetime) -> str:
    """GitHub's timestamp form, whole seconds, UTC."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    """A ``...Z`` timestamp as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def server_time(date_header: str | None) -> str | None:
    """GitHub's ``Date`` header in the ``since`` form, or None."""
    when = answer_time(date_header)
    return iso(when) if when is not None else None


class StreamState(CursorModel):
    """Where one stream of one repository stands."""

    since: Annotated[str, StringConstraints(pattern=STAMP)]
    etag: str | None = None
    resume: str | None = None  # the ``next`` link a walk stopped at
    walk: Annotated[str, StringConstraints(pattern=STAMP)] | None = None


class GitHubCursor(CursorModel):
    """The poll cursor: per repository, per stream."""

    repos: dict[str, dict[Literal["issues", "comments"], StreamState]]


CURSOR = CursorFormat("github", GitHubCursor, version=CURSOR_VERSION)


def load_cursor(name: str, cursor: str, api_url: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Per-repository stream states from a cursor string; ``CursorError`` if unreadable."""
    repos = CURSOR.load(name, cursor).model_dump()["repos"]
    host = urlsplit(api_url).netloc
    for repo, streams in repos.items():
        for stream, state in streams.items():
            link = state.get("resume")
            # the walk goes on with the token sent along: only to the API it came from
            if link is not None and urlsplit(link).netloc != host:
                why = f"repos.{repo}.{stream}.resume: a link outside {host}"
                raise CursorError(name, why[:120], excerpt(cursor))
    return repos


def dump_cursor(repos: dict[str, dict[str, dict[str, Any]]]) -> str:
    """The cursor string for per-repository stream states."""
    return json.dumps({"v": CURSOR_VERSION, "repos": repos}, sort_keys=True)


def cursor_since(moment: datetime, repos: Iterable[str]) -> str:
    """A cursor whose polls return what changed in ``repos`` at or after ``moment``."""
    since = iso(moment)  # whole seconds, rounded down: ``since`` is inclusive
    return dump_cursor({r: {s: {"since": since, "etag": None} for s in STREAMS} for r in repos})


def _path(repo: str, stream: str) -> str:
    if stream == "issues":
        return f"/repos/{repo}/issues"
    return f"/repos/{repo}/issues/comments"


def _params(stream: str, since: str, per_page: int) -> dict[str, Any]:
    params: dict[str, Any] = {
        "since": since,
        "sort": "updated",
        "direction": "asc",
        "per_page": per_page,
    }
    if stream == "issues":
        params["state"] = "all"
    return params


class Poller:
    """Reads what changed in the watched repositories since a cursor."""

    def __init__(
        self, client: GitHubClient, rules: Callable[[], Rules], max_pages: int, per_page: int
    ) -> None:
        self.client = client
        self.rules = rules
        self.max_pages = max_pages
        self.per_page = per_page

    def read(self, repo: str, stream: str, state: dict[str, Any]) -> StreamRead:
        """Read one stream from its ``since``, conditionally on its ETag, or resume a walk."""
        since, etag = str(state["since"]), state.get("etag")
        resume, walk = state.get("resume"), state.get("walk")
        records: list[dict[str, Any]] = []
        first_etag: str | None = None
        next_url: str | None = None
        pages = self.client.pages(
            _path(repo, stream),
            _params(stream, since, self.per_page),
            etag=None if resume else etag,
            resume=resume,
        )
        for number, resp in enumerate(pages, start=1):
            if resp.status == 304:
                return StreamRead([], since, etag, False)
            if number == 1 and not resume:
                first_etag, walk = resp.etag, server_time(resp.headers.get("date"))
            records.extend(r for r in resp.data or () if isinstance(r, dict))
            if number >= self.max_pages and resp.next_url():
                next_url = resp.next_url()
                break
        newest = max((str(r.get("updated_at") or "") for r in records), default="")
        if next_url is not None:
            if newest > since:
                return StreamRead(records, newest, None, True)
            # a burst within one second fills whole pages: moving since cannot make
            # progress, so the next call walks on from where this one stopped
            return StreamRead(records, since, None, True, resume=next_url, walk=walk)
        new_since = max(since, newest)
        if walk and second_over(parse_iso(new_since), parse_iso(walk)):
            # the walk began after that second ended on GitHub's clock: nothing can still
            # change at new_since unseen, so the next query starts one second later
            new_since = iso(parse_iso(new_since) + timedelta(seconds=1))
        # an ETag belongs to one exact query: keep it only when the query stays the same
        keep = first_etag if new_since == since and not resume else None
        return StreamRead(records, new_since, keep, False)

    @staticmethod
    def since(moment: datetime, projects: Iterable[str]) -> str:
        """The cursor of :func:`cursor_since`."""
        return cursor_since(moment, projects)

    def load(self, name: str, cursor: str | None) -> dict[str, dict[str, dict[str, Any]]]:
        """The stream states of ``cursor`` (none yet for None); ``CursorError`` if unreadable."""
        if cursor is None:
            return {}
        return load_cursor(name, cursor, self.client.settings.base_url)

    def poll(self, state: dict[str, dict[str, dict[str, Any]]], repos: Iterable[str]) -> PollPage:
        """One poll over every watched repository, from the stream states of a cursor."""
        started = iso(datetime.now(UTC) - timedelta(seconds=1))
        changes: list[Change] = []
        more = False
        for repo in repos:
            streams = state.get(repo)
            fresh = streams is None
            if streams is None:
                streams = {s: {"since": started, "etag": None} for s in STREAMS}
            for stream in STREAMS:
                current = streams.setdefault(stream, {"since": started, "etag": None})
                try:
                    got = self.read(repo, stream, current)
                except (NotFound, Forbidden) as exc:
                    # one lost repository must not stop the others; the engine sees the
                    # failure when it next writes there
                    log.warning("github poll skips %s: %s", repo, exc)
                    continue
                if fresh:
                    # a new repository starts from now: only its ETag is worth keeping,
                    # and records of this very second stay for the next poll
                    current["etag"] = got.etag if not got.records else None
                    continue
                current.update(since=got.since, etag=got.etag, resume=got.resume, walk=got.walk)
                more = more or got.truncated
                changes.extend(self._changes(repo, stream, got.records))
            state[repo] = streams
        return PollPage(changes=changes, cursor=dump_cursor(state), more=more)

    def _changes(self, repo: str, stream: str, records: list[dict[str, Any]]) -> list[Change]:
        rules = self.rules()
        out: list[Change] = []
        for raw in records:
            if stream == "issues":
                if is_pull_request(raw):
                    continue
                issue = issue_from_raw(raw, rules, repo)
                out.append(
                    Change(kind=ChangeKind.UPSERT, ref=issue.ref, issue=issue, at=issue.updated_at)
                )
            else:
                if is_pull_request_comment(raw):
                    continue
                comment = comment_from_raw(raw, rules, repo)
                at = parse_time(raw.get("updated_at"))
                out.append(comment_seen(comment.parent, comment, at=at))
        return out
