"""Incremental polling by JQL ``updated >=``, with an overlap window.

JQL dates have minute precision and are read in the searching user's time zone, so each poll
asks again for the last ``poll_overlap`` seconds and drops what the cursor says it already
returned (issue id and comment id with their ``updated`` stamps). Cloud pages with
``nextPageToken``/``isLast`` on ``/search/jql``; Data Center with ``startAt`` on ``/search``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, Field, StringConstraints

from connectors.jira import mapping
from connectors.jira.client import JiraClient
from connectors.jira.settings import JiraAccess
from syncd.connector import PollPage
from syncd.connector_kit import comment_seen
from syncd.cursors import CursorFormat, CursorModel
from syncd.errors import RemoteError
from syncd.model import Change, ChangeKind, Ref

if TYPE_CHECKING:
    from connectors.jira.connector import JiraConnector

POLL_FIELDS = [*mapping.ISSUE_FIELDS, "comment"]
JQL_TIME = r"^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}$"

Raw = dict[str, Any]  # an issue as a search returns it
# what the cursor says it returned: issue id -> [updated, key], "c:<comment id>" -> [updated]
Seen = dict[str, list[str]]
NewComment = tuple[Raw, str, datetime]  # a comment new to the cursor, its stamp, its time


class JiraCursor(CursorModel):
    """The poll cursor: the newest ``updated`` seen, what the overlap window already returned
    (issue id -> [updated, key], ``c:<comment id>`` -> [updated]), and where a search that
    spans pages stands."""

    hw: AwareDatetime
    seen: dict[str, Annotated[list[str], Field(min_length=1, max_length=2)]] = {}
    page: str | int | None = None  # nextPageToken (Cloud) or startAt (Data Center)
    from_: Annotated[str, StringConstraints(pattern=JQL_TIME)] | None = Field(
        default=None, alias="from"
    )


# version 0: the same object without "v", written before cursors had versions
CURSOR = CursorFormat("jira", JiraCursor, version=1, upgrades={0: dict})


def cursor_since(moment: datetime) -> str:
    """A cursor whose polls return what changed at or after ``moment``."""
    return CURSOR.dump(JiraCursor(hw=moment if moment.tzinfo else moment.replace(tzinfo=UTC)))


class Searching(Protocol):
    """What a JQL poller needs of its connector (Jira's, or Jira Service Management's)."""

    name: str
    projects: list[str]

    @property
    def client(self) -> JiraClient: ...

    @property
    def settings(self) -> JiraAccess: ...

    def me(self) -> dict[str, Any]: ...


class JqlPoller:
    """JQL search and the ``updated >=`` poll of one connector; what a found issue yields
    (``_issue_changes``) and the cursor's shape are the subclass's."""

    FORMAT: ClassVar[CursorFormat[Any]] = CURSOR
    FIELDS: ClassVar[list[str]] = POLL_FIELDS

    def __init__(self, connector: Searching) -> None:
        self.conn: Searching = connector
        self.settings = connector.settings
        self.client = connector.client

    def state(self, **values: Any) -> JiraCursor:
        """The cursor state for ``values`` (hw, seen, page, from_)."""
        return JiraCursor(**values)

    def zone(self) -> ZoneInfo:
        """The time zone Jira reads the bot's JQL dates in."""
        try:
            name = self.conn.me().get("timeZone") or "UTC"
        except RemoteError:
            name = "UTC"
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def jql_time(self, at: datetime, slack: float = 0.0) -> str:
        """``at`` minus ``slack`` seconds as a JQL date, floored to the minute."""
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        return (at - timedelta(seconds=slack)).astimezone(self.zone()).strftime("%Y/%m/%d %H:%M")

    def page(
        self, jql: str, token: Any, limit: int, fields: list[str]
    ) -> tuple[list[dict[str, Any]], Any]:
        """One page of a search: the issues and the next page's token (None: last page)."""
        props = mapping.PROPERTY
        if self.settings.flavour == "cloud":
            data = self.client.call(
                lambda j: j.enhanced_search_issues(
                    jql,
                    nextPageToken=token,
                    maxResults=limit,
                    fields=list(fields),
                    properties=props,
                    json_result=True,
                    use_post=True,
                )
            )
            issues = list(data.get("issues", []))
            nxt = data.get("nextPageToken")
            return issues, (None if data.get("isLast", True) or not nxt else nxt)
        start = int(token or 0)
        data = self.client.call(
            lambda j: j.search_issues(
                jql,
                startAt=start,
                maxResults=limit,
                validate_query=True,
                fields=list(fields),
                properties=props,
                json_result=True,
            )
        )
        issues = list(data.get("issues", []))
        end = start + len(issues)
        return issues, (end if issues and end < int(data.get("total", 0)) else None)

    def search(self, jql: str, limit: int = 50) -> list[dict[str, Any]]:
        """The first page of a search, with the ``syncd`` property."""
        issues, _ = self.page(jql, None, limit, ["summary", *mapping_fields()])
        return issues

    def poll(self, cursor: str | None) -> PollPage:
        """One page of changes since ``cursor``."""
        if cursor is None:
            now = datetime.now(UTC)
            return PollPage(changes=(), cursor=self.FORMAT.dump(self.state(hw=now)))
        state = self.FORMAT.load(self.conn.name, cursor)
        hw = state.hw
        seen: dict[str, list[str]] = dict(state.seen)
        since = state.from_ or self.jql_time(hw, slack=self.settings.poll_overlap)
        since_at = _parse_jql(since, self.zone())
        jql = f'updated >= "{since}" ORDER BY updated ASC'
        if self.conn.projects:
            quoted = ", ".join(f'"{p}"' for p in self.conn.projects)
            jql = f"project in ({quoted}) AND {jql}"
        issues, token = self.page(jql, state.page, self.settings.poll_page_size, self.fields())

        changes: list[Change] = []
        for raw in issues:
            changes.extend(self._issue_changes(raw, seen, since_at))
            updated = mapping.parse_time((raw.get("fields") or {}).get("updated"))
            if updated and updated > hw:
                hw = updated
        floor = hw - timedelta(seconds=self.settings.poll_overlap + 60)
        seen = {k: v for k, v in seen.items() if _stamp(v[0]) >= floor}
        after = self.state(hw=hw, seen=seen)
        if token is not None:
            after = self.state(hw=hw, seen=seen, page=token, from_=since)
        return PollPage(changes=changes, cursor=self.FORMAT.dump(after), more=token is not None)

    def fields(self) -> list[str]:
        """The ``fields`` a poll's search asks for."""
        return self.FIELDS

    def _issue_changes(self, raw: Raw, seen: Seen, since_at: datetime) -> list[Change]:
        """The changes one found issue brings (``seen`` records what was returned): its
        snapshot when its ``updated`` moved, then its comments new to the cursor."""
        fields = raw.get("fields") or {}
        issue_id, key = str(raw["id"]), str(raw["key"])
        updated = str(fields.get("updated") or "")
        out: list[Change] = []
        before = seen.get(issue_id)
        if before is None or before[0] != updated:
            out.extend(self.snapshot(raw, before))
            seen[issue_id] = [updated, key]
        fresh = list(self.new_comments(fields, seen, since_at))
        if fresh:
            out.extend(self.comment_changes(raw, fresh, seen))
        return out

    def snapshot(self, raw: Raw, before: list[str] | None) -> list[Change]:
        """The changes of a found issue whose ``updated`` moved (``before``: what the cursor
        held for it, [updated, key], if anything)."""
        raise NotImplementedError

    def comment_changes(self, raw: Raw, fresh: list[NewComment], seen: Seen) -> list[Change]:
        """The changes of a found issue's comments new to the cursor (from
        :meth:`new_comments`), recording in ``seen`` those returned."""
        raise NotImplementedError

    def new_comments(
        self, fields: dict[str, Any], seen: Seen, since_at: datetime
    ) -> Iterator[NewComment]:
        """The comments of a found issue's fields made or edited in the window and not
        returned yet (``seen["c:<id>"]`` holds the stamp returned), with their stamps."""
        for c in (fields.get("comment") or {}).get("comments", []):
            stamp = str(c.get("updated") or c.get("created") or "")
            at = mapping.parse_time(stamp)
            mark = f"c:{c['id']}"
            if at is None or at < since_at or (mark in seen and seen[mark][0] == stamp):
                continue
            yield c, stamp, at


class Poller(JqlPoller):
    """The Jira tracker's poll: issues and their comments."""

    def __init__(self, connector: JiraConnector) -> None:
        super().__init__(connector)
        self.tracker = connector

    def fields(self) -> list[str]:
        """The poll's fields and the fields routes map (``fields:``)."""
        return list(dict.fromkeys([*self.FIELDS, *self.tracker.field_ids()]))

    def snapshot(self, raw: Raw, before: list[str] | None) -> list[Change]:
        """The issue, after a move from the key the cursor knew it by when it moved."""
        issue = self.tracker._issue(raw)
        out: list[Change] = []
        if before is not None and len(before) > 1 and before[1] != str(raw["key"]):
            old = Ref.issue(self.conn.name, before[1])
            out.append(Change(kind=ChangeKind.MOVED, ref=old, new_ref=issue.ref))
        out.append(Change(kind=ChangeKind.UPSERT, ref=issue.ref, issue=issue))
        return out

    def comment_changes(self, raw: Raw, fresh: list[NewComment], seen: Seen) -> list[Change]:
        """The comments as the search returned them (with their properties)."""
        issue_id, parent = str(raw["id"]), Ref.issue(self.conn.name, str(raw["key"]))
        bot = self.tracker.bot_ids()
        out: list[Change] = []
        for c, stamp, at in fresh:
            comment = mapping.comment_from_raw(self.conn.name, parent, issue_id, c, bot=bot)
            out.append(comment_seen(parent, comment, at=at))
            seen[f"c:{c['id']}"] = [stamp]
        return out


def mapping_fields() -> list[str]:
    """The fields an issue read needs for the canonical Issue."""
    return [f for f in POLL_FIELDS if f not in ("comment", "summary")]


def _stamp(value: str) -> datetime:
    parsed = mapping.parse_time(value)
    return parsed if parsed is not None else datetime.min.replace(tzinfo=UTC)


def _parse_jql(value: str, zone: ZoneInfo) -> datetime:
    return datetime.strptime(value, "%Y/%m/%d %H:%M").replace(tzinfo=zone)
