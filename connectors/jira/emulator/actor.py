"""A developer on the emulated Jira, for the demo, end-to-end tests and benchmarks.

Acts in process through the emulator's ``human_*`` helpers (which fire the same webhooks as
the API) and reads state without going through HTTP, so request counters show only syncd.
"""

from __future__ import annotations

from typing import Any

from syncd.connector import EmulatorKit
from syncd.model import Comment, Issue, IssueStatus, Ref

from ..mapping import comment_from_raw, issue_from_raw
from ..settings import DEFAULT_PRIORITIES
from .app import JiraEmulator, build
from .records import STATUSES

DEV = "alice"
STATUS_NAME = {
    IssueStatus.TODO: "To Do",
    IssueStatus.IN_PROGRESS: "In Progress",
    IssueStatus.DONE: "Done",
    IssueStatus.WONT_DO: "Done",
    IssueStatus.DUPLICATE: "Done",
}
RESOLUTION = {
    IssueStatus.DONE: "Done",
    IssueStatus.WONT_DO: "Won't Do",
    IssueStatus.DUPLICATE: "Duplicate",
}


class JiraActor:
    """``alice`` on the emulated Jira (Cloud or Data Center)."""

    def __init__(self, emulator: JiraEmulator, instance: str, base_url: str) -> None:
        self.emulator = emulator
        self.instance = instance
        self.base_url = base_url
        emulator.set_base_url(base_url)
        self.credentials = {
            "syncd": {
                "email": "syncd-bot@example.com",
                "api_token": "bot-token",
                "pat": "bot-token",
            },
            "developer": {"login": DEV, "token": "alice-token"},
        }

    def ensure_project(self, project: str) -> None:
        """The emulator is seeded with projects WID and OPS; others are refused."""
        if project not in self.emulator.store.projects:
            raise ValueError(f"the Jira emulator has no project {project!r}")

    def comment(self, issue: Ref, body: str, *, internal: bool = False) -> Ref:
        cid = self.emulator.human_comment(issue.key, body, who=DEV, internal=internal)
        return Ref.comment(self.instance, f"{self.emulator.issue(issue.key).id}/{cid}")

    def restricted_comment(self, issue: Ref, body: str, role: str = "Developers") -> Ref:
        """A comment only a project role can read."""
        cid = self.emulator.human_comment(
            issue.key, body, who=DEV, visibility={"type": "role", "value": role}
        )
        return Ref.comment(self.instance, f"{self.emulator.issue(issue.key).id}/{cid}")

    def edit_comment(self, issue: Ref, comment: Ref, body: str) -> None:
        self.emulator.edit_comment(DEV, issue.key, comment.key.split("/")[-1], body)

    def set_status(self, issue: Ref, status: IssueStatus) -> None:
        current = STATUSES[self.emulator.issue(issue.key).status][0]
        target = STATUS_NAME[status]
        if current == "Done" and target != "Done":
            self.emulator.human_transition(issue.key, "To Do", who=DEV)
            current = "To Do"
        if target != current:
            self.emulator.human_transition(issue.key, target, RESOLUTION.get(status), who=DEV)

    def set_priority(self, issue: Ref, name: str) -> None:
        self.emulator.human_priority(issue.key, name, who=DEV)

    def set_fields(self, issue: Ref, fields: dict[str, Any]) -> None:
        """Edit fields as REST ``fields`` (``{"fixVersions": [{"name": "2.4"}]}``)."""
        self.emulator.edit(DEV, issue.key, fields)

    def raw_fields(self, issue: Ref) -> dict[str, Any]:
        """The issue's fields as REST v2 renders them (custom fields by id)."""
        stored = self.emulator.issue(issue.key)
        return dict(self.emulator.store.render_issue(stored, "2")["fields"])

    def issue(self, ref: Ref) -> Issue:
        stored = self.emulator.issue(ref.key)
        raw = self.emulator.store.render_issue(stored, "2")
        return issue_from_raw(
            self.instance,
            raw,
            base_url=self.base_url,
            priorities=DEFAULT_PRIORITIES,
            bot=("syncd-bot", self.emulator.bot.account_id),
        )

    def attach(self, issue: Ref, name: str, content: bytes, mime: str = "image/png") -> None:
        """Attach a file to the issue as the developer (as the Jira UI does)."""
        self.emulator.files.attach(DEV, issue.key, [(name, mime, content)], "2")

    def file(self, issue: Ref, name: str) -> bytes:
        """The content of the issue's attachment called ``name``."""
        stored = self.emulator.issue(issue.key)
        found = [f for f in self.emulator.files.files.values() if f.issue_id == stored.id]
        return next(f.content for f in found if f.filename == name)

    def issues(self, project: str) -> list[Issue]:
        keys = [i.key for i in self.emulator.store.issues.values() if i.project == project]
        return [
            self.issue(Ref.issue(self.instance, k))
            for k in sorted(keys, key=lambda k: int(k.split("-")[1]))
        ]

    def comments(self, ref: Ref) -> list[Comment]:
        stored = self.emulator.issue(ref.key)
        return [
            comment_from_raw(
                self.instance,
                ref,
                stored.id,
                self.emulator.store.render_comment(stored, c, "2", props=True),
                bot=("syncd-bot",),
            )
            for c in stored.comments
        ]


def config(flavour: str) -> Any:
    """The connector settings syncd's bot uses against an emulator of ``flavour``."""

    def make(base_url: str, webhook_secret: str | None) -> dict[str, Any]:
        creds: dict[str, Any] = (
            {"email": "syncd-bot@example.com", "api_token": "bot-token"}
            if flavour == "cloud"
            else {"pat": "bot-token"}
        )
        return {
            "kind": "jira",
            "flavour": flavour,
            "base_url": base_url,
            "webhook_secret": webhook_secret,
            "near_limit_delay": 0,
            **creds,
        }

    return make


def _build(
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    flavour: str = "cloud",
    **kw: Any,
) -> JiraEmulator:
    return build(flavour, webhook_url, webhook_secret, **kw)


KIT = EmulatorKit(build=_build, actor=JiraActor, config=config("cloud"))
DATACENTER_KIT = EmulatorKit(
    build=lambda **kw: _build(flavour="datacenter", **kw),
    actor=JiraActor,
    config=config("datacenter"),
)
