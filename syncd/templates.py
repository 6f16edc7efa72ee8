"""Message templates (jinja2, sandboxed): what the customer, the agent and the developers read.

A route may override any template by name; the root config may override the defaults. Every
template sees ``ticket``, ``issue``, ``route``, ``sla`` (``sla.any``; ``sla.acknowledge`` and
``sla.resolve`` with ``limit``, ``deadline``, ``level``) and ``tier``; and, where it applies,
``comment``, ``reason``, ``dev_priority``, ``progress``, ``candidates`` and ``impact``.
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
        " by route `{{ route.name }}`"
        "{% if tier %} (support tier {{ tier }}){% endif %}."
        "{% if sla.any %}\n\n**SLA** ({{ sla.calendar }}):"
        "{% if sla.acknowledge %} acknowledge within {{ sla.acknowledge.limit }}"
        " (by {{ sla.acknowledge.deadline }});{% endif %}"
        "{% if sla.resolve %} resolve within {{ sla.resolve.limit }}"
        " (by {{ sla.resolve.deadline }}).{% endif %}{% endif %}"
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
        "{% if issue.url %}Our developers track this problem in the open. You can follow the "
        "work at {{ issue.url }}{% else %}This problem is handled by a partner who can help "
        "you further: {{ route.redirect_to }}{% endif %}; this ticket is now closed."
    ),
    "redirect_note": (
        "This ticket was closed with a redirect to {{ issue.url or route.redirect_to }}"
        "{% if reason %} ({{ reason }}){% endif %}."
    ),
    "resolved_note": (
        "The developers closed {{ issue.url }} as done; the customer was told and the ticket "
        "solved."
    ),
    "progress": (
        "{% if progress == 'milestone' %}Good news: a fix for your report is planned for "
        "{{ issue.milestone }}.{% else %}Our developers have started working on your "
        "report.{% endif %} We will let you know when it is done."
    ),
    "dev_priority_changed": (
        "The developers set the priority of {{ issue.url }} to **{{ dev_priority }}** "
        "(their own scale)."
    ),
    "sla_at_risk": (
        "SLA at risk on {{ issue.url }}: the time to {{ kind }} ({{ limit }}) runs out at "
        "{{ deadline }}."
    ),
    "sla_breached": (
        "SLA breached on {{ issue.url }}: the time to {{ kind }} ({{ limit }}) ran out at "
        "{{ deadline }}."
    ),
    "duplicate_suggested": (
        "Open issues that may describe the same problem:\n"
        "{% for c in candidates %}- {{ c.url or c.key }} {{ c.title }} "
        "(similarity {{ c.score }})\n{% endfor %}"
        "To join one instead, put its URL or key in the ticket's issue link."
    ),
    "impact_summary": (
        "**Support impact** (kept up to date by syncd)\n\n"
        "- Linked tickets: {{ impact.tickets }} ({{ impact.open }} waiting)\n"
        "- Organizations: {{ impact.organizations | length }}"
        "{% if impact.organizations %} ({{ impact.organizations | join(', ') }}){% endif %}\n"
        "- Highest customer tier: {{ impact.highest_customer_tier or 'n/a' }}\n"
        "- Support tiers: {{ impact.support_tiers | join(', ') or 'n/a' }}\n"
        "- Oldest ticket opened: {{ impact.oldest or 'n/a' }}\n"
        "{% if sla.any %}- SLA ({{ route.name }}):"
        "{% if sla.acknowledge %} acknowledge within {{ sla.acknowledge.limit }};{% endif %}"
        "{% if sla.resolve %} resolve within {{ sla.resolve.limit }}{% endif %}\n{% endif %}"
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
        "tags": ["escalate"],
        "group": "Support L2",
        "fields": {},
    },
    "issue": {
        "ref": {"key": "acme/widgets#42"},
        "url": "https://example.com/acme/widgets/42",
        "title": "Export fails",
        "status": "done",
        "priority": "high",
        "milestone": "4.3",
        "labels": ["from-support"],
        "assignee": "dev-alice",
    },
    "route": {
        "name": "widgets",
        "mode": "pending",
        "comment_prefix": "/dev",
        "redirect_to": None,
        "target": {"connector": "github", "project": "acme/widgets"},
    },
    "comment": {"author": "dev-alice", "body": "Found it.", "public": False},
    "body": "Please look at the logs.",
    "reason": "issue deleted",
    "tier": "L2",
    "sla": {
        "any": True,
        "calendar": "business",
        "acknowledge": {"limit": "4h", "deadline": "2026-11-24 13:00 UTC", "level": "ok"},
        "resolve": {"limit": "40h", "deadline": "2026-12-01 17:00 UTC", "level": "ok"},
    },
    "dev_priority": "high",
    "progress": "started",
    "kind": "resolve",
    "limit": "40h",
    "deadline": "2026-12-01 17:00 UTC",
    "candidates": [
        {
            "url": "https://example.com/acme/widgets/41",
            "key": "acme/widgets#41",
            "title": "CSV export crashes",
            "score": 0.71,
        }
    ],
    "impact": {
        "tickets": 3,
        "open": 2,
        "organizations": ["Acme", "Globex"],
        "highest_customer_tier": "enterprise",
        "support_tiers": ["L1", "L2"],
        "oldest": "2026-11-20",
        "refs": [],
        "label": "impact:2-5",
    },
}


def sample(route: Any = None) -> dict[str, Any]:
    """The sample context, with a real route's settings when one is given."""
    data = {**SAMPLE}
    if route is not None:
        data["route"] = route.model_dump()
        if route.target.connector is None:  # a third party: there is no issue to point at
            data["issue"] = {"ref": {"key": ""}, "url": "", "title": "", "status": "todo"}
    return data


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
                self.render(name, overrides, **sample())
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
