"""Dry runs: every write syncd would make is planned and shown, none is made.

Reads still go to the vendors (a ticket read again, an issue to link, the open issues of a
duplicate search), so the plan is the one a real run would make. A write is passed through
the outgoing-text gate (what is shown is what a public project would get), handed to
``show``, and answered by a stand-in result: a new issue or comment that exists only in the
dry run's copy of the store, so that what follows it (the hand-off after an issue is filed)
is planned and shown too.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from syncd.connector import Connector
from syncd.engine.actions import Action, ActionKind
from syncd.engine.execute import Performed, perform
from syncd.engine.gate import outgoing
from syncd.model import Comment, Issue, Ref
from syncd.workflow import Privacy

WRITES = {
    ActionKind.CREATE_ISSUE,
    ActionKind.UPDATE_TICKET,
    ActionKind.UPDATE_ISSUE,
    ActionKind.ADD_COMMENT,
    ActionKind.EDIT_COMMENT,
    ActionKind.DELETE_COMMENT,
    ActionKind.UPSERT_COMMENT,
    ActionKind.COPY_FILES,
}


class DryWrites:
    """A ``perform`` that makes reads and shows writes."""

    def __init__(self, show: Callable[[Action], None]) -> None:
        self.show = show
        self.shown: list[Action] = []
        self._numbers = itertools.count(1)

    def __call__(
        self,
        action: Action,
        connectors: Mapping[str, Connector],
        attempt: int,
        *,
        privacy: Privacy,
        **_: Any,
    ) -> Performed:
        if action.kind not in WRITES:
            return perform(action, connectors, attempt, privacy=privacy)
        written, redacted = outgoing(action, connectors, privacy)
        self.shown.append(written)
        self.show(written)
        return Performed(self._stand_in(written), redacted)

    def _stand_in(self, a: Action) -> Issue | Comment | None:
        n = next(self._numbers)
        if a.kind == ActionKind.CREATE_ISSUE and a.draft is not None:
            return Issue(
                ref=Ref.issue(a.target.connector, f"{a.target.key}#dry-run-{n}"),
                title=a.draft.title,
                body=a.draft.body,
                labels=a.draft.labels,
                priority=a.draft.priority,
                url=f"(the issue this dry run would file in {a.target.key})",
                marker=a.key,
            )
        if a.kind in (ActionKind.ADD_COMMENT, ActionKind.UPSERT_COMMENT):
            return Comment(
                ref=Ref.comment(a.target.connector, f"dry-run-{n}"),
                parent=a.target,
                body=a.body or "",
                public=a.public,
                marker=a.key,
                by_syncd=True,
            )
        if a.kind == ActionKind.EDIT_COMMENT and a.parent is not None:
            return Comment(ref=a.target, parent=a.parent, body=a.body or "", by_syncd=True)
        return None


def describe(a: Action) -> str:
    """One line saying what ``a`` would write."""
    where = f"{a.target.connector} {a.target.key}"
    parts: list[str] = []
    if a.kind == ActionKind.CREATE_ISSUE and a.draft is not None:
        parts.append(f"file an issue in {where}: {a.draft.title!r}")
        if a.draft.labels:
            parts.append(f"labels {sorted(a.draft.labels)}")
        if a.draft.priority:
            parts.append(f"priority {a.draft.priority.value}")
    else:
        verb = a.kind.value.replace("_", " ")
        parts.append(f"{verb} {where}")
        if a.status:
            parts.append(f"status {a.status}")
        if a.priority:
            parts.append(f"priority {a.priority.value}")
        if a.add_tags or a.remove_tags:
            parts.append(f"tags +{list(a.add_tags)} -{list(a.remove_tags)}")
        if a.body:
            kind = "public reply" if a.public else "internal note"
            first = a.body.strip().splitlines()[0] if a.body.strip() else ""
            parts.append(f"{kind}: {first[:100]!r}")
    return "; ".join(parts)
