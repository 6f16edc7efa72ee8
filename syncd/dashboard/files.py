"""The files syncd serves to trackers without an attachment API:
``GET /files/{link_id}/{token}?exp=<unix>&sig=<hmac>``.

The link is its own credential (no dashboard login): signed by syncd, good until ``exp``
(:mod:`syncd.engine.history_link`). The token names the file and where it is; the file is
read **live from its source** through its connector at each visit (nothing is kept in
syncd), within the route's size limit, and sent as a download under its (redacted) name,
never rendered inline. A link whose ticket is no longer linked, or whose route no longer
lets the file cross, answers 404.

Every read is audited (``file_read``); an expired link is refused with 403 and audited
(``file_refused``); a forged one is refused with 403 and only logged.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import structlog
from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from syncd.connector_files import Attachments
from syncd.engine.file_copy import read_token
from syncd.engine.history_link import Verdict
from syncd.errors import FileTooLarge, RemoteError
from syncd.store.analytics import link_facts

log = structlog.get_logger("syncd.files")
READ = "file_read"
REFUSED = "file_refused"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
}


def router(service: Any) -> APIRouter:
    """The file downloads over ``service``."""
    r = APIRouter(include_in_schema=False)

    @r.get("/files/{link_id}/{token}")
    def download(
        link_id: int, token: str, exp: str | None = None, sig: str | None = None
    ) -> Response:
        verdict = service.rules.signer.check_file(link_id, token, exp, sig, service.clock())
        if verdict == Verdict.FORGED:
            log.warning("files.refused", link_id=link_id, verdict=verdict.value)
            return _text(403, "This link is not valid: its signature does not match.")
        facts = link_facts(service.store, link_id)
        if facts is None:
            return _text(404, "No such file.")
        if verdict == Verdict.EXPIRED:
            _audit(service, facts, REFUSED, reason="expired", expires=exp)
            return _text(403, "This link has expired. Ask support for the file again.")
        connector, file = read_token(token)
        policy = service.rules.files_of(facts.link.route)
        conn = service.connectors.get(connector)
        if policy.refusal(file) is not None or not isinstance(conn, Attachments):
            return _text(404, "This file is not available.")
        try:
            content = conn.read_file(file, int(policy.max_size))
        except FileTooLarge:
            return _text(404, "This file is not available.")
        except RemoteError as exc:
            log.warning("files.read_failed", connector=connector, error=str(exc))
            return _text(502, "The helpdesk did not answer; try again in a moment.")
        _audit(service, facts, READ, name=file.name, size=len(content), expires=exp)
        disposition = f"attachment; filename*=UTF-8''{quote(file.name)}"
        return Response(
            content,
            media_type=file.content_type or "application/octet-stream",
            headers={**HEADERS, "Content-Disposition": disposition},
        )

    return r


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


def _text(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status, headers=HEADERS)
