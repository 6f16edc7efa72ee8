"""An agent on the emulated Zendesk, for the demo, end-to-end tests and benchmarks.

Acts in process through the emulator's helpers (which fire the same webhooks as the API) and
reads state without spending the rate budget, so request counters only show syncd's traffic.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from syncd.connector import EmulatorKit
from syncd.helpdesk_emulator import group_named
from syncd.model import Comment, Ref, Ticket
from syncd.testing.actors import AttachedFile, HelpdeskActor, NewTicket
from syncd.testing.emulator_parts import bot_settings

from ..mapping import Context, Names, ticket_from_raw
from ..mapping_comments import comments_from_audits
from .app import ZendeskEmulator, build
from .limits import ZendeskLimits

BOT = ("syncd@example.com", "syncd-token")
AGENT = ("agent@example.com", "agent-token")


class ZendeskActor(HelpdeskActor[ZendeskEmulator]):
    """``Alice Agent`` on the emulated Zendesk; end users are created as needed."""

    def __init__(self, emulator: ZendeskEmulator, instance: str, base_url: str) -> None:
        super().__init__(emulator, instance, base_url)
        emulator.state.uploads.base_url = base_url.rstrip("/")  # content URLs point here
        self.credentials = {
            "syncd": {"email": BOT[0], "api_token": BOT[1]},
            "agent": {"email": AGENT[0], "api_token": AGENT[1]},
        }

    def _ctx(self) -> Context:
        return Context(connector=self.instance, base_url=self.base_url, bot_id=self.emulator.bot.id)

    def _names(self) -> Names:
        state = self.emulator.state
        return Names(
            users={u.id: u.name for u in state.users.values()},
            groups=dict(state.groups),
            organizations=dict(state.organizations),
        )

    def _end_user(self, name: str) -> int:
        for user in self.emulator.state.users.values():
            if user.name == name:
                return int(user.id)
        email = name.lower().replace(" ", ".") + "@customers.example"
        return int(self.emulator.state.add_user(name, email, "end-user").id)

    def _group(self, name: str | None) -> int | None:
        return group_named(self.emulator.state.groups, name, 360000)

    def open_ticket(self, new: NewTicket) -> int:
        return self.emulator.create_ticket(
            new.subject,
            new.description,
            tags=new.tags,
            requester=self._end_user(new.requester),
            priority=new.priority.value if new.priority else None,
            group_id=self._group(new.group),
            files=new.files,
        )

    def comment(
        self,
        ticket: Ref,
        body: str,
        *,
        public: bool,
        files: tuple[AttachedFile, ...] = (),
    ) -> None:
        self.emulator.add_comment(int(ticket.key), body, public=public, files=files)

    def set_status(self, ticket: Ref, status: str) -> None:
        self.emulator.set_status(int(ticket.key), status)

    def ticket(self, ref: Ref) -> Ticket:
        return ticket_from_raw(self.emulator.ticket(int(ref.key)), self._ctx(), self._names())

    def comments(self, ref: Ref) -> list[Comment]:
        return comments_from_audits(
            self.emulator.audits(int(ref.key)), ref, self._ctx(), self._names()
        )


def config(base_url: str, webhook_secret: str | None) -> dict[str, Any]:
    """The connector settings syncd's bot uses against this emulator."""
    return bot_settings("zendesk", base_url, webhook_secret, email=BOT[0], api_token=BOT[1])


def build_for_tests(
    webhook_url: str | None = None, webhook_secret: str | None = None, **kw: Any
) -> ZendeskEmulator:
    """An emulator for the sandbox: only the plan's requests a minute are held unless
    ``limits`` is given (``limits={}``: all of Zendesk's own), so tests that poll and write
    fast measure syncd (Zendesk's exports: 10 a minute; Update Ticket: 100 a minute)."""
    if "limits" not in kw:
        kw["limits"] = replace(ZendeskLimits.lifted(), requests_per_minute=700)
    return build(webhook_url, webhook_secret, **kw)


KIT = EmulatorKit(build=build_for_tests, actor=ZendeskActor, config=config)
