"""The ``/api/v2`` endpoints of the Zendesk emulator."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from syncd.emulator_kit import page_of

from . import render as views
from . import uploads
from .exports import export_routes
from .jobs import MAX_ACTIVE, TooManyJobs
from .limits import DESCRIPTIONS, limited_body
from .records import Fail, forbidden, int_param, not_found
from .state import Invalid, User

if TYPE_CHECKING:
    from .app import ZendeskEmulator

Handler = Callable[[Request, User], Awaitable[Response]]
MANY = 100  # ids one update_many request may name


def routes(emu: ZendeskEmulator) -> list[Route]:
    """Every endpoint the connector (and a human test) uses."""
    state = emu.state_ref

    def limited(request: Request, who: User, name: str, wait: float) -> Response:
        emu.control.refuse(name)
        resp = emu._json(request, who, limited_body(DESCRIPTIONS[name]), 429)
        resp.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return resp

    def endpoint(
        handler: Handler, *, incremental: bool = False, update: bool = False
    ) -> Callable[..., Any]:
        async def run(request: Request) -> Response:
            who = emu._caller(request)
            if who is None:
                return JSONResponse({"error": "Couldn't authenticate you"}, status_code=401)
            key = str(who.id)
            if not emu.control.budget.spend(key):
                return limited(request, who, "requests", emu.control.budget.wait())
            if incremental:
                if who.role != "admin":
                    return JSONResponse(forbidden(), status_code=403)
                if not emu.incremental.spend(key):
                    return limited(request, who, "incremental exports", emu.incremental.wait())
            if update:
                refused = emu.updates.spend(who.id, int(request.path_params["ticket_id"]))
                if refused is not None:
                    return limited(request, who, refused.quota.name, refused.wait)
            try:
                answer = await handler(request, who)
                delay = emu.take_answer_delay(request.method)
                if delay:
                    # the write is done; only its answer is late, as when a proxy times out
                    await asyncio.sleep(delay)
                return answer
            except Fail as fail:
                return JSONResponse(fail.body, status_code=fail.status, headers=fail.headers)
            except Invalid as exc:
                body: dict[str, Any] = {
                    "error": "RecordInvalid",
                    "description": "Record validation errors",
                    "details": exc.details,
                }
                return emu._json(request, who, body, 422)

        return run

    async def body_of(request: Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError:
            raise Fail(400, {"error": "Unprocessable Entity", "description": "bad JSON"}) from None
        ticket = data.get("ticket") if isinstance(data, dict) else None
        if not isinstance(ticket, dict):
            raise Fail(400, {"error": "InvalidValue", "description": 'expected {"ticket": {}}'})
        return ticket

    def ticket_or_404(request: Request) -> Any:
        ticket = state().ticket(int(request.path_params["ticket_id"]))
        if ticket is None:
            raise not_found()
        return ticket

    async def me(request: Request, who: User) -> Response:
        return emu._json(request, who, {"user": views.user_json(who, emu._base(request))})

    async def show_user(request: Request, who: User) -> Response:
        user = state().users.get(int(request.path_params["user_id"]))
        if user is None:
            raise not_found()
        return emu._json(request, who, {"user": views.user_json(user, emu._base(request))})

    async def show_ticket(request: Request, who: User) -> Response:
        ticket = ticket_or_404(request)
        base = emu._base(request)
        body: dict[str, Any] = {"ticket": views.ticket_json(ticket, base)}
        body.update(
            views.sideloads(state(), [ticket], request.query_params.get("include", ""), base)
        )
        return emu._json(request, who, body)

    async def create_ticket(request: Request, who: User) -> Response:
        data = await body_of(request)
        ticket, audit = state().create_ticket(who, data)
        base = emu._base(request)
        body = {"ticket": views.ticket_json(ticket, base), "audit": views.audit_json(audit)}
        resp = emu._json(request, who, body, 201)
        resp.headers["Location"] = f"{base}/api/v2/tickets/{ticket.id}.json"
        return resp

    async def update_ticket(request: Request, who: User) -> Response:
        ticket = ticket_or_404(request)
        data = await body_of(request)
        ticket, audit = state().update_ticket(ticket.id, who, data)
        body = {
            "ticket": views.ticket_json(ticket, emu._base(request)),
            "audit": views.audit_json(audit),
        }
        return emu._json(request, who, body)

    async def update_many(request: Request, who: User) -> Response:
        raw = request.query_params.get("ids", "")
        try:
            ids = [int(i) for i in raw.split(",") if i.strip()]
        except ValueError:
            raise Fail(400, {"error": "InvalidValue", "description": "ids"}) from None
        if not ids:
            # the other form, an array of ticket objects each with its own changes, is not
            # emulated: syncd sends one change to many tickets
            raise Fail(400, {"error": "InvalidValue", "description": "ids is required"})
        if len(ids) > MANY:
            raise Fail(
                400, {"error": "InvalidValue", "description": f"At most {MANY} ids are allowed"}
            )
        data = await body_of(request)
        try:
            job = state().jobs.update_many(who, ids, data)
        except TooManyJobs:
            raise Fail(
                429,
                {
                    "error": "TooManyJobs",
                    "description": f"Number of simultaneous jobs exceeds {MAX_ACTIVE}",
                },
                {"Retry-After": "10"},
            ) from None
        return emu._json(
            request, who, {"job_status": views.job_status_json(job, emu._base(request))}
        )

    async def job_status(request: Request, who: User) -> Response:
        job = state().jobs.get(str(request.path_params["job_id"]))
        if job is None:
            raise not_found()
        return emu._json(
            request, who, {"job_status": views.job_status_json(job, emu._base(request))}
        )

    def page(request: Request, items: list[Any], key: str) -> dict[str, Any]:
        per_page = int_param(request, "per_page", 100, 100)
        number = int_param(request, "page", 1, 10**6)
        chunk = page_of(items, number, per_page)
        url = f"{emu._base(request)}{request.url.path}"

        def link(n: int) -> str:
            return f"{url}?{urlencode({'page': n, 'per_page': per_page})}"

        return {
            key: chunk,
            "count": len(items),
            "next_page": link(number + 1) if number * per_page < len(items) else None,
            "previous_page": link(number - 1) if number > 1 else None,
        }

    async def audits(request: Request, who: User) -> Response:
        ticket = ticket_or_404(request)
        items = [views.audit_json(a) for a in state().audits_of(ticket.id)]
        return emu._json(request, who, page(request, items, "audits"))

    async def comments(request: Request, who: User) -> Response:
        ticket = ticket_or_404(request)
        items = [
            views.comment_json(e, a)
            for a in state().audits_of(ticket.id)
            for e in a.events
            if e["type"] == "Comment"
        ]
        return emu._json(request, who, page(request, items, "comments"))

    p = "/api/v2"
    return [
        Route(f"{p}/users/me.json", endpoint(me), methods=["GET"]),
        Route(f"{p}/users/{{user_id:int}}.json", endpoint(show_user), methods=["GET"]),
        Route(f"{p}/tickets.json", endpoint(create_ticket), methods=["POST"]),
        Route(f"{p}/tickets/update_many.json", endpoint(update_many), methods=["PUT"]),
        Route(f"{p}/job_statuses/{{job_id}}.json", endpoint(job_status), methods=["GET"]),
        Route(f"{p}/tickets/{{ticket_id:int}}.json", endpoint(show_ticket), methods=["GET"]),
        Route(
            f"{p}/tickets/{{ticket_id:int}}.json",
            endpoint(update_ticket, update=True),
            methods=["PUT"],
        ),
        Route(f"{p}/tickets/{{ticket_id:int}}/audits.json", endpoint(audits), methods=["GET"]),
        Route(f"{p}/tickets/{{ticket_id:int}}/comments.json", endpoint(comments), methods=["GET"]),
        *export_routes(emu, endpoint),
        *emu.admin.routes(endpoint),
        *uploads.routes(emu, endpoint),
    ]
