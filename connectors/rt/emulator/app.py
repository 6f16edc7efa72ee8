"""An in-process emulator of Request Tracker 5's REST2 API: the subset syncd uses.

Real code, not a mock: a Starlette app holding RT's objects (``state``), answering
with REST2's JSON shapes, status codes, error bodies and paging, checking token and basic
auth for several accounts ("syncd" may work in General and Support only; "alice" everywhere),
and posting the syncd Scrip's signed notices through ``EmulatorControl.webhooks``.

``build(webhook_url=None, webhook_secret=None)`` returns an :class:`RTEmulator`; its helpers
let tests act as the human agent in process.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from starlette.applications import Starlette

from syncd.testing.emulation import EmulatorControl, EmulatorMiddleware, control_routes

from ..webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, sign
from .records import TXN_LOOKUP, Ticket, Txn
from .render import Render
from .routes import Routes
from .state import RTState


class RTEmulator:
    """The emulator's app, control and in-process helpers."""

    def __init__(
        self,
        webhook_url: str | None,
        webhook_secret: str | None,
        tokens: Mapping[str, str] | None = None,
    ) -> None:
        self.state = RTState(tokens)
        self.secret = webhook_secret or ""
        self.control = EmulatorControl(self._sign)
        self.control.webhooks.configure(webhook_url)
        self.base_url = "http://127.0.0.1"
        self.records = Render(self.state, lambda: self.base_url)
        routes = [*Routes(self).routes(), *control_routes(self.control, self.state.reset)]
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
        self.notify(ticket.id, txns)
        return ticket.id

    def human_reply(self, tid: int, body: str, *, public: bool, status: str | None = None) -> int:
        """A reply (public) or note by "alice"; returns the transaction id."""
        data: dict[str, Any] = {"Content": body, "ContentType": "text/plain"}
        if status:
            data["Status"] = status
        txn, _, made = self.state.add_message(
            "alice", tid, "correspond" if public else "comment", data
        )
        self.notify(tid, made)
        return txn.id

    def deny(self, user: str, queue: str, right: str) -> None:
        """Take one right in ``queue`` away from ``user`` (SeeQueue, CreateTicket, ...)."""
        self.state.deny(user, queue, right)

    def set_privileged(self, user: str, privileged: bool) -> None:
        """Make ``user`` privileged (rights can be granted) or unprivileged."""
        with self.state.lock:
            self.state.users[user].privileged = privileged

    def drop_custom_field(self, name: str, *, only_from: str | None = None) -> None:
        """Delete custom field ``name``, or with ``only_from`` stop applying it to that queue."""
        with self.state.lock:
            for cid, cf in list(self.state.cfs.items()):
                if cf.name != name:
                    continue
                if only_from is None:
                    del self.state.cfs[cid]
                    continue
                queue = self.state.queue(only_from)
                every = set(self.state.queues)
                cf.queues = (every if cf.queues is None else cf.queues) - {queue.id if queue else 0}

    def reset(self) -> None:
        """Forget every ticket; accounts and credentials stay."""
        self.state.reset()
        self.control.requests.clear()
        self.control.faults.clear()

    # -- plumbing --------------------------------------------------------------------------

    def _sign(self, body: bytes) -> dict[str, str]:
        return {SIGNATURE_HEADER: sign(body, self.secret)} if self.secret else {}

    def notify(self, tid: int, made: Iterable[Txn]) -> None:
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


def build(
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    *,
    tokens: Mapping[str, str] | None = None,
) -> RTEmulator:
    """A fresh emulator; serve ``.app`` with ``ServerThread`` and set ``.base_url``.
    ``tokens`` (user -> token) fixes the tokens of ``syncd`` and ``alice``."""
    return RTEmulator(webhook_url, webhook_secret, tokens)


__all__ = ["TXN_LOOKUP", "RTEmulator", "Ticket", "build"]
