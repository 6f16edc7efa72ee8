"""An agent on the emulated Request Tracker, for the demo, end-to-end tests and benchmarks.

Acts in process through the emulator's ``human_*`` helpers (which post the same Scrip notices
as the REST2 API) and reads tickets and their messages from the emulator's own state, in
REST2's shapes and through the connector's mapping, so request counters only show syncd's
traffic. Request Tracker has no tags: routes match its tickets by custom fields (``fields``).
"""

from __future__ import annotations

from typing import Any

from syncd.connector import EmulatorKit
from syncd.model import Comment, Priority, Ref, Ticket
from syncd.testing.emulator_parts import bot_settings

from .. import mapping
from ..client import token_user_id
from ..settings import RTSettings
from .app import RTEmulator, build

# syncd's and the agent's tokens on an emulator the kit builds (RT's ``1-<user id>-<hex>``)
SYNCD_TOKEN = "1-24-" + "5fdc" * 8
AGENT_TOKEN = "1-25-" + "a11c" * 8
AGENT = "alice"
MESSAGE_FIELDS = ("Content", "ContentType", "Filename", "TransactionId")
DEFAULTS = RTSettings(base_url="http://127.0.0.1", token=SYNCD_TOKEN)


class RTActor:
    """``alice`` (Alice Agent) on the emulated Request Tracker; customers are created as
    needed."""

    def __init__(self, emulator: RTEmulator, instance: str, base_url: str) -> None:
        self.emulator = emulator
        self.instance = instance
        self.base_url = base_url
        emulator.base_url = base_url
        self.credentials = {
            "syncd": {"token": emulator.token("syncd")},
            AGENT: {"token": emulator.token(AGENT), "password": emulator.password(AGENT)},
        }

    def create_ticket(
        self,
        subject: str,
        description: str,
        *,
        tags: list[str] | None = None,
        requester: str = "Ada Lovelace",
        priority: Priority | None = None,
        group: str | None = None,
        fields: dict[str, str] | None = None,
    ) -> Ref:
        """A customer's ticket in ``group`` (the queue, default Support) with custom fields."""
        email = requester if "@" in requester else _email(requester)
        self.emulator.state.add_user(email, requester if "@" not in requester else "", email=email)
        data: dict[str, Any] = {"Requestor": email, "ContentType": "text/plain"}
        if priority is not None:
            data["Priority"] = mapping.priority_to_rt(priority, DEFAULTS.priorities())
        if fields:
            data["CustomFields"] = dict(fields)
        tid = self.emulator.human_create(subject, description, queue=group or "Support", **data)
        return Ref.ticket(self.instance, tid)

    def comment(self, ticket: Ref, body: str, *, public: bool) -> None:
        """A reply to the customer (public) or an internal comment."""
        self.emulator.human_reply(int(ticket.key), body, public=public)

    def ticket(self, ref: Ref) -> Ticket:
        """The ticket as ``GET /ticket/N`` shows it, mapped as the connector maps it."""
        emu = self.emulator
        with emu.state.lock:
            found = emu.state.tickets[int(ref.key)]
            raw = emu.records.ticket(found, {"Queue": ["Name"]}, AGENT)
            first = found.requestors[0] if found.requestors else None
            user = emu.state.users.get(first) if first else None
            requester = mapping.display_name(emu.records.user(user, AGENT)) if user else first
        messages = self.comments(ref)
        return mapping.ticket_from_rt(
            raw,
            connector=self.instance,
            base_url=self.base_url,
            statuses=DEFAULTS.statuses(),
            priorities=DEFAULTS.priorities(),
            requester=requester,
            description=messages[0].body if messages else "",
        )

    def comments(self, ref: Ref) -> list[Comment]:
        """The first message, replies and notes, oldest first."""
        emu, tid = self.emulator, int(ref.key)
        me = _user_name(emu, emu.token("syncd"))
        out: list[Comment] = []
        with emu.state.lock:
            txns = sorted(
                (t for t in emu.state.txns.values() if t.ticket == tid), key=lambda t: t.id
            )
            for txn in txns:
                if txn.type not in mapping.MESSAGE_TYPES:
                    continue
                atts = [
                    emu.records.attachment(a, MESSAGE_FIELDS)
                    for a in emu.state.attachments.values()
                    if a.txn == txn.id
                ]
                out.append(
                    mapping.comment_from_rt(
                        emu.records.txn(txn, None),
                        mapping.message_text(atts),
                        connector=self.instance,
                        ticket_id=tid,
                        key_field=DEFAULTS.key_custom_field,
                        me=me,
                    )
                )
        return out


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@customers.example"


def _user_name(emu: RTEmulator, token: str) -> str | None:
    uid = token_user_id(token)
    return next((u.name for u in emu.state.users.values() if u.id == uid), None)


def config(base_url: str, webhook_secret: str | None) -> dict[str, Any]:
    """The connector settings syncd's account uses against an emulator the kit built."""
    return bot_settings("rt", base_url, webhook_secret, token=SYNCD_TOKEN)


def build_for_kit(
    webhook_url: str | None = None, webhook_secret: str | None = None, **kw: Any
) -> RTEmulator:
    """An emulator whose tokens are the kit's, so :func:`config` needs no emulator."""
    kw.setdefault("tokens", {"syncd": SYNCD_TOKEN, AGENT: AGENT_TOKEN})
    emu = build(webhook_url, webhook_secret, **kw)
    for user, token in kw["tokens"].items():
        if token_user_id(token) != emu.state.users[user].id:
            raise RuntimeError(f"the kit's token of {user} names another user id")
    return emu


KIT = EmulatorKit(build=build_for_kit, actor=RTActor, config=config)
