"""Status and priority kept in a tracker's labels: trackers whose issues are only open or
closed name a priority, and the statuses their states cannot tell (in progress, and for some
won't do and duplicate), by labels an instance configures.

Pure functions over a :class:`LabelRules` (a connector's mapping rules): the priority an
issue's labels give, the labels a change of status or priority adds and removes, the labels
a new issue starts with, and whether an author is syncd's own account. The settings such a
tracker shares are :class:`LabelTrackerSettings`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pydantic import Field, SecretStr

from .connector_settings import ConnectorSettings
from .model import IssueDraft, IssueStatus, Priority

PRIORITY_ORDER = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)


def labels_by_priority(template: str) -> dict[str, str]:
    """Each canonical priority's label by ``template`` (``"priority: {}"``), highest first."""
    return {prio.value: template.format(prio.value) for prio in PRIORITY_ORDER}


class LabelTrackerSettings(ConnectorSettings):
    """The settings of a tracker that syncd uses as one account with a token and whose
    priorities and in-progress state are labels; a subclass gives its labels' defaults."""

    token: SecretStr | None = None
    token_file: Path | None = None
    # canonical priority -> label; the highest one present is read back as the priority
    priority_labels: dict[str, str] = Field(default_factory=dict)
    # an open issue carrying one of these is in progress; the first is written for in_progress
    in_progress_labels: list[str] = Field(default_factory=list)
    per_page: int = Field(default=100, ge=1, le=100)
    # pages read per project (and stream) in one poll call before handing back a cursor
    max_poll_pages: int = Field(default=10, ge=1)


class LabelRules(Protocol):
    """The labels an instance gives priorities (by priority value) and statuses (the first
    of a status's labels is the one syncd adds)."""

    @property
    def priority_labels(self) -> Mapping[str, str]: ...

    @property
    def status_labels(self) -> Mapping[IssueStatus, Sequence[str]]: ...


@dataclass(frozen=True)
class InProgressRules:
    """Per-instance mapping choices: the instance name and the labels of priorities and of
    in progress (a connector's ``Rules`` adds its bot account and any other statuses)."""

    instance: str
    priority_labels: Mapping[str, str] = field(default_factory=dict)
    in_progress_labels: Sequence[str] = ()

    @property
    def status_labels(self) -> Mapping[IssueStatus, Sequence[str]]:
        """The statuses labels say: in progress, which an open issue's state cannot tell."""
        return {IssueStatus.IN_PROGRESS: self.in_progress_labels}


def issue_priority(labels: Iterable[str], priority_labels: Mapping[str, str]) -> Priority | None:
    """The highest priority whose label is present."""
    present = set(labels)
    for prio in PRIORITY_ORDER:
        label = priority_labels.get(prio.value)
        if label and label in present:
            return prio
    return None


def label_changes(
    current: Iterable[str],
    rules: LabelRules,
    *,
    status: IssueStatus | None = None,
    priority: Priority | None = None,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> tuple[list[str], list[str]]:
    """Labels to add and to remove for the requested labels, priority and status: a status
    with labels gets its first one unless it has one already, the other statuses' labels go."""
    have = set(current)
    want_add: set[str] = set(add)
    want_remove: set[str] = set(remove)
    if priority is not None:
        target = rules.priority_labels.get(priority.value)
        want_remove |= {lbl for p, lbl in rules.priority_labels.items() if p != priority.value}
        if target:
            want_add.add(target)
    if status is not None:
        for kind, labels in rules.status_labels.items():
            if status == kind:
                if labels and not have & set(labels):
                    want_add.add(labels[0])
            else:
                want_remove |= set(labels)
    want_remove -= want_add
    return sorted(want_add - have), sorted(want_remove & have)


def draft_labels(draft: IssueDraft, priority_labels: Mapping[str, str]) -> list[str]:
    """A new issue's labels: the draft's, and its priority's label when there is one."""
    labels = set(draft.labels)
    if draft.priority is not None and priority_labels.get(draft.priority.value):
        labels.add(priority_labels[draft.priority.value])
    return sorted(labels)


def by_account(author: str, account: str | None) -> bool:
    """Whether ``author`` is ``account`` (names compared without case); never when the
    account is not known."""
    return bool(account) and author.lower() == str(account).lower()
