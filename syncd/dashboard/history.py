"""The ticket's conversation page: ``GET /history/{link_id}?exp=<unix>&sig=<hmac>``.

The link is its own credential (no dashboard login): signed by syncd, good until ``exp``
(:mod:`syncd.engine.history_link`). The page is read-only and shows

- the conversation, **read live from the helpdesk** through its connector at each visit
  (public replies, the internal notes the route allows, attachment names; see
  :func:`syncd.engine.history.entries`), redacted by the route's privacy rules as text for
  the public (e-mails, phone and card numbers, the admin's patterns) unless they say
  ``redact: never``;
- the link's timeline, from the audit.

Every read is audited (``history_read``); an expired link is refused with 403 and audited
(``history_refused``); a forged one is refused with 403 and only logged, since its link id
proves nothing.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from syncd.connector import HelpdeskConnector
from syncd.dashboard.pages import timeline
from syncd.dashboard.views import env
from syncd.engine.history import entries
from syncd.engine.history_link import Verdict
from syncd.engine.redact import compile_patterns, scan
from syncd.errors import RemoteError
from syncd.model import Comment, Ref
from syncd.store.analytics import link_facts

log = structlog.get_logger("syncd.history")
READ = "history_read"
REFUSED = "history_refused"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the signed address stays off other sites' logs
    "X-Robots-Tag": "noindex, nofollow",
}
WHY = {
    Verdict.EXPIRED: "This link has expired. Comment on the issue to ask for a new one.",
    Verdict.FORGED: "This link is not valid: its signature does not match.",
}


def router(service: Any) -> APIRouter:
    """The conversation pages over ``service``."""
    r = APIRouter(include_in_schema=False)

    @r.get("/history/{link_id}", response_class=HTMLResponse)
    def history(link_id: int, exp: str | None = None, sig: str | None = None) -> HTMLResponse:
        verdict = service.rules.signer.check(link_id, exp, sig, service.clock())
        facts = link_facts(service.store, link_id) if verdict != Verdict.FORGED else None
        if verdict == Verdict.EXPIRED and facts is not None:
            _audit(service, facts, REFUSED, reason="expired", expires=exp)
        if verdict != Verdict.OK or facts is None:
            log.warning("history.refused", link_id=link_id, verdict=verdict.value)
            return _page("history_refused.html", 403, why=WHY.get(verdict, WHY[Verdict.FORGED]))
        link = facts.link
        route = service.rules.route(link.route)
        comments, problem = _read(service, Ref.parse(link.ticket_ref))
        shown = entries(comments, route) if route is not None else []
        clean = _redactor(service, link.route)
        for e in shown:
            e.update(
                author=clean(e["author"]),
                body=clean(e["body"]),
                attachments=[clean(a) for a in e["attachments"]],
            )
        subject = clean(str((facts.ticket or {}).get("subject") or ""))
        _audit(service, facts, READ, entries=len(shown), expires=exp, source="helpdesk")
        return _page(
            "history.html",
            200,
            link=link,
            subject=subject,
            entries=shown,
            problem=problem,
            timeline=timeline(facts),
            internal=route.history.internal if route else "none",
        )

    return r


def _read(service: Any, ticket: Ref) -> tuple[list[Comment], str | None]:
    """The ticket's comments, read now; or none and why."""
    conn = service.connectors.get(ticket.connector)
    if not isinstance(conn, HelpdeskConnector):
        return [], f"the helpdesk {ticket.connector!r} is not configured any more"
    try:
        return list(conn.comments(ticket)), None
    except RemoteError as exc:
        log.warning("history.read_failed", ticket=str(ticket), error=str(exc))
        return [], "the helpdesk did not answer; try again in a moment"


def _redactor(service: Any, route: str) -> Any:
    privacy = service.rules.privacy_of(route)
    if privacy.redact == "never":
        return lambda text: text
    patterns = compile_patterns(privacy.patterns)
    return lambda text: scan(text, patterns)


def _audit(service: Any, facts: Any, event: str, **detail: Any) -> None:
    link = facts.link
    with service.store.tx() as tx:
        service.store.audit(
            tx,
            event,
            link_id=link.id,
            ticket_ref=link.ticket_ref,
            issue_ref=link.issue_ref,
            **detail,
        )


def _page(template: str, status: int, **ctx: Any) -> HTMLResponse:
    body = env.get_template(template).render(**ctx)
    return HTMLResponse(body, status_code=status, headers=HEADERS)
