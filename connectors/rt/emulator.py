"""An in-process emulator of Request Tracker 5's REST2 API: the subset syncd uses.

Real code, not a mock: a Starlette app holding RT's objects (``emulator_state``), answering
with REST2's JSON shapes, status codes, error bodies and paging, checking token and basic
auth for several accounts ("syncd" may work in General and Support only; "alice" everywhere),
and posting the syncd Scrip's signed notices through ``EmulatorControl.webhooks``.

``build(webhook_url=None, webhook_secret=None)`` returns an :class:`RTEmulator`; its helpers
let tests act as the human agent in process.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from typing import Any, cast

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from syncd.testing.emulation import EmulatorControl, EmulatorMiddleware, control_routes

from . import emulator_sql as sql
from .emulator_model import TXN_LOOKUP, RTError, Ticket, Txn
from .emulator_records import Records
from .emulator_state import RTState
from .webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, sign

API = "/REST/2.0"
Handler = Callable[[Request, str], Any]


class RTEmulator:
    """The emulator's app, control and in-process helpers."""

    def __init__(self, webhook_url: str | None, webhook_secret: str | None) -> None:
        self.state = RTState()
        self.secret = webhook_secret or ""
        self.control = EmulatorControl(self._sign)
        self.control.webhooks.configure(webhook_url)
        self.base_url = "http://127.0.0.1"
        self.records = Records(self.state, lambda: self.base_url)
        routes = [
            Route(f"{API}/rt", self._wrap(self._rt), methods=["GET"]),
            Route(f"{API}/ticket", self._wrap(self._create), methods=["POST"]),
            Route(f"{API}/ticket/{{id:int}}", self._wrap(self._ticket), methods=["GET", "PUT"]),
            Route(
                f"{API}/ticket/{{id:int}}/correspond", self._wrap(self._message), methods=["POST"]
            ),
            Route(f"{API}/ticket/{{id:int}}/comment", self._wrap(self._message), methods=["POST"]),
            Route(f"{API}/ticket/{{id:int}}/history", self._wrap(self._history), methods=["GET"]),
            Route(
                f"{API}/ticket/{{id:int}}/attachments",
                self._wrap(self._ticket_atts),
                methods=["GET"],
            ),
            Route(f"{API}/tickets", self._wrap(self._tickets), methods=["GET", "POST"]),
            Route(f"{API}/transactions", self._wrap(self._transactions), methods=["GET", "POST"]),
            Route(f"{API}/transaction/{{id:int}}", self._wrap(self._txn), methods=["GET"]),
            Route(
                f"{API}/transaction/{{id:int}}/attachments",
                self._wrap(self._txn_atts),
                methods=["GET"],
            ),
            Route(f"{API}/attachment/{{id:int}}", self._wrap(self._attachment), methods=["GET"]),
            Route(f"{API}/user/{{key}}", self._wrap(self._user), methods=["GET"]),
            Route(f"{API}/queue/{{key}}", self._wrap(self._queue), methods=["GET"]),
            Route(f"{API}/queues/all", self._wrap(self._queues), methods=["GET"]),
            Route(f"{API}/customfields", self._wrap(self._customfields), methods=["GET", "POST"]),
            *control_routes(self.control, self.state.reset),
        ]
        inner = Starlette(routes=routes)
        self.app = EmulatorMiddleware(cast(Any, inner), self.control, lambda _s, m: {"message": m})

    # -- in-process helpers ----------------------------------------------------------------

    def token(self, user: str) -> str:
        """The current token of ``user`` (tokens are generated per emulator)."""
        return next(t for t, u in self.state.tokens.items() if u == user)

    def password(self, user: str) -> str:
        """The password of ``user`` (generated per emulator)."""
        return self.state.users[user].password or ""

    def revoke(self, token: str) -> None:
        """Revoke a token, as an admin would in RT's web UI."""
        with self.state.lock:
            self.state.tokens.pop(token, None)

    def human_create(
        self, subject: str, body: str = "", *, queue: str = "General", **kw: Any
    ) -> int:
        """Create a ticket as the agent "alice"; returns its id."""
        data = {"Queue": queue, "Subject": subject, "Content": body, **kw}
        ticket, txns = self.state.create_ticket("alice", data)
        self._notify(ticket.id, txns)
        return ticket.id

    def human_reply(self, tid: int, body: str, *, public: bool, status: str | None = None) -> int:
        """A reply (public) or note by "alice"; returns the transaction id."""
        data: dict[str, Any] = {"Content": body, "ContentType": "text/plain"}
        if status:
            data["Status"] = status
        txn, _, made = self.state.add_message(
            "alice", tid, "correspond" if public else "comment", data
        )
        self._notify(tid, made)
        return txn.id

    def reset(self) -> None:
        """Forget every ticket; accounts and credentials stay."""
        self.state.reset()
        self.control.requests.clear()
        self.control.faults.clear()

    # -- plumbing --------------------------------------------------------------------------

    def _sign(self, body: bytes) -> dict[str, str]:
        return {SIGNATURE_HEADER: sign(body, self.secret)} if self.secret else {}

    def _notify(self, tid: int, made: Iterable[Txn]) -> None:
        """What the syncd Scrip does at the end of a request's transaction batch."""
        kept = [t for t in made if t.type != "EmailRecord"]
        if not kept:
            return
        last = kept[-1]
        queue = self.state.queues[self.state.tickets[tid].queue].name
        payload = {
            "queue": queue,
            "ticket": tid,
            "transaction": last.id,
            "type": last.type,
            "types": [t.type for t in kept],
        }
        self.control.webhooks.send(last.type, {DELIVERY_HEADER: str(last.id)}, payload, key=tid)

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
            self.base_url = str(request.base_url).rstrip("/")
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
        self._notify(ticket.id, txns)
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
            self._notify(tid, made)
            return JSONResponse(messages)
        with self.state.lock:
            ticket = self.state.ticket_for(user, tid)
            record = self.records.ticket(ticket, _expand(request))
            etag = self.state.etag(ticket)
        return JSONResponse(record, headers={"ETag": etag, "Last-Modified": ticket.last_updated})

    async def _message(self, request: Request, user: str) -> JSONResponse:
        tid = int(request.path_params["id"])
        kind = request.url.path.rsplit("/", 1)[-1]
        txn, messages, made = self.state.add_message(user, tid, kind, await self._body(request))
        self._notify(tid, made)
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

    def _queue(self, request: Request, user: str) -> dict[str, Any]:
        found = self.state.queue(request.path_params["key"])
        if found is None or not self.state.can(user, found.id):
            raise RTError(
                404 if found is None else 403, "Not Found" if found is None else "Forbidden"
            )
        return self.records.queue(found)

    def _queues(self, request: Request, user: str) -> dict[str, Any]:
        with self.state.lock:
            rows = sorted(self.state.queues.values(), key=lambda q: q.id)
            return sql.page(
                request, rows, lambda q: self.state.can(user, q.id), self.records.queue_item
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


def build(webhook_url: str | None = None, webhook_secret: str | None = None) -> RTEmulator:
    """A fresh emulator; serve ``.app`` with ``ServerThread`` and set ``.base_url``."""
    return RTEmulator(webhook_url, webhook_secret)


__all__ = ["TXN_LOOKUP", "RTEmulator", "Ticket", "build"]
