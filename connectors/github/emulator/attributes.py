"""The GitHub emulator's rules for what an issue carries besides its text: labels (created
on first use, as GitHub does), the milestone and the assignees. :class:`IssueAttributes` is a
part of :class:`.state.Store`; each change returns the webhook events GitHub sends for it.
"""

from __future__ import annotations

from typing import Any

from .records import (
    ApiError,
    Event,
    IssueRec,
    LabelRec,
    MilestoneRec,
    RepoRec,
    UserRec,
    invalid_field,
    now_iso,
)


class IssueAttributes:
    """Labels, milestones and assignees of the repositories' issues."""

    def next_id(self) -> int:
        raise NotImplementedError

    def add_user(self, login: str, token: str | None = None, *, bot: bool = False) -> UserRec:
        raise NotImplementedError

    def label(self, repo: RepoRec, name: str) -> LabelRec:
        """The repository's label ``name``, created on first use as GitHub does."""
        for existing in repo.labels.values():
            if existing.name.lower() == name.lower():
                return existing
        made = LabelRec(id=self.next_id(), name=name)
        repo.labels[name] = made
        return made

    def add_milestone(
        self, repo: RepoRec, title: str, *, due_on: str | None = None, creator: str | None = None
    ) -> MilestoneRec:
        """A new milestone (``POST /repos/{repo}/milestones``)."""
        if any(m.title == title for m in repo.milestones.values()):
            errors = [{"resource": "Milestone", "code": "already_exists", "field": "title"}]
            raise ApiError(422, "Validation Failed", errors=errors)
        number = max(repo.milestones, default=0) + 1
        m = MilestoneRec(self.next_id(), number, title, creator or repo.owner, now_iso(), due_on)
        repo.milestones[number] = m
        return m

    def _milestone(self, login: str, repo: RepoRec, issue: IssueRec, value: Any) -> list[Event]:
        if value is not None and (not isinstance(value, int) or value not in repo.milestones):
            raise invalid_field("Issue", "milestone", value)
        if value == issue.milestone:
            return []
        key = (repo.full_name, issue.number, login)
        was, issue.milestone = issue.milestone, value
        if value is None:
            return [Event("issues", "demilestoned", *key, extra={"milestone": was})]
        return [Event("issues", "milestoned", *key, extra={"milestone": value})]

    def _assign(self, login: str, repo: RepoRec, issue: IssueRec, wanted: list[str]) -> list[Event]:
        events: list[Event] = []
        key = (repo.full_name, issue.number, login)
        for gone in [a for a in issue.assignees if a not in wanted]:
            issue.assignees.remove(gone)
            events.append(Event("issues", "unassigned", *key, extra={"assignee": gone}))
        for new in [a for a in wanted if a not in issue.assignees]:
            self.add_user(new)
            issue.assignees.append(new)
            events.append(Event("issues", "assigned", *key, extra={"assignee": new}))
        return events

    def add_labels(
        self, login: str, repo: RepoRec, issue: IssueRec, names: list[str], *, touch: bool = True
    ) -> list[Event]:
        events: list[Event] = []
        for name in names:
            label = self.label(repo, name)
            if label.name not in issue.labels:
                issue.labels.append(label.name)
                key = (repo.full_name, issue.number, login)
                events.append(Event("issues", "labeled", *key, extra={"label": label.name}))
        if events and touch:
            issue.updated_at = now_iso()
        return events

    def remove_label(
        self, login: str, repo: RepoRec, issue: IssueRec, name: str, *, touch: bool = True
    ) -> list[Event]:
        match = [n for n in issue.labels if n.lower() == name.lower()]
        if not match:
            raise ApiError(404, "Label does not exist")
        issue.labels.remove(match[0])
        if touch:
            issue.updated_at = now_iso()
        key = (repo.full_name, issue.number, login)
        return [Event("issues", "unlabeled", *key, extra={"label": match[0]})]

    def set_labels(
        self, login: str, repo: RepoRec, issue: IssueRec, names: list[str], *, touch: bool = True
    ) -> list[Event]:
        wanted = {n.lower() for n in names}
        events: list[Event] = []
        for name in [n for n in issue.labels if n.lower() not in wanted]:
            events += self.remove_label(login, repo, issue, name, touch=touch)
        return events + self.add_labels(login, repo, issue, names, touch=touch)
