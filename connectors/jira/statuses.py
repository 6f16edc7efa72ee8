"""Jira's workflow as canonical issue statuses: an issue's status category and resolution
read as an :class:`~syncd.model.IssueStatus`, and the workflow transition that reaches a
wanted one (by the status name a route maps, else by category), with what its screen asks.

Pure functions over Jira's JSON; :mod:`connectors.jira.mapping` re-exports them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from syncd.model import IssueStatus

Raw = Mapping[str, Any]

_WONT_DO = {"won't do", "won't fix", "wont do", "wont fix", "cannot reproduce", "incomplete"}
_DUPLICATE = {"duplicate"}
_CATEGORY_OF = {
    IssueStatus.TODO: "new",
    IssueStatus.IN_PROGRESS: "indeterminate",
    IssueStatus.DONE: "done",
    IssueStatus.WONT_DO: "done",
    IssueStatus.DUPLICATE: "done",
}


def category_key(status: Raw | None) -> str:
    """A status's category key (``new``, ``indeterminate`` or ``done``; "" if not given)."""
    return str(((status or {}).get("statusCategory") or {}).get("key") or "").lower()


def status_of(fields: Raw) -> IssueStatus:
    """Status category plus resolution as a canonical status."""
    status = fields.get("status") or {}
    category = category_key(status)
    resolution = ((fields.get("resolution") or {}).get("name") or "").casefold()
    if not category:
        # very old servers send no category: a resolution means closed
        name = (status.get("name") or "").casefold()
        if resolution or name in ("done", "closed", "resolved"):
            category = "done"
        elif "progress" in name or "review" in name:
            category = "indeterminate"
        else:
            category = "new"
    if category == "done":
        if resolution in _WONT_DO:
            return IssueStatus.WONT_DO
        if resolution in _DUPLICATE:
            return IssueStatus.DUPLICATE
        return IssueStatus.DONE
    if category == "indeterminate":
        return IssueStatus.IN_PROGRESS
    return IssueStatus.TODO


def category_of(target: IssueStatus) -> str:
    """The status category key a canonical status lives in."""
    return _CATEGORY_OF[target]


def pick_transition(
    transitions: Iterable[Raw], target: IssueStatus, status_name: str | None = None
) -> Raw | None:
    """The transition that reaches ``target``: by mapped status name, else by category."""
    options = list(transitions)
    if status_name:
        for t in options:
            if ((t.get("to") or {}).get("name") or "").casefold() == status_name.casefold():
                return t
    want = category_of(target)
    matching = [
        t
        for t in options
        if (((t.get("to") or {}).get("statusCategory") or {}).get("key") or "") == want
    ]
    # prefer a transition that ends in a status named like the target ("Done", "To Do")
    preferred = {"new": "to do", "indeterminate": "in progress", "done": "done"}[want]
    for t in matching:
        if ((t.get("to") or {}).get("name") or "").casefold() == preferred:
            return t
    return matching[0] if matching else None


def required_fields(transition: Raw) -> list[str]:
    """Fields the transition's screen requires, without a default, that syncd does not fill
    (it fills the resolution); read with ``expand=transitions.fields``."""
    fields = transition.get("fields") or {}
    if not isinstance(fields, dict):
        return []
    return sorted(
        str(meta.get("name") or fid)
        for fid, meta in fields.items()
        if fid != "resolution"
        and isinstance(meta, dict)
        and meta.get("required")
        and not meta.get("hasDefaultValue")
    )


def needs_resolution(transition: Raw) -> bool:
    """Whether the transition's screen asks for a resolution (``expand=transitions.fields``)."""
    fields = transition.get("fields") or {}
    if isinstance(fields, list):  # old servers list the fields
        return any(f.get("id") == "resolution" for f in fields)
    return "resolution" in fields
