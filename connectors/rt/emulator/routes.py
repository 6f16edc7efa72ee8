"""The REST2 endpoints of the Request Tracker emulator, over its :class:`RTState`.

Every endpoint authenticates (token or basic auth), answers REST2's JSON shapes and its
``{"message": ...}`` errors, and posts the syncd Scrip's notices for what it changed.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import sql as sql
from .records import RTError, Txn
from .render import Render
from .state import RTState

if TYPE_CHECKING:
    from .app import RTEmulator

API = "/REST/2.0"
Handler = Callable[[Request, str], Any]


class Routes:
    """The endpoints of one emulator."""

    def __init__(self, emu: RTEmulator) -> None:
        self.emu = emu

    @property
    def state(self) -> RTState:
        return self.emu.state

    @property
    def records(self) -> Render:
        return self.emu.records

    def routes(self) -> list[Route]:
        """Starlette routes under ``/REST/2.0``."""
        get, both = ["GET"], ["GET", "POST"]
        table: list[tuple[str, Handler, list[str]]] = [
            ("/rt", self._rt, get),
            ("/ticket", self._create, ["POST"]),
            ("/ticket/{id:int}", self._ticket, ["GET", "PUT"]),
            ("/ticket/{id:int}/correspond", self._message, ["POST"]),
            ("/ticket/{id:int}/comment", self._message, ["POST"]),
            ("/ticket/{id:int}/history", self._history, get),
            ("/ticket/{id:int}/attachments", self._ticket_atts, get),
            ("/tickets", self._tickets, both),
            ("/transactions", self._transactions, both),
            ("/transaction/{id:int}", self._txn, get),
            ("/transaction/{id:int}/attachments", self._txn_atts, get),
            ("/attachment/{id:int}", self._attachment, get),
            ("/user/{key}", self._user, get),
            ("/queue/{key}", self._queue, get),
            ("/queues/all", self._queues, get),
            ("/customfields", self._customfields, both),
        ]
        return [Route(API + path, self._wrap(h), methods=m) for path, h, m in table]

    def _auth(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        user = None
        if scheme.lower() == "token":
            user = self.state.tokens.get(value.strip())
        elif scheme.lower() == "basic":
            try:
                name, _, password = base64.b64decode(value).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                name, password = "", ""
            found = self.state.users.get(name)
            if found and found.password and found.password == password:
                user = name
        elif request.query_params.get("token"):
            user = self.state.tokens.get(request.query_params["token"])
        if user is None:
            raise RTError(401, "Unauthorized")
        return user

    def _wrap(self, handler: Handler) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> JSONResponse:
            """Authenticate, run the handler, answer errors in REST2's shape."""
            # _url fields name the server the client reached
            self.emu.base_url = str(request.base_url).rstrip("/")
            try:
                user = self._auth(request)
                result = handler(request, user)
                if hasattr(result, "__await__"):
                    result = await result
            except RTError as exc:
                return JSONResponse({"message": exc.message}, status_code=exc.status)
            except sql.QueryError as exc:
                return JSONResponse({"message": str(exc)}, status_code=400)
            if isinstance(result, JSONResponse):
                return result
            return JSONResponse(result)

        return endpoint

    async def _body(self, request: Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            raise RTError(400, "JSON parse error") from exc
        if not isinstance(data, dict):
            raise RTError(400, "JSON object expected")
        return data

    # -- endpoints -------------------------------------------------------------------------

    def _rt(self, request: Request, user: str) -> dict[str, Any]:
        return {"Version": "5.0.3+syncd-emulator"}

    async def _create(self, request: Request, user: str) -> JSONResponse:
        ticket, txns = self.state.create_ticket(user, await self._body(request))
        self.emu.notify(ticket.id, txns)
        body = {
            "id": str(ticket.id),
            "type": "ticket",
            "_url": self.records.url("ticket", ticket.id),
        }
        return JSONResponse(
            body, status_code=201, headers={"Location": f"{API}/ticket/{ticket.id}"}
        )

    async def _ticket(self, request: Request, user: str) -> JSONResponse:
        tid = int(request.path_params["id"])
        if request.method == "PUT":
            data = await self._body(request)
            messages, made = self.state.update_ticket(
                user, tid, data, request.headers.get("if-match")
            )
            self.emu.notify(tid, made)
            return JSONResponse(messages)
        with self.state.lock:
            ticket = self.state.ticket_for(user, tid)
            record = self.records.ticket(ticket, _expand(request), user)
            etag = self.state.etag(ticket)
        return JSONResponse(record, headers={"ETag": etag, "Last-Modified": ticket.last_updated})

    async def _message(self, request: Request, user: str) -> JSONResponse:
        tid = int(request.path_params["id"])
        kind = request.url.path.rsplit("/", 1)[-1]
        txn, messages, made = self.state.add_message(user, tid, kind, await self._body(request))
        self.emu.notify(tid, made)
        return JSONResponse(
            messages, status_code=201, headers={"Location": f"{API}/transaction/{txn.id}"}
        )

    def _history(self, request: Request, user: str) -> dict[str, Any]:
        tid = int(request.path_params["id"])
        with self.state.lock:
            self.state.ticket_for(user, tid)
            rows = sorted(
                (t for t in self.state.txns.values() if t.ticket == tid), key=lambda t: t.id
            )
            return sql.page(request, rows, lambda t: self.state.visible(user, t), self.records.txn)

    def _ticket_atts(self, request: Request, user: str) -> dict[str, Any]:
        tid = int(request.path_params["id"])
        with self.state.lock:
            self.state.ticket_for(user, tid)
            rows = [
                a for a in self.state.attachments.values() if self.state.txns[a.txn].ticket == tid
            ]
            return sql.page(
                request,
                rows,
                lambda a: self.state.visible(user, self.state.txns[a.txn]),
                self.records.attachment,
            )

    def _txn_atts(self, request: Request, user: str) -> dict[str, Any]:
        txn = self._visible_txn(user, int(request.path_params["id"]))
        with self.state.lock:
            rows = [a for a in self.state.attachments.values() if a.txn == txn.id]
            return sql.page(request, rows, lambda a: True, self.records.attachment)

    def _txn(self, request: Request, user: str) -> dict[str, Any]:
        txn = self._visible_txn(user, int(request.path_params["id"]))
        with self.state.lock:
            return self.records.txn(txn, None)

    def _attachment(self, request: Request, user: str) -> dict[str, Any]:
        att = self.state.attachments.get(int(request.path_params["id"]))
        if att is None:
            raise RTError(404, "Not Found")
        self._visible_txn(user, att.txn)
        return self.records.attachment_full(att)

    def _visible_txn(self, user: str, txn_id: int) -> Txn:
        txn = self.state.txns.get(txn_id)
        if txn is None:
            raise RTError(404, "Not Found")
        if not self.state.visible(user, txn):
            raise RTError(403, "Forbidden")
        return txn

    async def _tickets(self, request: Request, user: str) -> dict[str, Any]:
        query = await _query(request)
        tree = sql.parse(query) if query.strip() else None
        with self.state.lock:
            rows = [
                t
                for t in sorted(self.state.tickets.values(), key=lambda t: t.id)
                if self.state.can(user, t.queue)
                and (tree is None or tree.matches(self._getter(self.records.ticket_values, t)))
            ]
            return sql.page(request, rows, lambda t: True, self.records.ticket_item, total=True)

    async def _transactions(self, request: Request, user: str) -> dict[str, Any]:
        query = await _query(request)
        tree = sql.parse(query) if query.strip() else None
        with self.state.lock:
            rows = [
                t
                for t in self.state.txns.values()
                if tree is None or tree.matches(self._getter(self.records.txn_values, t))
            ]
            desc = request.query_params.get("order", "").upper() == "DESC"
            rows.sort(key=lambda t: t.id, reverse=desc)
            return sql.page(request, rows, lambda t: self.state.visible(user, t), self.records.txn)

    @staticmethod
    def _getter(values: Callable[[Any, str], list[Any]], record: Any) -> sql.Getter:
        return lambda name: values(record, name)

    def _user(self, request: Request, user: str) -> JSONResponse:
        found = self.state.user(request.path_params["key"])
        if found is None:
            raise RTError(404, "Not Found")
        stamp = found.created if found.privileged else "1970-01-01T00:00:00Z"
        return JSONResponse(
            self.records.user(found, user), headers={"ETag": f'"{stamp}"', "Last-Modified": stamp}
        )

    def _queue(self, request: Request, user: str) -> JSONResponse:
        found = self.state.queue(request.path_params["key"])
        if found is None or not self.state.can(user, found.id, "SeeQueue"):
            # RT answers a queue that does not exist as one the user may not see
            raise RTError(403, "Forbidden")
        headers = {"ETag": f'"{found.id}"', "Last-Modified": found.created}
        return JSONResponse(self.records.queue(found, user), headers=headers)

    def _queues(self, request: Request, user: str) -> dict[str, Any]:
        with self.state.lock:
            rows = sorted(self.state.queues.values(), key=lambda q: q.id)
            return sql.page(
                request,
                rows,
                lambda q: self.state.can(user, q.id, "SeeQueue"),
                self.records.queue_item,
            )

    async def _customfields(self, request: Request, user: str) -> dict[str, Any]:
        raw = await _query(request)
        try:
            conditions = json.loads(raw) if raw else []
        except ValueError as exc:
            raise RTError(400, "JSON parse error") from exc
        with self.state.lock:
            rows = [
                cf
                for cf in self.state.cfs.values()
                if all(
                    str(getattr(cf, "name" if c.get("field") == "Name" else "lookup", "")).lower()
                    == str(c.get("value", "")).lower()
                    for c in conditions
                    if c.get("field") in ("Name", "LookupType")
                )
            ]
            return sql.page(request, rows, lambda c: True, self.records.cf_item, total=True)


async def _query(request: Request) -> str:
    if request.method == "POST":
        form = await request.form()
        return str(form.get("query") or "")
    return request.query_params.get("query", "")


def _expand(request: Request) -> dict[str, list[str]]:
    """``fields[Queue]=Name,Description`` -> ``{"Queue": ["Name", "Description"]}``."""
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key.startswith("fields[") and key.endswith("]"):
            out[key[7:-1]] = [v for v in value.split(",") if v]
    return out
