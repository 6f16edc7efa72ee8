"""The incremental exports of the Zendesk emulator: the cursor-based ticket export and the
time-based ticket event export (with the ``comment_events`` sideload), both for admins only
and held to their own budget of calls a minute (the endpoint wrapper counts it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import render as views
from .records import Fail, User, int_param

if TYPE_CHECKING:
    from .app import ZendeskEmulator


def export_routes(emu: ZendeskEmulator, endpoint: Callable[..., Any]) -> list[Route]:
    """``/api/v2/incremental/tickets/cursor.json`` and ``/incremental/ticket_events.json``."""
    state = emu.state_ref

    async def export_tickets(request: Request, who: User) -> Response:
        st = state()
        per_page = int_param(request, "per_page", 1000, 1000)
        cursor = request.query_params.get("cursor")
        with st.lock:
            if cursor:
                try:
                    after = views.decode_cursor(cursor)
                except (ValueError, UnicodeDecodeError):
                    raise Fail(
                        422, {"error": "InvalidValue", "description": "Invalid cursor"}
                    ) from None
                chosen = [t for t in st.tickets.values() if t.seq > after]
            else:
                start = _start_time(request)
                chosen = [t for t in st.tickets.values() if t.updated_at >= start]
                after = st.seq if not chosen else 0
            chosen.sort(key=lambda t: t.seq)
            batch = chosen[:per_page]
            last = batch[-1].seq if batch else after
            base = emu._base(request)
            body: dict[str, Any] = {
                "tickets": [views.ticket_json(t, base) for t in batch],
                "after_cursor": views.encode_cursor(last),
                "before_cursor": None,
                "before_url": None,
                "end_of_stream": len(chosen) <= per_page,
            }
            body["after_url"] = f"{base}{request.url.path}?cursor={body['after_cursor']}"
            body.update(views.sideloads(st, batch, request.query_params.get("include", ""), base))
        return emu._json(request, who, body)

    async def export_events(request: Request, who: User) -> Response:
        st = state()
        start = _start_time(request)
        per_page = int_param(request, "per_page", 1000, 1000)
        with_comments = "comment_events" in request.query_params.get("include", "")
        with st.lock:
            chosen = sorted(
                (a for a in st.audits if a.created_at >= start), key=lambda a: (a.created_at, a.id)
            )
            batch = chosen[:per_page]
            events = [views.ticket_event_json(a, with_comments) for a in batch]
        end = batch[-1].created_at if batch else start
        query = {"start_time": end, **({"include": "comment_events"} if with_comments else {})}
        body = {
            "ticket_events": events,
            "count": len(events),
            "end_time": end,
            "end_of_stream": len(chosen) <= per_page,
            "next_page": f"{emu._base(request)}{request.url.path}?{urlencode(query)}",
        }
        return emu._json(request, who, body)

    p = "/api/v2/incremental"
    return [
        Route(
            f"{p}/tickets/cursor.json",
            endpoint(export_tickets, incremental=True),
            methods=["GET"],
        ),
        Route(
            f"{p}/ticket_events.json",
            endpoint(export_events, incremental=True),
            methods=["GET"],
        ),
    ]


def _now() -> float:
    import time

    return time.time()


def _start_time(request: Request) -> int:
    raw = request.query_params.get("start_time")
    if raw is None:
        raise Fail(400, {"error": "InvalidValue", "description": "start_time is required"})
    try:
        start = int(raw)
    except ValueError:
        raise Fail(400, {"error": "InvalidValue", "description": "start_time is invalid"}) from None
    if start > _now():
        raise Fail(
            422, {"error": "InvalidValue", "description": "start_time cannot be in the future"}
        )
    return start
