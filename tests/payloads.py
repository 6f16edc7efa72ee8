"""Vendor payloads the tests build themselves, where a realistic shape is all a test needs
(the vendors' own published examples, outside the repository, are for the tests that check
syncd against them, marked ``vendor_samples``). Shapes follow GitHub's webhook and REST
documentation and Jira's webhook documentation (REST v2 representation of the issue).

Every builder returns a fresh structure: a test may change what it gets."""

from __future__ import annotations

import copy
from typing import Any

API = "https://api.github.com"
REPO = "acme/widgets"
_USER = {
    "login": "dev-alice",
    "id": 21031067,
    "node_id": "MDQ6VXNlcjIxMDMxMDY3",
    "avatar_url": "https://avatars1.githubusercontent.com/u/21031067?v=4",
    "url": f"{API}/users/dev-alice",
    "html_url": "https://github.com/dev-alice",
    "type": "User",
    "site_admin": False,
}
_REPOSITORY = {
    "id": 186853002,
    "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
    "name": "widgets",
    "full_name": REPO,
    "private": False,
    "owner": _USER,
    "html_url": f"https://github.com/{REPO}",
    "description": None,
    "fork": False,
    "url": f"{API}/repos/{REPO}",
    "issues_url": f"{API}/repos/{REPO}/issues{{/number}}",
    "created_at": "2019-05-15T15:19:25Z",
    "updated_at": "2019-05-15T15:21:03Z",
    "pushed_at": "2019-05-15T15:20:57Z",
    "open_issues_count": 1,
    "visibility": "public",
    "default_branch": "main",
}


def github_issue(number: int = 1, **over: Any) -> dict[str, Any]:
    """An issue as GitHub's webhooks and REST API show it."""
    issue = {
        "url": f"{API}/repos/{REPO}/issues/{number}",
        "repository_url": f"{API}/repos/{REPO}",
        "labels_url": f"{API}/repos/{REPO}/issues/{number}/labels{{/name}}",
        "comments_url": f"{API}/repos/{REPO}/issues/{number}/comments",
        "html_url": f"https://github.com/{REPO}/issues/{number}",
        "id": 444500041 + number,
        "node_id": "MDU6SXNzdWU0NDQ1MDAwNDE=",
        "number": number,
        "title": "Spelling error in the README file",
        "user": _USER,
        "labels": [{"id": 1362934389, "name": "bug", "color": "d73a4a", "default": True}],
        "state": "open",
        "locked": False,
        "assignee": _USER,
        "assignees": [_USER],
        "milestone": None,
        "comments": 0,
        "created_at": "2019-05-15T15:20:18Z",
        "updated_at": "2019-05-15T15:20:18Z",
        "closed_at": None,
        "author_association": "OWNER",
        "body": "It looks like you accidentally spelled 'commit' with two 't's.",
    }
    return copy.deepcopy({**issue, **over})


def github_issues_event(action: str = "opened", **issue: Any) -> dict[str, Any]:
    """An ``issues`` delivery's body."""
    return {
        "action": action,
        "issue": github_issue(**issue),
        "repository": copy.deepcopy(_REPOSITORY),
        "sender": copy.deepcopy(_USER),
    }


def github_pinned_event(number: int = 1) -> dict[str, Any]:
    """A ``pinned`` (or ``unpinned``) delivery: GitHub sends the issue without its ``state``,
    ``labels``, ``assignee`` and ``locked``."""
    event = github_issues_event("pinned", number=number)
    for field in ("state", "labels", "assignee", "locked"):
        del event["issue"][field]
    return event


def github_comment(
    body: str, login: str = "dev-alice", number: int = 1, comment_id: int | None = None
) -> dict[str, Any]:
    """A comment on issue ``number`` as GitHub's webhooks and REST API show it."""
    comment_id = comment_id or 492700400 + number
    return {
        "url": f"{API}/repos/{REPO}/issues/comments/{comment_id}",
        "html_url": f"https://github.com/{REPO}/issues/{number}#issuecomment-{comment_id}",
        "issue_url": f"{API}/repos/{REPO}/issues/{number}",
        "id": comment_id,
        "node_id": "MDEyOklzc3VlQ29tbWVudDQ5MjcwMDQwMA==",
        "user": {**copy.deepcopy(_USER), "login": login},
        "created_at": "2019-05-15T15:20:21Z",
        "updated_at": "2019-05-15T15:20:21Z",
        "author_association": "OWNER",
        "body": body,
    }


def github_comment_event(
    body: str, login: str = "dev-alice", number: int = 1, action: str = "created"
) -> dict[str, Any]:
    """An ``issue_comment`` delivery's body: ``login`` commented ``body`` on issue ``number``
    (``action``: created, edited or deleted)."""
    return {
        "action": action,
        "issue": github_issue(number, comments=1),
        "comment": github_comment(body, login, number),
        "repository": copy.deepcopy(_REPOSITORY),
        "sender": {**copy.deepcopy(_USER), "login": login},
    }


def github_ping_event() -> dict[str, Any]:
    """The ``ping`` delivery GitHub sends when a webhook is created."""
    return {
        "zen": "Design for failure.",
        "hook_id": 109948940,
        "hook": {
            "type": "Repository",
            "id": 109948940,
            "name": "web",
            "active": True,
            "events": ["issues", "issue_comment"],
            "config": {
                "content_type": "json",
                "insecure_ssl": "0",
                "secret": "********",
                "url": "https://syncd.example.com/webhooks/github",
            },
            "updated_at": "2019-05-15T15:20:49Z",
            "created_at": "2019-05-15T15:20:49Z",
            "url": f"{API}/repos/{REPO}/hooks/109948940",
            "ping_url": f"{API}/repos/{REPO}/hooks/109948940/pings",
        },
        "repository": copy.deepcopy(_REPOSITORY),
        "sender": copy.deepcopy(_USER),
    }


# -- Jira: webhook deliveries (``jira:issue_*``, ``comment_*``), REST v2 representation -----

JIRA = "https://jira.example.com"
_JIRA_USER = {
    "self": f"{JIRA}/rest/api/2/user?accountId=5c5f880629be9642ba529340",
    "name": "alice",
    "key": "alice",
    "accountId": "5c5f880629be9642ba529340",
    "emailAddress": "alice@example.com",
    "displayName": "Alice Developer",
    "active": True,
    "timeZone": "Europe/London",
}
_JIRA_CATEGORIES = {
    "new": (2, "blue-gray", "To Do"),
    "indeterminate": (4, "yellow", "In Progress"),
    "done": (3, "green", "Done"),
}


def jira_status(name: str = "To Do", category: str = "new") -> dict[str, Any]:
    """An issue's ``status`` field with its category."""
    cid, colour, cname = _JIRA_CATEGORIES[category]
    return {
        "self": f"{JIRA}/rest/api/2/status/10001",
        "description": "",
        "name": name,
        "id": "10001",
        "statusCategory": {
            "self": f"{JIRA}/rest/api/2/statuscategory/{cid}",
            "id": cid,
            "key": category,
            "colorName": colour,
            "name": cname,
        },
    }


def jira_issue(key: str = "WID-7", issue_id: str = "10040", **fields: Any) -> dict[str, Any]:
    """An issue as Jira's webhooks carry it (``fields`` override the defaults)."""
    project = key.split("-")[0]
    values: dict[str, Any] = {
        "issuetype": {"id": "10001", "name": "Bug", "subtask": False},
        "project": {"id": "10000", "key": project, "name": "Widgets"},
        "summary": "Export fails for large files",
        "description": "Exporting a file over 2 GB stops at 99%.",
        "status": jira_status(),
        "priority": {"self": f"{JIRA}/rest/api/2/priority/2", "name": "High", "id": "2"},
        "labels": ["from-support"],
        "assignee": None,
        "reporter": _JIRA_USER,
        "creator": _JIRA_USER,
        "resolution": None,
        "resolutiondate": None,
        "fixVersions": [],
        "components": [],
        "attachment": [],
        "created": "2019-02-15T19:01:52.971-0800",
        "updated": "2019-02-16T13:12:10.037-0800",
    }
    values.update(fields)
    return copy.deepcopy(
        {
            "id": issue_id,
            "self": f"{JIRA}/rest/api/2/issue/{issue_id}",
            "key": key,
            "fields": values,
        }
    )


def jira_comment(
    body: str = "Reproduced on 4.2.", comment_id: str = "10019", issue_id: str = "10040"
) -> dict[str, Any]:
    """A comment as Jira's webhooks carry it (wiki markup body)."""
    return copy.deepcopy(
        {
            "self": f"{JIRA}/rest/api/2/issue/{issue_id}/comment/{comment_id}",
            "id": comment_id,
            "author": _JIRA_USER,
            "body": body,
            "updateAuthor": _JIRA_USER,
            "created": "2019-02-16T13:15:02.117-0800",
            "updated": "2019-02-16T13:15:02.117-0800",
            "jsdPublic": True,
        }
    )


def jira_event(
    event: str = "jira:issue_updated",
    type_name: str | None = "issue_updated",
    *,
    issue: dict[str, Any] | None = None,
    comment: dict[str, Any] | None = None,
    changelog: list[dict[str, Any]] | None = None,
    timestamp: int = 1550351530065,
) -> dict[str, Any]:
    """A Jira webhook delivery's body: ``event`` is ``webhookEvent`` (``jira:issue_created``,
    ``jira:issue_updated``, ``jira:issue_deleted``, ``comment_created``, ...), ``type_name``
    its ``issue_event_type_name`` (None: left out, as old Server payloads do)."""
    body: dict[str, Any] = {
        "timestamp": timestamp,
        "webhookEvent": event,
        "user": copy.deepcopy(_JIRA_USER),
        "issue": jira_issue() if issue is None else issue,
    }
    if type_name is not None:
        body["issue_event_type_name"] = type_name
    if comment is not None:
        body["comment"] = comment
    if changelog is not None:
        body["changelog"] = {"id": "10233", "items": changelog}
    return body
