"""The ``/api/v2`` endpoints of the Freshdesk emulator.

Each call is authenticated (the API key as basic user, any password), costs its credits
(:mod:`.limits`) and answers with Freshdesk's rate headers; lists page with ``page`` and
``per_page`` (at most 100, and no page past the 300th) and a ``Link`` header naming the next
page while there is one.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from syncd.emulator_kit import page_of

from . import render
from .limits import Kind, cost
from .records import ApiError, Person, invalid, not_found

if TYPE_CHECKING:
    from .app import FreshdeskEmulator

Reply = tuple[int, Any, dict[str, str]]
Handler = Callable[[Request, Person], Awaitable[Reply]]
MAX_PAGE = 300
LIST_INCLUDES = frozenset({"requester", "stats", "description"})
VIEW_INCLUDES = frozenset({"requester", "company", "stats", "conversations"})


def _key(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return None


def _number(request: Request, name: str, default: int, top: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= top:
        raise invalid(name, f"It should be a Positive Number less than or equal to {top}")
    return int(raw)


def _includes(request: Request, allowed: frozenset[str]) -> set[str]:
    wanted = {p.strip() for p in request.query_params.get("include", "").split(",") if p.strip()}
    if not wanted <= allowed:
        raise invalid(
            "include", f"It should be one/more of these values: '{','.join(sorted(allowed))}'"
        )
    return wanted


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ApiError(
            400, {"code": "invalid_json", "message": "Request body has invalid json format"}
        ) from None
    if not isinstance(body, dict):
        raise ApiError(
            400, {"code": "invalid_json", "message": "Request body has invalid json format"}
        )
    return body


def page(request: Request, items: list[Any], default: int = 30) -> Reply:
    """One page of ``items`` with the ``Link`` to the next page, Freshdesk's way."""
    per_page = _number(request, "per_page", default, 100)
    number = _number(request, "page", 1, MAX_PAGE)
    headers: dict[str, str] = {}
    if number * per_page < len(items) and number < MAX_PAGE:
        query = dict(request.query_params) | {"page": str(number + 1), "per_page": str(per_page)}
        headers["Link"] = f'<{str(request.url).split("?")[0]}?{urlencode(query)}>; rel="next"'
    return 200, page_of(items, number, per_page), headers


def routes(emu: FreshdeskEmulator) -> list[Route]:
    """Every endpoint the connector (and a human test) uses."""

    def endpoint(handler: Handler, kind: Kind = None) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            who = emu.caller(_key(request))
            if who is None:
                return JSONResponse(render.errors(401, ""), status_code=401)
            credits = cost(request.query_params.get("include"))
            refused = emu.credits.spend(credits, kind)
            if refused is not None:
                emu.control.refuse(refused.quota.name)
                wait = str(max(1, math.ceil(refused.wait)))
                headers = emu.rate_headers(0) | {"Retry-After": wait}
                return JSONResponse(render.errors(429, ""), status_code=429, headers=headers)
            try:
                status, body, headers = await handler(request, who)
            except ApiError as err:
                status, body, headers = err.status, err.body, err.headers
            headers = emu.rate_headers(credits) | headers
            if body is None:
                return Response(status_code=status, headers=headers)
            return JSONResponse(body, status_code=status, headers=headers)

        return run

    state = emu.state_ref

    async def me(request: Request, who: Person) -> Reply:
        return 200, render.agent(who), {}

    async def agents(request: Request, who: Person) -> Reply:
        people = [p for p in state().people.values() if p.kind == "agent"]
        return page(request, [render.agent(p) for p in people], 50)

    async def contact(request: Request, who: Person) -> Reply:
        found = state().people.get(request.path_params["id"])
        if found is None or found.kind != "contact":
            raise not_found()
        return 200, render.contact(found), {}

    async def company(request: Request, who: Person) -> Reply:
        ident = request.path_params["id"]
        if ident not in state().companies:
            raise not_found()
        return 200, render.company(ident, state().companies[ident]), {}

    async def groups(request: Request, who: Person) -> Reply:
        return page(request, [render.group(i, n) for i, n in state().groups.items()])

    async def ticket_fields(request: Request, who: Person) -> Reply:
        return 200, render.ticket_fields(), {}

    async def list_tickets(request: Request, who: Person) -> Reply:
        st = state()
        include = _includes(request, LIST_INCLUDES)
        order_by = request.query_params.get("order_by", "created_at")
        order_type = request.query_params.get("order_type", "desc")
        if order_by not in ("created_at", "due_by", "updated_at", "status"):
            raise invalid(
                "order_by",
                "It should be one of these values: 'created_at,due_by,updated_at,status'",
            )
        if order_type not in ("asc", "desc"):
            raise invalid("order_type", "It should be one of these values: 'asc,desc'")
        since = request.query_params.get("updated_since")
        with st.lock:
            found = list(st.tickets.values())
            if since is None:
                # without updated_since Freshdesk lists the last 30 days' tickets only
                floor = st.clock() - 30 * 86400
                found = [t for t in found if t.created_at >= floor]
            else:
                try:
                    moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
                except ValueError:
                    raise invalid(
                        "updated_since", "It should be in the 'valid date time' format"
                    ) from None
                floor = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
                found = [t for t in found if int(t.updated_at) >= floor]
            field = "updated_at" if order_by == "updated_at" else order_by
            found.sort(
                key=lambda t: (getattr(t, field) if field != "due_by" else t.created_at, t.id),
                reverse=order_type == "desc",
            )
            shown = [render.ticket(st, t, include, description=False) for t in found]
        return page(request, shown)

    async def create_ticket(request: Request, who: Person) -> Reply:
        made = state().create_ticket(await _body(request))
        return 201, render.ticket(state(), made), {}

    async def view_ticket(request: Request, who: Person) -> Reply:
        st = state()
        include = _includes(request, VIEW_INCLUDES)
        with st.lock:
            ticket = st.ticket(request.path_params["id"])
            body = render.ticket(st, ticket, include)
            if "conversations" in include:
                # Freshdesk embeds at most ten conversations
                body["conversations"] = [
                    render.conversation(c) for c in st.conversations_of(ticket.id)[:10]
                ]
        return 200, body, {}

    async def update_ticket(request: Request, who: Person) -> Reply:
        data = await _body(request)
        await emu.hold_answer("PUT")
        ticket = state().update_ticket(request.path_params["id"], data)
        return 200, render.ticket(state(), ticket), {}

    async def reply(request: Request, who: Person) -> Reply:
        data = await _body(request)
        made = state().add_conversation(
            request.path_params["id"], who, data.get("body"), note=False
        )
        await emu.hold_answer("POST")
        return 201, render.conversation(made), {}

    async def note(request: Request, who: Person) -> Reply:
        data = await _body(request)
        private = data.get("private", True)
        if not isinstance(private, bool):
            raise invalid("private", "It should be a/an Boolean", "datatype_mismatch")
        made = state().add_conversation(
            request.path_params["id"], who, data.get("body"), note=True, private=private
        )
        await emu.hold_answer("POST")
        return 201, render.conversation(made), {}

    async def conversations(request: Request, who: Person) -> Reply:
        found = state().conversations_of(request.path_params["id"])
        return page(request, [render.conversation(c) for c in found])

    async def edit_conversation(request: Request, who: Person) -> Reply:
        data = await _body(request)
        edited = state().edit_conversation(request.path_params["id"], who, data)
        return 200, render.conversation(edited), {}

    async def delete_conversation(request: Request, who: Person) -> Reply:
        state().delete_conversation(request.path_params["id"])
        return 204, None, {}

    p, t = "/api/v2", "/api/v2/tickets/{id:int}"
    c = "/api/v2/conversations/{id:int}"
    return [
        Route(f"{p}/agents/me", endpoint(me), methods=["GET"]),
        Route(f"{p}/agents", endpoint(agents), methods=["GET"]),
        Route(f"{p}/contacts/{{id:int}}", endpoint(contact), methods=["GET"]),
        Route(f"{p}/companies/{{id:int}}", endpoint(company), methods=["GET"]),
        Route(f"{p}/groups", endpoint(groups), methods=["GET"]),
        Route(f"{p}/ticket_fields", endpoint(ticket_fields), methods=["GET"]),
        Route(f"{p}/tickets", endpoint(list_tickets, "list"), methods=["GET"]),
        Route(f"{p}/tickets", endpoint(create_ticket, "update"), methods=["POST"]),
        Route(t, endpoint(view_ticket), methods=["GET"]),
        Route(t, endpoint(update_ticket, "update"), methods=["PUT"]),
        Route(f"{t}/reply", endpoint(reply), methods=["POST"]),
        Route(f"{t}/notes", endpoint(note), methods=["POST"]),
        Route(f"{t}/conversations", endpoint(conversations), methods=["GET"]),
        Route(c, endpoint(edit_conversation), methods=["PUT"]),
        Route(c, endpoint(delete_conversation), methods=["DELETE"]),
    ]
