"""Message templates (jinja2, sandboxed): what the customer, the agent and the developers read.

A route may override any template by name; the root config may override the defaults. Every
template sees ``ticket``, ``issue``, ``route``, ``sla`` (``sla.any``; ``sla.acknowledge`` and
``sla.resolve`` with ``limit``, ``deadline``, ``level``) and ``tier``; and, where it applies,
``comment``, ``reason``, ``kind``, ``limit``, ``deadline`` and ``helpdesk_sla`` (the SLA
notes: the helpdesk SLA's name when the line crossed is the customer's promise, else
none), ``dev_priority``, ``progress``, ``candidates``, ``impact``,
``change`` (what support changed: ``direction``, ``priority``, ``policy``, ...) and
``redacted`` (``summary``, ``total``, ``counts`` by kind, ``fields`` and ``where``,
``project``, ``public``), and ``history`` (the ticket's conversation: ``entries`` with
``author``, ``when``, ``public``, ``body``, ``attachments``; ``replies``, ``notes``,
``collapsible``, ``request_prefix``; for the link: ``url``, ``expires``, ``ttl``), and
``files`` (files carried or refused: ``name``, ``size``, ``url`` where syncd links to them,
``reason`` and ``direction`` where refused) with ``origin`` (``ticket`` or ``issue``) and
``expires`` (when the links stop working), and
``fields`` (the route's mapped fields by name: ``ticket``, ``issue``, ``value`` as the
ticket holds it, ``due``: a release or milestone date). ``issue.fields`` and
``issue.dates`` hold what the tracker read; the ``day`` filter writes a date as
``14 Jan 2027`` (``day("%-d %b")`` for ``14 Jan``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from syncd.errors import ConfigError
from syncd.template_sample import sample

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
    "dev_comment_edit_refused": (
        "A comment copied here from {{ issue.url }} was edited there, and this ticket's copy "
        "could not be changed ({{ reason }}). It now reads:\n\n{{ body }}"
    ),
    "support_comment": "**{{ comment.author or 'Support' }}** (support) wrote:\n\n{{ body }}",
    "resolved": (
        "Good news: the problem you reported has been fixed by our developers. "
        "If anything still looks wrong, just reply to this message."
    ),
    "wont_do": (
        "The developers closed {{ issue.url }} without a fix"
        "{% if issue.status == 'duplicate' %} (a duplicate of another issue){% else %} (will "
        "not be fixed as reported){% endif %}. The ticket is open again: please decide what "
        "to tell the customer."
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
        "{% if progress == 'milestone' %}Good news: the fix for your report is planned for "
        "release {{ issue.milestone }}{% if issue.dates and issue.dates.get('milestone') %} "
        "(due {{ issue.dates.milestone | day }}){% endif %}.{% else %}Our developers have "
        "started working on your report.{% endif %} We will let you know when it is done."
    ),
    "dev_priority_changed": (
        "The developers set the priority of {{ issue.url }} to **{{ dev_priority }}** "
        "(their own scale)."
    ),
    "sla_at_risk": (
        "SLA at risk on {{ issue.url }}: {% if helpdesk_sla %}the customer's SLA "
        "{{ helpdesk_sla }} ({{ limit }}) runs out at {{ deadline }}.{% else %}the time to "
        "{{ kind }} ({{ limit }}) runs out at {{ deadline }}.{% endif %}"
    ),
    "sla_breached": (
        "SLA breached on {{ issue.url }}: {% if helpdesk_sla %}the customer's SLA "
        "{{ helpdesk_sla }} ({{ limit }}) ran out at {{ deadline }}.{% else %}the time to "
        "{{ kind }} ({{ limit }}) ran out at {{ deadline }}.{% endif %}"
    ),
    "duplicate_suggested": (
        "Open issues that may describe the same problem:\n"
        "{% for c in candidates %}- {{ c.url or c.key }} {{ c.title }} "
        "(similarity {{ c.score }})\n{% endfor %}"
        "To join one instead, put its URL or key in the ticket's issue link."
    ),
    "redaction_note": (
        "Personal data was kept out of the issue filed in the "
        "{% if redacted.public %}public {% endif %}project {{ redacted.project }} "
        "({{ issue.url }}): {{ redacted.summary }} "
        "{{ 'was' if redacted.total == 1 else 'were' }} replaced by [redacted] in its "
        "{{ redacted.where }}. This ticket keeps the original text; the "
        "developers do not see it."
    ),
    "support_priority": (
        "Support {{ change.direction }} the urgency of ticket [{{ ticket.ref.key }}]"
        "({{ ticket.url }}) to **{{ change.priority }}**: {{ impact.tickets }} "
        "{{ 'customer' if impact.tickets == 1 else 'customers' }} on this issue"
        "{% if impact.highest_customer_tier %}, highest customer tier "
        "{{ impact.highest_customer_tier }}{% endif %}."
        "{% if change.written %} The issue's priority follows.{% else %} The issue's "
        "priority is the developers' to set: it was left as it is.{% endif %}"
    ),
    "support_solved": (
        "Support solved {{ 'the ticket' if impact.tickets == 1 else 'all ' ~ impact.tickets "
        "~ ' tickets' }} that followed this issue: no customer waits on it now."
        "{% if change.closed %} The issue is closed too, as route `{{ route.name }}` "
        "asks.{% endif %}"
    ),
    "support_reopened": (
        "Ticket [{{ ticket.ref.key }}]({{ ticket.url }}) was "
        "{{ 'escalated again' if change.again else 'reopened' }} by support or the customer. "
        "{% if change.was_closed and change.policy == 'reopen' %}The issue is reopened, as "
        "route `{{ route.name }}` asks.{% elif change.was_closed and change.policy == "
        "'new_issue' %}A new issue is filed for it, as route `{{ route.name }}` asks."
        "{% elif change.was_closed %}The issue stays closed.{% else %}It follows this issue "
        "again.{% endif %}"
    ),
    "reopened_note": (
        "{% if change.was_closed and change.policy == 'note' %}{{ issue.url }} is closed and "
        "route `{{ route.name }}` does not reopen it: escalate again by hand if the developers "
        "are needed.{% elif change.was_closed and change.policy == 'new_issue' %}"
        "{{ issue.url }} is closed: a new issue is filed for this ticket.{% else %}This "
        "ticket follows {{ issue.url }} again{% if change.was_closed %}, which was reopened"
        "{% endif %}; the developers were told.{% endif %}"
    ),
    "field_refused": (
        "A mapped field could not be written{% if change.fields %} to the {{ change.where }} "
        "({{ change.fields }}){% endif %}: {{ reason }}. This is not retried: check the "
        "route's fields mapping and the field on the {{ change.where or 'tracker' }}."
    ),
    "support_change_refused": (
        "The tracker refused to {{ change.what }} {{ issue.url }} for support: {{ reason }}. "
        "This is not retried: ask the developers to do it."
    ),
    "impact_priority": (
        "Support impact raised this issue's priority to **{{ change.priority }}**: "
        "{{ change.why }}."
    ),
    "duplicate_joined": (
        "This ticket joined {{ issue.url }} ({{ issue.title }}), an open issue that describes "
        "the same problem ({{ reason }}). "
        "{% if impact.refs %}Other tickets on it: {{ impact.refs | join(', ') }}."
        "{% else %}No other ticket follows it yet.{% endif %} If it is not the same problem, "
        "unlink it and escalate again."
    ),
    "dev_to_customer": "{{ body }}\n\n— {{ sender }}",
    "contact_reminder": (
        "No developer has written to the customer on {{ issue.url }} yet, {{ limit }} after "
        "the escalation: please keep the customer informed meanwhile."
    ),
    "ticket_history": (
        "{% if history.collapsible %}<details>\n<summary>{% else %}**{% endif %}"
        "Support ticket {{ ticket.ref.key }}: the conversation"
        "{% if history.collapsible %}</summary>{% else %}**{% endif %}"
        " ({{ history.replies }} public replies, {{ history.notes }} internal notes; kept up "
        "to date by syncd{% if history.request_prefix %}, comment `{{ history.request_prefix }}`"
        " to refresh it{% endif %})\n"
        "{% for e in history.entries %}\n---\n"
        "**{{ e.author }}** · {{ e.when }} · {{ 'public reply' if e.public else 'internal note' }}"
        "\n\n{{ e.body }}\n"
        "{% if e.attachments %}\nAttachments: {{ e.attachments | join(', ') }}\n{% endif %}"
        "{% else %}\nNo messages yet.\n{% endfor %}"
        "{% if history.collapsible %}\n</details>{% endif %}"
    ),
    "ticket_history_link": (
        "**Support ticket {{ ticket.ref.key }}: the conversation** is on a read-only page "
        "(personal data removed): {{ history.url }}\n\n"
        "The link works until {{ history.expires }} and is renewed here before then"
        "{% if history.request_prefix %}; comment `{{ history.request_prefix }}` to renew it "
        "now{% endif %}."
    ),
    "files_attached": (
        "{% if origin == 'ticket' %}Files from support ticket {{ ticket.ref.key }}"
        "{% else %}Files the developers attached to the issue{% endif %}:\n"
        "{% for f in files %}\n- {% if f.url %}[{{ f.name }}]({{ f.url }}){% else %}"
        "{{ f.name }}{% endif %} ({{ (f.size / 1024) | round(1) }} KB){% endfor %}"
        "{% if expires %}\n\nThe links work until {{ expires }}.{% endif %}"
    ),
    "files_refused": (
        "{{ files | length }} file(s) did not {% if files[0].direction == 'to' %}reach this "
        "ticket from{% else %}go to{% endif %} {{ issue.url or 'the issue' }}:"
        "{% for f in files %}\n- {{ f.name }}: {{ f.reason }}{% endfor %}"
        "\n\nSend them another way if the developers need them."
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


def day(value: object, form: str = "%-d %b %Y") -> str:
    """An ISO date (or date-time) as people write it: ``2027-01-14`` -> ``14 Jan 2027``."""
    text = str(value or "")
    try:
        return date.fromisoformat(text[:10]).strftime(form)
    except ValueError:
        return text


class Templates:
    """Renders named templates with route overrides."""

    def __init__(self, defaults: Mapping[str, str] | None = None) -> None:
        self.env = SandboxedEnvironment(
            undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
        )
        self.env.filters["day"] = day
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
