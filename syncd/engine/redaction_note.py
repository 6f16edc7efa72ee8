"""What the agent is told when the outgoing-text gate changed an issue syncd filed. Pure.

At escalation the issue's title and description come from the ticket, so the agent learns in
an internal note which kinds of personal data were kept out of the tracker, and how many of
each, never the values. Later writes (comments, the impact summary) get an audit row each
(``redacted``) and no note: one note per copied comment would bury the ticket.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.gate import FIELD_WORDS, Redactions
from syncd.engine.rules import Rules, ctx

KIND_WORDS: dict[str, tuple[str, str]] = {
    "email": ("e-mail address", "e-mail addresses"),
    "phone": ("phone number", "phone numbers"),
    "card": ("payment card number", "payment card numbers"),
    "pattern": ("match of an admin pattern", "matches of admin patterns"),
}


def kind_words(kind: str, count: int) -> str:
    """``2 e-mail addresses``; a named admin pattern counts in its own name."""
    if kind.startswith("pattern:"):
        name = kind.split(":", 1)[1]
        return f"{count} {name if count == 1 or name.endswith('s') else name + 's'}"
    one, many = KIND_WORDS.get(kind, (kind, kind))
    return f"{count} {one if count == 1 else many}"


def _and(parts: list[str]) -> str:
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def describe(counts: Mapping[str, int]) -> str:
    """``2 e-mail addresses, 1 phone number and 1 payment card number``."""
    order = [k for k in KIND_WORDS if k in counts]
    order += sorted(k for k in counts if k not in KIND_WORDS)
    return _and([kind_words(k, counts[k]) for k in order])


def context(redacted: Redactions) -> dict[str, Any]:
    """What the ``redaction_note`` template sees as ``redacted``."""
    fields = list(dict.fromkeys(FIELD_WORDS.get(f, f) for f in redacted.fields))
    return {
        "summary": describe(redacted.counts),
        "total": sum(redacted.counts.values()),
        "counts": dict(redacted.counts),
        "fields": fields,
        "where": _and(fields),
        "project": redacted.project,
        "public": redacted.public,
    }


def plan_note(link: LinkView, redacted: Redactions, rules: Rules, after: str) -> list[Action]:
    """The internal note for the issue filed by action ``after`` (its key makes the note's)."""
    route = rules.route(link.route)
    body = rules.templates.render(
        "redaction_note",
        route.templates if route else None,
        **ctx(link, route, rules),
        redacted=context(redacted),
    )
    return [
        Action(
            kind=ActionKind.ADD_COMMENT,
            key=f"redaction-note:{after}",
            lane=str(link.ticket),
            target=link.ticket,
            link_id=link.id,
            public=False,
            body=body,
            message="redaction_note",
        )
    ]
