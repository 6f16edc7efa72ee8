"""GitHub's JSON shapes for the emulator: users, repositories, labels, issues, comments.

The shapes follow GitHub's REST answers and webhook payloads (both are checked against the
published schemas in the tests); only what a record holds varies, the URLs are derived.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import quote

from .records import CommentRec, IssueRec, LabelRec, MilestoneRec, RepoRec, UserRec

DOCS = "https://docs.github.com/rest"


def node_id(prefix: str, number: int) -> str:
    """An opaque node id in GitHub's style."""
    return base64.b64encode(f"0{len(prefix)}:{prefix}{number}".encode()).decode()


def user_json(base: str, user: UserRec) -> dict[str, Any]:
    """A ``simple-user``."""
    api = f"{base}/users/{user.login}"
    return {
        "login": user.login,
        "id": user.id,
        "node_id": node_id("User", user.id),
        "avatar_url": f"{base}/avatars/u/{user.id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{base}/{user.login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "Bot" if user.bot else "User",
        "site_admin": False,
    }


_REPO_URLS = {
    "forks_url": "/forks",
    "keys_url": "/keys{/key_id}",
    "collaborators_url": "/collaborators{/collaborator}",
    "teams_url": "/teams",
    "hooks_url": "/hooks",
    "issue_events_url": "/issues/events{/number}",
    "events_url": "/events",
    "assignees_url": "/assignees{/user}",
    "branches_url": "/branches{/branch}",
    "tags_url": "/tags",
    "blobs_url": "/git/blobs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "trees_url": "/git/trees{/sha}",
    "statuses_url": "/statuses/{sha}",
    "languages_url": "/languages",
    "stargazers_url": "/stargazers",
    "contributors_url": "/contributors",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "commits_url": "/commits{/sha}",
    "git_commits_url": "/git/commits{/sha}",
    "comments_url": "/comments{/number}",
    "issue_comment_url": "/issues/comments{/number}",
    "contents_url": "/contents/{+path}",
    "compare_url": "/compare/{base}...{head}",
    "merges_url": "/merges",
    "archive_url": "/{archive_format}{/ref}",
    "downloads_url": "/downloads",
    "issues_url": "/issues{/number}",
    "pulls_url": "/pulls{/number}",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "labels_url": "/labels{/name}",
    "releases_url": "/releases{/id}",
    "deployments_url": "/deployments",
}


def repo_json(base: str, repo: RepoRec, owner: UserRec) -> dict[str, Any]:
    """A full repository as in ``GET /repos/{owner}/{repo}`` and webhook payloads."""
    api = f"{base}/repos/{repo.full_name}"
    open_issues = sum(1 for i in repo.issues.values() if i.visible and i.state == "open")
    data: dict[str, Any] = {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
        "owner": user_json(base, owner),
        "html_url": f"{base}/{repo.full_name}",
        "description": None,
        "fork": False,
        "url": api,
    }
    data.update({key: api + suffix for key, suffix in _REPO_URLS.items()})
    data.update(
        {
            "created_at": repo.created_at,
            "updated_at": repo.created_at,
            "pushed_at": repo.created_at,
            "git_url": f"git://{base.split('://', 1)[-1]}/{repo.full_name}.git",
            "ssh_url": f"git@emulator:{repo.full_name}.git",
            "clone_url": f"{base}/{repo.full_name}.git",
            "svn_url": f"{base}/{repo.full_name}",
            "homepage": None,
            "size": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "has_issues": repo.has_issues,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": True,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": repo.archived,
            "disabled": False,
            "open_issues_count": open_issues,
            "license": None,
            "forks": 0,
            "open_issues": open_issues,
            "watchers": 0,
            "default_branch": "main",
            "is_template": False,
            "topics": [],
            "visibility": "private" if repo.private else "public",
            "web_commit_signoff_required": False,
            "custom_properties": {},
        }
    )
    return data


def label_json(base: str, repo: str, label: LabelRec) -> dict[str, Any]:
    """A ``label``."""
    return {
        "id": label.id,
        "node_id": node_id("Label", label.id),
        "url": f"{base}/repos/{repo}/labels/{quote(label.name, safe='')}",
        "name": label.name,
        "color": label.color,
        "default": False,
        "description": label.description,
    }


def reactions_json(url: str) -> dict[str, Any]:
    """An empty ``reaction-rollup``."""
    counts = dict.fromkeys(
        ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0
    )
    return {"url": url, "total_count": 0, **counts}


def milestone_json(
    base: str, repo: RepoRec, m: MilestoneRec, users: dict[str, UserRec]
) -> dict[str, Any]:
    """A ``milestone``."""
    api = f"{base}/repos/{repo.full_name}/milestones/{m.number}"
    held = [i for i in repo.issues.values() if i.milestone == m.number and i.visible]
    return {
        "url": api,
        "html_url": f"{base}/{repo.full_name}/milestone/{m.number}",
        "labels_url": f"{api}/labels",
        "id": m.id,
        "node_id": node_id("Milestone", m.id),
        "number": m.number,
        "title": m.title,
        "description": m.description,
        "creator": user_json(base, users[m.creator]),
        "open_issues": sum(1 for i in held if i.state == "open"),
        "closed_issues": sum(1 for i in held if i.state == "closed"),
        "state": m.state,
        "created_at": m.created_at,
        "updated_at": m.created_at,
        "due_on": m.due_on,
        "closed_at": None,
    }


def issue_json(
    base: str, repo: RepoRec, issue: IssueRec, users: dict[str, UserRec]
) -> dict[str, Any]:
    """An ``issue`` as the REST API and the webhook payloads carry it."""
    api = f"{base}/repos/{repo.full_name}/issues/{issue.number}"
    assignees = [user_json(base, users[a]) for a in issue.assignees if a in users]
    kind = "pull" if issue.pull_request else "issues"
    data: dict[str, Any] = {
        "url": api,
        "repository_url": f"{base}/repos/{repo.full_name}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"{base}/{repo.full_name}/{kind}/{issue.number}",
        "id": issue.id,
        "node_id": node_id("Issue", issue.id),
        "number": issue.number,
        "title": issue.title,
        "user": user_json(base, users[issue.user]),
        "labels": [label_json(base, repo.full_name, repo.labels[n]) for n in issue.labels],
        "state": issue.state,
        "locked": False,
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "milestone": (
            milestone_json(base, repo, repo.milestones[issue.milestone], users)
            if issue.milestone in repo.milestones
            else None
        ),
        "comments": issue.comment_count,
        "created_at": issue.created_at,
        "updated_at": issue.updated_at,
        "closed_at": issue.closed_at,
        "author_association": "OWNER" if issue.user == repo.owner else "COLLABORATOR",
        "active_lock_reason": None,
        "body": issue.body,
        "reactions": reactions_json(f"{api}/reactions"),
        "timeline_url": f"{api}/timeline",
        "performed_via_github_app": None,
        "state_reason": issue.state_reason,
    }
    if issue.pull_request:
        pulls = f"{base}/repos/{repo.full_name}/pulls/{issue.number}"
        html = data["html_url"]
        data["pull_request"] = {
            "url": pulls,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": None,
        }
    return data


def comment_json(
    base: str, repo: RepoRec, comment: CommentRec, users: dict[str, UserRec]
) -> dict[str, Any]:
    """An ``issue-comment``."""
    api = f"{base}/repos/{repo.full_name}/issues/comments/{comment.id}"
    issue = repo.issues.get(comment.number)
    kind = "pull" if issue is not None and issue.pull_request else "issues"
    return {
        "url": api,
        "html_url": f"{base}/{repo.full_name}/{kind}/{comment.number}#issuecomment-{comment.id}",
        "issue_url": f"{base}/repos/{repo.full_name}/issues/{comment.number}",
        "id": comment.id,
        "node_id": node_id("IssueComment", comment.id),
        "user": user_json(base, users[comment.user]),
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "author_association": "OWNER" if comment.user == repo.owner else "COLLABORATOR",
        "performed_via_github_app": None,
        "body": comment.body,
        "reactions": reactions_json(f"{api}/reactions"),
    }


def etag_of(raw: bytes) -> str:
    """A weak ETag over an answer's bytes, as GitHub sends for lists."""
    return f'W/"{hashlib.sha256(raw).hexdigest()[:40]}"'
