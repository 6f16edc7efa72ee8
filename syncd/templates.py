"""Message templates (jinja2, sandboxed): what the customer, the agent and the developers read.

A route may override any template by name; the root config may override the defaults. Every
template sees ``ticket``, ``issue``, ``route`` and, where it applies, ``comment``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from syncd.errors import ConfigError

DEFAULTS: dict[str, str] = {
    "issue_title": "{{ ticket.subject }}",
    "issue_body": (
        "{{ ticket.description }}\n\n"
        "---\n"
        "Escalated from support ticket [{{ ticket.ref.key }}]({{ ticket.url }})"
        "{% if ticket.organization %} for organization {{ ticket.organization }}{% endif %}"
        " by route `{{ route.name }}`."
    ),
    "linked_note": (
        "Escalated to the developers: {{ issue.url }} (route `{{ route.name }}`, "
        "mode {{ route.mode }}). Internal notes starting with `{{ route.comment_prefix }}` "
        "are copied to the issue."
    ),
    "handoff": (
        "Thank you for your patience. Our developers are now working on this; "
        "we will update you here as soon as there is news."
    ),
    "dev_comment": "**{{ comment.author }}** commented on {{ issue.url }}:\n\n{{ comment.body }}",
    "dev_comment_edited": (
        "**{{ comment.author }}** edited a comment on {{ issue.url }}:\n\n{{ comment.body }}"
    ),
    "dev_comment_deleted": "**{{ comment.author }}** deleted a comment on {{ issue.url }}.",
    "support_comment": "**{{ comment.author or 'Support' }}** (support) wrote:\n\n{{ body }}",
    "resolved": (
        "Good news: the problem you reported has been fixed by our developers. "
        "If anything still looks wrong, just reply to this message."
    ),
    "wont_do": (
        "The developers closed {{ issue.url }} as {{ issue.status }} (will not be fixed as "
        "reported). The ticket is open again: please decide what to tell the customer."
    ),
    "reopened": "The developers reopened {{ issue.url }}; the ticket waits on them again.",
    "redirect": (
        "Our developers track this problem in the open. You can follow the work at "
        "{{ issue.url or route.redirect_to }}; this ticket is now closed."
    ),
    "redirect_note": (
        "This ticket was closed with a redirect to {{ issue.url or route.redirect_to }}"
        "{% if reason %} ({{ reason }}){% endif %}."
    ),
}

SAMPLE: dict[str, Any] = {
    "ticket": {
        "ref": {"key": "1234"},
        "subject": "Export fails",
        "description": "It fails.",
        "url": "https://help.example.com/tickets/1234",
        "organization": "Acme",
        "requester": "Ada",
        "status": "open",
        "priority": "high",
    },
    "issue": {
        "ref": {"key": "acme/widgets#42"},
        "url": "https://example.com/acme/widgets/42",
        "title": "Export fails",
        "status": "done",
    },
    "route": {"name": "widgets", "mode": "pending", "comment_prefix": "/dev", "redirect_to": None},
    "comment": {"author": "dev-alice", "body": "Found it.", "public": False},
    "body": "Please look at the logs.",
    "reason": "issue deleted",
}


class Templates:
    """Renders named templates with route overrides."""

    def __init__(self, defaults: Mapping[str, str] | None = None) -> None:
        self.env = SandboxedEnvironment(
            undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
        )
        self.defaults = {**DEFAULTS, **(defaults or {})}
        self._cache: dict[str, Any] = {}

    def source(self, name: str, overrides: Mapping[str, str] | None = None) -> str:
        """The template text in force for ``name``."""
        if overrides and name in overrides:
            return overrides[name]
        return self.defaults[name]

    def render(self, name: str, overrides: Mapping[str, str] | None = None, **ctx: Any) -> str:
        """Render ``name`` (route ``overrides`` first) with ``ctx``."""
        text = self.source(name, overrides)
        tmpl = self._cache.get(text)
        if tmpl is None:
            tmpl = self._cache[text] = self.env.from_string(text)
        return str(tmpl.render(**ctx)).strip()

    def check(
        self, overrides: Mapping[str, str] | None, where: str, file: str
    ) -> list[tuple[str, str, str]]:
        """Render every template with sample data; return the problems found."""
        problems = []
        names = set(self.defaults) | set(overrides or {})
        for name in sorted(names):
            if name not in DEFAULTS:
                problems.append(
                    (
                        file,
                        f"{where}.{name}",
                        f"unknown template name (known: {', '.join(sorted(DEFAULTS))})",
                    )
                )
                continue
            try:
                self.render(name, overrides, **SAMPLE)
            except TemplateError as exc:
                problems.append((file, f"{where}.{name}", f"template error: {exc}"))
        return problems


def check_settings(templates: Mapping[str, str], routes: list[Any], file: str) -> None:
    """Raise ConfigError when a root or route template does not render."""
    t = Templates(templates)
    problems = t.check(None, "templates", file)
    for i, route in enumerate(routes):
        problems += t.check(route.templates, f"routes.{i}({route.name}).templates", file)
    if problems:
        raise ConfigError(problems)
