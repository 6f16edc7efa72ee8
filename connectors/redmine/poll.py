"""Incremental polling of Redmine by ``updated_on``, with an overlap window.

Redmine sends no webhooks, so a poll must be cheap: one list request
(``GET /issues.json`` filtered on ``updated_on >=``, every status, sorted by ``updated_on``)
and nothing more when nothing changed. Each poll asks again for the last ``poll_overlap``
seconds before the newest ``updated_on`` seen (a change stamped earlier may commit later) and
drops the issues the cursor says it already returned at that same ``updated_on``. Redmine
stamps whole seconds, so an issue read while its second was still running (by the server's
``Date``) is only provisionally seen: the next poll reads it once more, since a second change
in that second would carry the same stamp. Only an
issue that really changed is read again, with its journals (``include=journals``): one
UPSERT, and a COMMENT for each note made inside the window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, Field

from syncd.connector import PollPage
from syncd.connector_kit import comment_seen, second_over
from syncd.cursors import CursorFormat, CursorModel
from syncd.errors import Forbidden, NotFound
from syncd.model import Change, ChangeKind, Ref

from . import mapping
from .client import RedmineClient
from .mapping import Rules


class RedmineCursor(CursorModel):
    """The newest ``updated_on`` seen, the issues already returned inside the overlap window
    (issue id -> their ``updated_on``), and how many listed rows to skip when a whole page was
    already seen."""

    updated_on: AwareDatetime
    issues: dict[str, str] = {}
    skip: int = Field(default=0, ge=0)


CURSOR = CursorFormat("redmine", RedmineCursor, version=1)
SECOND = timedelta(seconds=1)
PROVISIONAL = "~"  # an issue read inside the second it was stamped: read again next poll


def cursor_since(moment: datetime) -> str:
    """A cursor whose polls return what changed at or after ``moment``."""
    return CURSOR.dump(
        RedmineCursor(updated_on=moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    )


def list_params(since: datetime, project_ids: list[int]) -> list[tuple[str, Any]]:
    """The filters of the poll's list request (Redmine's ``f[]``/``op[]``/``v[]`` form)."""
    params: list[tuple[str, Any]] = [
        ("f[]", "status_id"),
        ("op[status_id]", "*"),
        ("f[]", "updated_on"),
        ("op[updated_on]", ">="),
        ("v[updated_on][]", mapping.filter_time(since)),
        ("sort", "updated_on,id"),
    ]
    if project_ids:
        params += [("f[]", "project_id"), ("op[project_id]", "=")]
        params += [("v[project_id][]", str(p)) for p in project_ids]
    return params


class Poller:
    """The poll of one connector; takes the client, the mapping rules and the projects."""

    def __init__(self, client: RedmineClient, overlap: float, page_size: int) -> None:
        self.client = client
        self.overlap = timedelta(seconds=overlap)
        self.page_size = page_size

    def load(self, instance: str, cursor: str) -> RedmineCursor:
        """The state a stored cursor names, or CursorError (before any request)."""
        return CURSOR.load(instance, cursor)

    def poll(self, state: RedmineCursor, rules: Rules, project_ids: list[int]) -> PollPage:
        """One page of changes after ``state``."""
        since = state.updated_on - self.overlap
        params = list_params(since, project_ids)
        data, server_now = self.client.get_dated(
            "/issues.json", [*params, ("offset", state.skip), ("limit", self.page_size)]
        )
        rows = [r for r in (data or {}).get("issues") or () if isinstance(r, dict)]
        total = int((data or {}).get("total_count") or 0)
        seen = dict(state.issues)
        hw = state.updated_on
        changes: list[Change] = []
        fresh = 0
        for row in rows:
            number, stamp = str(row.get("id")), str(row.get("updated_on") or "")
            if seen.get(number) == stamp:
                continue
            fresh += 1
            changes.extend(self._issue_changes(int(number), rules, since))
            updated = mapping.parse_time(stamp)
            settled = updated is not None and second_over(updated, server_now)
            seen[number] = stamp if settled else stamp + PROVISIONAL
            if updated is not None and updated > hw:
                hw = updated
        more = state.skip + len(rows) < total and len(rows) >= self.page_size
        # a full page of issues already returned: read on past it, from the same place
        skip = state.skip + len(rows) if more and not fresh else 0
        # what the next poll lists: Redmine reads ``>= t`` as ``> t - 1 s`` on times it stores
        # to the microsecond and shows to the second, so an issue stamped in the second before
        # the window is listed too (it must stay known, or every poll reads it again)
        floor = (hw - self.overlap).replace(microsecond=0) - SECOND
        kept = {
            k: v
            for k, v in seen.items()
            if (mapping.parse_time(v.removesuffix(PROVISIONAL)) or hw) >= floor
        }
        after = RedmineCursor(updated_on=hw, issues=kept, skip=skip)
        return PollPage(changes=changes, cursor=CURSOR.dump(after), more=more)

    def _issue_changes(self, number: int, rules: Rules, since: datetime) -> list[Change]:
        ref = Ref.issue(rules.instance, number)
        try:
            raw = self.client.get(f"/issues/{number}.json", {"include": "journals"})["issue"]
        except NotFound:
            return [Change(kind=ChangeKind.DELETED, ref=ref, source="poll")]
        except Forbidden:
            return []  # moved to a project syncd may not see
        issue = mapping.issue_from_raw(raw, rules)
        out = [Change(kind=ChangeKind.UPSERT, ref=ref, issue=issue, at=issue.updated_at)]
        for note in mapping.notes_of(raw, rules):
            if note.created_at is not None and note.created_at < since:
                continue
            out.append(comment_seen(ref, note, at=note.created_at, actor=note.author))
        return out


def start_cursor(now: datetime | None = None) -> str:
    """Where a first poll starts: now."""
    return cursor_since(now or datetime.now(UTC))
