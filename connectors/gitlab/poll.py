"""Incremental polling of watched projects by ``updated_after``, with an overlap window.

Per project, the cursor keeps the newest ``updated_at`` GitLab returned (``after``) and what
the overlap window already returned (issue iid -> ``updated_at``, ``n<note id>`` ->
``updated_at``). Each poll asks for issues updated on or after ``after`` less
``poll_overlap`` seconds (``order_by=updated_at&sort=asc``), so an update committed a moment
late is still read, and drops what it already returned with the same stamp. A note touches its
issue on GitLab, so the notes of each changed issue are read with it.

``after`` only ever moves to an ``updated_at`` GitLab returned, never to syncd's clock. A walk
cut short by ``max_poll_pages`` goes on from ``after`` itself (no overlap) on the next call,
so a burst larger than the window still makes progress.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import StringConstraints

from syncd.connector import PollPage
from syncd.connector_kit import comment_seen
from syncd.cursors import CursorFormat, CursorModel
from syncd.errors import Forbidden, NotFound
from syncd.model import Change, ChangeKind

from .client import GitLabClient, project_path
from .mapping import Rules, comment_from_raw, is_user_note, issue_from_raw, parse_time

log = logging.getLogger(__name__)
STAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$"
PATH = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$"
Stamp = Annotated[str, StringConstraints(pattern=STAMP)]


class ProjectState(CursorModel):
    """Where one project stands."""

    after: Stamp
    seen: dict[Annotated[str, StringConstraints(pattern=r"^n?[0-9]{1,19}$")], Stamp] = {}
    walking: bool = False  # the last call stopped at max_poll_pages


class GitLabCursor(CursorModel):
    """The poll cursor: per project (full path)."""

    projects: dict[Annotated[str, StringConstraints(pattern=PATH)], ProjectState]


CURSOR = CursorFormat("gitlab", GitLabCursor, version=1)


def iso(moment: datetime) -> str:
    """GitLab's timestamp form: milliseconds, UTC, ``Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _at(stamp: str) -> datetime:
    moment = parse_time(stamp)
    assert moment is not None
    return moment


def cursor_since(moment: datetime, projects: Iterable[str]) -> str:
    """A cursor whose polls return what changed in ``projects`` at or after ``moment``."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    state = {p: ProjectState(after=iso(moment)) for p in projects}
    return CURSOR.dump(GitLabCursor(projects=state))


class Poller:
    """Reads what changed in the watched projects since a cursor."""

    def __init__(
        self,
        client: GitLabClient,
        rules: Callable[[], Rules],
        *,
        max_pages: int,
        per_page: int,
        overlap: float,
    ) -> None:
        self.client = client
        self.rules = rules
        self.max_pages = max_pages
        self.per_page = per_page
        self.overlap = timedelta(seconds=overlap)

    @staticmethod
    def since(moment: datetime, projects: Iterable[str]) -> str:
        """The cursor of :func:`cursor_since`."""
        return cursor_since(moment, projects)

    def load(self, name: str, cursor: str | None) -> dict[str, ProjectState]:
        """The project states of ``cursor`` (none yet for None); ``CursorError`` if unreadable."""
        if cursor is None:
            return {}
        return dict(CURSOR.load(name, cursor).projects)

    def poll(self, state: dict[str, ProjectState], projects: Iterable[str]) -> PollPage:
        """One poll over every watched project, from the project states of a cursor."""
        changes: list[Change] = []
        more = False
        now = iso(datetime.now(UTC))
        for project in projects:
            current = state.get(project)
            if current is None:
                state[project] = ProjectState(after=now)  # a new project starts from now
                continue
            try:
                found, state[project] = self.read(project, current)
            except (NotFound, Forbidden) as exc:
                # one lost project must not stop the others; the engine sees the failure
                # when it next writes there
                log.warning("gitlab poll skips %s: %s", project, exc)
                continue
            changes.extend(found)
            more = more or state[project].walking
        return PollPage(
            changes=changes, cursor=CURSOR.dump(GitLabCursor(projects=state)), more=more
        )

    def read(self, project: str, state: ProjectState) -> tuple[list[Change], ProjectState]:
        """The changes of one project since ``state``, and its next state."""
        after = _at(state.after)
        since = after if state.walking else after - self.overlap
        params = {
            "updated_after": iso(since),
            "order_by": "updated_at",
            "sort": "asc",
            "state": "all",
            "per_page": self.per_page,
        }
        seen = dict(state.seen)
        raws: list[dict[str, Any]] = []
        walking = False
        for number, resp in enumerate(self.client.pages(f"{project_path(project)}/issues", params)):
            raws.extend(r for r in resp.data or () if isinstance(r, dict))
            if number + 1 >= self.max_pages and (
                resp.next_url() or resp.headers.get("x-next-page")
            ):
                walking = True
                break
        changes: list[Change] = []
        rules = self.rules()
        for raw in raws:
            stamp = str(raw.get("updated_at") or "")
            key = str(raw.get("iid"))
            if not stamp or seen.get(key) == stamp:
                continue
            issue = issue_from_raw(raw, rules, project)
            changes.append(
                Change(kind=ChangeKind.UPSERT, ref=issue.ref, issue=issue, at=issue.updated_at)
            )
            changes.extend(self._notes(project, int(raw["iid"]), since, seen))
            seen[key] = stamp
            after = max(after, _at(stamp))
        floor = after - self.overlap - timedelta(seconds=60)
        seen = {k: v for k, v in seen.items() if _at(v) >= floor}
        return changes, ProjectState(after=iso(after), seen=seen, walking=walking)

    def _notes(self, project: str, iid: int, since: datetime, seen: dict[str, str]) -> list[Change]:
        path = f"{project_path(project)}/issues/{iid}/notes"
        params = {"order_by": "updated_at", "sort": "asc", "per_page": self.per_page}
        rules = self.rules()
        out: list[Change] = []
        for raw in self.client.records(path, params):
            stamp = str(raw.get("updated_at") or "")
            key = f"n{raw.get('id')}"
            if not is_user_note(raw) or not stamp or _at(stamp) < since or seen.get(key) == stamp:
                continue
            comment = comment_from_raw(raw, rules, project, iid)
            out.append(comment_seen(comment.parent, comment, at=comment.updated_at))
            seen[key] = stamp
        return out
