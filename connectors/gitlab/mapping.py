"""Pure mapping between GitLab's JSON and syncd's canonical values.

Nothing here does I/O. REST answers and webhook payloads differ (a webhook's issue is
``object_attributes`` with label objects and ``url``; REST has label names and ``web_url``),
so the webhook module first brings a payload to the REST form these functions read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncd.markers import add_marker, split_marker
from syncd.model import Comment, Issue, IssueDraft, IssueStatus, Ref
from syncd.tracker_labels import InProgressRules, by_account, draft_labels
from syncd.tracker_labels import issue_priority as issue_priority
from syncd.tracker_labels import label_changes as label_changes

_NOTE = "/note-"

Raw = Mapping[str, Any]


@dataclass(frozen=True)
class Rules(InProgressRules):
    """Per-instance mapping choices: the instance name, label conventions, the bot."""

    wont_do_labels: Sequence[str] = ()
    duplicate_labels: Sequence[str] = ()
    bot_username: str | None = None

    @property
    def status_labels(self) -> Mapping[IssueStatus, Sequence[str]]:
        """The statuses GitLab's two states cannot tell, each said by a label."""
        return {
            **super().status_labels,
            IssueStatus.WONT_DO: self.wont_do_labels,
            IssueStatus.DUPLICATE: self.duplicate_labels,
        }


# --- markers -------------------------------------------------------------------------------


# --- keys ----------------------------------------------------------------------------------


def issue_key(project: str, iid: int | str) -> str:
    """``group/project#12``: the project's full path and the issue's iid."""
    return f"{project}#{iid}"


def parse_issue_key(key: str) -> tuple[str, int]:
    """Split ``group/sub/project#12`` into the project path and the iid."""
    project, _, iid = key.rpartition("#")
    if "/" not in project or not iid.isdigit() or "/note-" in iid:
        raise ValueError(f"not a GitLab issue key: {key!r}")
    return project, int(iid)


def comment_key(project: str, iid: int | str, note_id: int | str) -> str:
    """``group/project#12/note-1241``: a note's API path needs its issue's iid."""
    return f"{project}#{iid}{_NOTE}{note_id}"


def parse_comment_key(key: str) -> tuple[str, int, int]:
    """Split ``group/project#12/note-1241`` into project path, iid and note id."""
    issue, _, note = key.rpartition(_NOTE)
    project, iid = parse_issue_key(issue) if issue else ("", 0)
    if not note.isdigit():
        raise ValueError(f"not a GitLab note key: {key!r}")
    return project, iid, int(note)


def project_of_url(url: str) -> str:
    """``group/project`` from a web URL such as ``https://host/group/project/-/issues/12``
    (or the older ``.../group/project/issues/12``)."""
    path = url.split("://", 1)[-1].split("/", 1)[-1]
    path = path.split("/-/", 1)[0] if "/-/" in path else path.rsplit("/issues/", 1)[0]
    if "/" not in path.strip("/"):
        raise ValueError(f"no project in {url!r}")
    return path.strip("/")


# --- reading -------------------------------------------------------------------------------


def parse_time(value: str | None) -> datetime | None:
    """GitLab's times: ``2016-01-04T15:31:46.176Z`` (REST) or ``2015-05-17 17:06:40 UTC``
    (older webhook payloads), as aware datetimes."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(" UTC"):
        text = text[:-4].replace(" ", "T") + "+00:00"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def change_time(value: str | None) -> datetime | None:
    """An ``updated_at`` as syncd compares it, to the whole second: REST answers carry
    milliseconds, hooks whole seconds, and a hook's snapshot must not look older than a REST
    read of the same second (the engine drops a snapshot older than the last one seen)."""
    moment = parse_time(value)
    return moment.replace(microsecond=0) if moment is not None else None


def label_names(raw: Raw) -> frozenset[str]:
    """Label names of an issue: REST sends names, webhooks objects with a ``title``."""
    names: set[str] = set()
    for label in raw.get("labels") or ():
        names.add(label if isinstance(label, str) else str(label.get("title") or ""))
    names.discard("")
    return frozenset(names)


def issue_status(raw: Raw, rules: Rules) -> IssueStatus:
    """Canonical status from ``state`` and the labels syncd's rules name."""
    labels = label_names(raw)
    if raw.get("state") == "closed":
        if labels & set(rules.wont_do_labels):
            return IssueStatus.WONT_DO
        if labels & set(rules.duplicate_labels):
            return IssueStatus.DUPLICATE
        return IssueStatus.DONE
    if labels & set(rules.in_progress_labels):
        return IssueStatus.IN_PROGRESS
    return IssueStatus.TODO


def project_is_public(raw: Any) -> bool:
    """Whether anyone may read a project (``visibility`` of ``GET /projects/:id``; an
    ``internal`` project is readable by every signed-in user, which is not the public).
    Issues switched to members only are not public either."""
    if not isinstance(raw, dict):
        return True
    if raw.get("issues_access_level") in ("private", "disabled"):
        return False
    return raw.get("visibility", "public") == "public"


def issue_from_raw(raw: Raw, rules: Rules, project: str | None = None) -> Issue:
    """A GitLab issue (REST form) as a canonical :class:`Issue`."""
    project = project or _project(raw)
    body, marker = split_marker(raw.get("description"))
    labels = label_names(raw)
    assignees = raw.get("assignees") or []
    assignee = assignees[0] if assignees else raw.get("assignee")
    milestone = raw.get("milestone") or {}
    return Issue(
        ref=Ref.issue(rules.instance, issue_key(project, int(raw["iid"]))),
        title=str(raw.get("title") or ""),
        body=body,
        status=issue_status(raw, rules),
        priority=issue_priority(labels, rules.priority_labels),
        labels=labels,
        assignee=(assignee or {}).get("username"),
        milestone=milestone.get("title"),
        dates={"milestone": str(milestone["due_date"])[:10]} if milestone.get("due_date") else {},
        url=str(raw.get("web_url") or ""),
        created_at=parse_time(raw.get("created_at")),
        updated_at=change_time(raw.get("updated_at")),
        marker=marker,
    )


def comment_from_raw(raw: Raw, rules: Rules, project: str, iid: int) -> Comment:
    """A GitLab note as a canonical :class:`Comment`.

    ``public`` follows GitLab: an ``internal`` note (``confidential`` before 15.0) is read by
    project members only, so it stays internal; any other note is public on a public
    project. The engine never shows a tracker's note to customers either way."""
    body, marker = split_marker(raw.get("body"))
    author = str((raw.get("author") or {}).get("username") or "")
    internal = bool(raw.get("internal") or raw.get("confidential"))
    return Comment(
        ref=Ref.comment(rules.instance, comment_key(project, iid, int(raw["id"]))),
        parent=Ref.issue(rules.instance, issue_key(project, iid)),
        author=author,
        body=body,
        public=not internal,
        created_at=parse_time(raw.get("created_at")),
        updated_at=change_time(raw.get("updated_at")),
        marker=marker,
        by_syncd=by_account(author, rules.bot_username),
    )


def is_user_note(raw: Raw) -> bool:
    """Notes people wrote; GitLab's system notes ("changed the description") are not."""
    return not raw.get("system")


def _project(raw: Raw) -> str:
    full = str((raw.get("references") or {}).get("full") or "")
    if "#" in full:
        return full.rpartition("#")[0]
    return project_of_url(str(raw.get("web_url") or ""))


# --- writing -------------------------------------------------------------------------------


def state_event(status: IssueStatus, current_state: str | None) -> str | None:
    """The ``state_event`` that puts an issue in ``status`` (None: its state is right)."""
    if status.is_closed:
        return "close" if current_state != "closed" else None
    return "reopen" if current_state == "closed" else None


def draft_payload(draft: IssueDraft, key: str, rules: Rules) -> dict[str, Any]:
    """The body of ``POST /projects/:id/issues`` for a draft (labels comma-separated)."""
    return {
        "title": draft.title,
        "description": add_marker(draft.body, key),
        "labels": ",".join(draft_labels(draft, rules.priority_labels)),
    }


_PATH = r"[\w.-]+(?:/[\w.-]+)+"
_ISSUE_URL = re.compile(rf"https?://[^\s/]+/({_PATH})/-/(?:issues|work_items)/(\d+)")
_ISSUE_KEY = re.compile(rf"^({_PATH})#(\d+)$")


def issue_reference(text: str) -> str | None:
    """The issue key (``group/project#12``) an agent's pasted text names: an issue's web URL
    (``https://gitlab.example.com/group/project/-/issues/12``) or ``group/project#12``."""
    if m := _ISSUE_URL.search(text) or _ISSUE_KEY.match(text.strip()):
        return f"{m.group(1)}#{m.group(2)}"
    return None
