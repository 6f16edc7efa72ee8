"""An agent on the emulated Freshdesk, for the demo, end-to-end tests and benchmarks.

Acts in process on the emulator's state (sending the same webhooks the API does) and reads
without spending the account's credits, so the counters show syncd's own traffic only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from syncd.emulator_kit import EmulatorKit
from syncd.helpdesk_emulator import group_named
from syncd.model import Comment, Ref, Ticket
from syncd.testing.actors import HelpdeskActor, NewTicket
from syncd.testing.emulator_parts import bot_settings

from ..mapping import Context, Names, comments_from_raw, priority_to_raw, ticket_from_raw
from .app import FreshdeskEmulator, build
from .limits import FreshdeskLimits
from .state import STATUSES

BOT_KEY = "syncd-key"
AGENT_KEY = "agent-key"
# the account's custom statuses as syncd reads them: Freshdesk's two that new accounts have
CUSTOM_STATUSES = {6: "pending", 7: "on_hold"}
CUSTOM_FIELDS = {"dev_issue": "cf_dev_issue", "impact": "cf_impact"}


class FreshdeskActor(HelpdeskActor[FreshdeskEmulator]):
    """``Alice Agent`` on the emulated Freshdesk; requesters are created as needed."""

    def __init__(self, emulator: FreshdeskEmulator, instance: str, base_url: str) -> None:
        super().__init__(emulator, instance, base_url)
        self.credentials = {
            "syncd": {"api_key": BOT_KEY},
            "agent": {"api_key": AGENT_KEY, "password": "X"},
        }

    def _ctx(self) -> Context:
        from syncd.model import TicketStatus

        return Context(
            connector=self.instance,
            base_url=self.base_url,
            custom_statuses={k: TicketStatus(v) for k, v in CUSTOM_STATUSES.items()},
            custom_fields=CUSTOM_FIELDS,
            bot_id=self.emulator.bot.id,
        )

    def _names(self) -> Names:
        state = self.emulator.state
        return Names(
            users={p.id: p.name for p in state.people.values()},
            groups=dict(state.groups),
            companies=dict(state.companies),
        )

    def _requester(self, name: str) -> int:
        email = name.lower().replace(" ", ".") + "@customers.example"
        return int(self.emulator.state.contact(email, name).id)

    def _group(self, name: str | None) -> int | None:
        return group_named(self.emulator.state.groups, name, 5000000100)

    def open_ticket(self, new: NewTicket) -> int:
        if new.files:
            raise TypeError("the Freshdesk actor attaches no files to a new ticket")
        return self.emulator.create_ticket(
            new.subject,
            new.description,
            tags=new.tags,
            requester=self._requester(new.requester),
            priority=priority_to_raw(new.priority) if new.priority else None,
            group_id=self._group(new.group),
        )

    def comment(self, ticket: Ref, body: str, *, public: bool, files: tuple[str, ...] = ()) -> Ref:
        """A reply to the requester (public) or a private note; its ref."""
        made = self.emulator.add_conversation(int(ticket.key), body, public=public, files=files)
        return Ref.comment(self.instance, made.id)

    def edit_comment(self, ticket: Ref, comment: Ref, body: str) -> None:
        """The agent edits a note (Freshdesk edits no reply)."""
        self.emulator.edit_conversation(int(comment.key), body)

    def delete_comment(self, ticket: Ref, comment: Ref) -> None:
        """The agent deletes a reply or a note."""
        self.emulator.delete_conversation(int(comment.key))

    def set_status(self, ticket: Ref, status: str) -> None:
        """Set a status by its Freshdesk name (Open, Pending, Resolved, Closed, ...)."""
        number = next(k for k, v in STATUSES.items() if v.lower() == status.lower())
        self.emulator.update(int(ticket.key), status=number)

    def ticket(self, ref: Ref) -> Ticket:
        return ticket_from_raw(self.emulator.ticket(int(ref.key)), self._ctx(), self._names())

    def comments(self, ref: Ref) -> list[Comment]:
        raws = self.emulator.conversations(int(ref.key))
        return comments_from_raw(raws, ref, self._ctx(), self._names())


def config(base_url: str, webhook_secret: str | None) -> dict[str, Any]:
    """The connector settings syncd's agent uses against this emulator."""
    return bot_settings(
        "freshdesk",
        base_url,
        webhook_secret,
        api_key=BOT_KEY,
        custom_statuses=dict(CUSTOM_STATUSES),
        custom_fields=dict(CUSTOM_FIELDS),
    )


def build_for_tests(
    webhook_url: str | None = None, webhook_secret: str | None = None, **kw: Any
) -> FreshdeskEmulator:
    """An emulator for the sandbox: only the plan's credits a minute are held unless
    ``limits`` is given (``limits={}``: all of the Pro plan's), so tests that poll and write
    fast measure syncd."""
    if "limits" not in kw:
        kw["limits"] = replace(FreshdeskLimits.lifted(), requests_per_minute=400 * 5)
    return build(webhook_url, webhook_secret, **kw)


KIT = EmulatorKit(build=build_for_tests, actor=FreshdeskActor, config=config)
