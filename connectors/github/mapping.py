"""Pure mapping between GitHub's JSON and syncd's canonical values.

Nothing here does I/O: every function takes GitHub's raw dicts (REST answers or webhook
payloads, which share the issue and comment shapes) and returns canonical values, or the
reverse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncd.markers import add_marker, split_marker
from syncd.model import Comment, Issue, IssueDraft, IssueStatus, Ref
from syncd.tracker_labels import InProgressRules, by_account, draft_labels
from syncd.tracker_labels import issue_priority as issue_priority
from syncd.tracker_labels import label_changes as label_changes

_COMMENT_PREFIX = "comment-"

Raw = Mapping[str, Any]


@dataclass(frozen=True)
class Rules(InProgressRules):
    """Per-instance mapping choices: the instance name, label conventions, the bot login."""

    bot_login: str | None = None


# --- markers -------------------------------------------------------------------------------


# --- keys ----------------------------------------------------------------------------------


def issue_key(repo: str, number: int | str) -> str:
    """``owner/repo#42``."""
    return f"{repo}#{number}"


def parse_issue_key(key: str) -> tuple[str, int]:
    """Split ``owner/repo#42`` into the repository and the number."""
    repo, _, number = key.rpartition("#")
    if "/" not in repo or not number.isdigit():
        raise ValueError(f"not a GitHub issue key: {key!r}")
    return repo, int(number)


def comment_key(repo: str, comment_id: int | str) -> str:
    """``owner/repo#comment-1234``: comment ids are global, the repository names the API path."""
    return f"{repo}#{_COMMENT_PREFIX}{comment_id}"


def parse_comment_key(key: str) -> tuple[str, int]:
    """Split ``owner/repo#comment-1234`` into the repository and the comment id."""
    repo, _, rest = key.rpartition("#")
    number = rest.removeprefix(_COMMENT_PREFIX)
    if "/" not in repo or not number.isdigit():
        raise ValueError(f"not a GitHub comment key: {key!r}")
    return repo, int(number)


def repo_of_url(url: str) -> str:
    """``owner/repo`` from an API URL such as ``.../repos/owner/repo/issues/1``."""
    parts = url.split("/repos/", 1)[-1].split("/")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise ValueError(f"no repository in {url!r}")
    return f"{parts[0]}/{parts[1]}"


def issue_number_of_url(url: str) -> int:
    """The issue number at the end of an ``issue_url``."""
    return int(url.rstrip("/").rsplit("/", 1)[-1])


# --- reading -------------------------------------------------------------------------------


def parse_time(value: str | None) -> datetime | None:
    """GitHub's ISO 8601 timestamps (``2019-05-15T15:20:18Z``) as aware datetimes."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def label_names(raw: Raw) -> frozenset[str]:
    """Label names of an issue; GitHub sends objects, older payloads plain strings."""
    names: set[str] = set()
    for label in raw.get("labels") or ():
        names.add(label if isinstance(label, str) else str(label.get("name", "")))
    names.discard("")
    return frozenset(names)


def is_pull_request(raw: Raw) -> bool:
    """True for the pull requests GitHub lists among issues."""
    return raw.get("pull_request") is not None


def repo_is_public(raw: Any) -> bool:
    """Whether a repository (``GET /repos/{repo}``) is readable by anyone: ``visibility``
    when GitHub sends it, else ``private``; an answer without either counts as public."""
    if not isinstance(raw, dict):
        return True
    visibility = raw.get("visibility")
    if isinstance(visibility, str):
        return visibility == "public"
    return raw.get("private") is not True


def issue_status(raw: Raw, in_progress_labels: Iterable[str] = ()) -> IssueStatus:
    """Canonical status from ``state``, ``state_reason`` and the in-progress labels."""
    if raw.get("state") == "closed":
        reason = raw.get("state_reason")
        if reason == "not_planned":
            return IssueStatus.WONT_DO
        if reason == "duplicate":
            return IssueStatus.DUPLICATE
        # "completed", and closes from before state_reason existed
        return IssueStatus.DONE
    if label_names(raw) & set(in_progress_labels):
        return IssueStatus.IN_PROGRESS
    return IssueStatus.TODO


def issue_ref(raw: Raw, instance: str, repo: str | None = None) -> Ref:
    """The ref of an issue; ``repo`` when known, else from its ``repository_url``."""
    repo = repo or repo_of_url(str(raw.get("repository_url") or raw["url"]))
    return Ref.issue(instance, issue_key(repo, int(raw["number"])))


def issue_from_raw(raw: Raw, rules: Rules, repo: str | None = None) -> Issue:
    """A GitHub issue as a canonical :class:`Issue`."""
    body, marker = split_marker(raw.get("body"))
    labels = label_names(raw)
    assignee = raw.get("assignee") or {}
    milestone = raw.get("milestone") or {}
    return Issue(
        ref=issue_ref(raw, rules.instance, repo),
        title=str(raw.get("title") or ""),
        body=body,
        status=issue_status(raw, rules.in_progress_labels),
        priority=issue_priority(labels, rules.priority_labels),
        labels=labels,
        assignee=assignee.get("login"),
        milestone=milestone.get("title"),
        dates={"milestone": str(milestone["due_on"])[:10]} if milestone.get("due_on") else {},
        url=str(raw.get("html_url") or ""),
        created_at=parse_time(raw.get("created_at")),
        updated_at=parse_time(raw.get("updated_at")),
        marker=marker,
    )


def comment_from_raw(raw: Raw, rules: Rules, repo: str | None = None) -> Comment:
    """A GitHub issue comment as a canonical :class:`Comment`.

    ``public`` is always False: a tracker comment is read by developers, never by the
    helpdesk's customer, so it is internal in the helpdesk's sense.
    """
    issue_url = str(raw["issue_url"])
    repo = repo or repo_of_url(issue_url)
    body, marker = split_marker(raw.get("body"))
    author = str((raw.get("user") or {}).get("login") or "")
    return Comment(
        ref=Ref.comment(rules.instance, comment_key(repo, int(raw["id"]))),
        parent=Ref.issue(rules.instance, issue_key(repo, issue_number_of_url(issue_url))),
        author=author,
        body=body,
        public=False,
        created_at=parse_time(raw.get("created_at")),
        updated_at=parse_time(raw.get("updated_at")),
        marker=marker,
        by_syncd=by_account(author, rules.bot_login),
    )


def is_pull_request_comment(raw: Raw) -> bool:
    """Comments on a pull request's conversation share the issue comment endpoints."""
    return "/pull/" in str(raw.get("html_url") or "")


# --- writing -------------------------------------------------------------------------------


def state_for(status: IssueStatus, current_state: str | None) -> dict[str, str]:
    """The ``state`` / ``state_reason`` fields that put an issue in ``status``."""
    if status == IssueStatus.DONE:
        return {"state": "closed", "state_reason": "completed"}
    if status == IssueStatus.WONT_DO:
        return {"state": "closed", "state_reason": "not_planned"}
    if status == IssueStatus.DUPLICATE:
        return {"state": "closed", "state_reason": "duplicate"}
    if current_state == "closed":
        return {"state": "open", "state_reason": "reopened"}
    return {"state": "open"}


def draft_payload(draft: IssueDraft, key: str, rules: Rules) -> dict[str, Any]:
    """The body of ``POST /repos/{owner}/{repo}/issues`` for a draft."""
    payload: dict[str, Any] = {
        "title": draft.title,
        "body": add_marker(draft.body, key),
        "labels": draft_labels(draft, rules.priority_labels),
    }
    if draft.assignee:
        payload["assignees"] = [draft.assignee]
    return payload


_ISSUE_URL = re.compile(r"https?://[^\s/]+/(?:repos/)?([\w.-]+/[\w.-]+)/issues/(\d+)")
_ISSUE_KEY = re.compile(r"^([\w.-]+/[\w.-]+)#(\d+)$")


def issue_reference(text: str) -> str | None:
    """The issue key (``owner/repo#42``) that an agent's pasted text names: an issue's URL
    (web or API) or the short form ``owner/repo#42``."""
    if m := _ISSUE_URL.search(text) or _ISSUE_KEY.match(text.strip()):
        return f"{m.group(1)}#{m.group(2)}"
    return None
