"""A supplier on the emulated mail provider, for the demo and the tests, and the :data:`KIT`.

The supplier reads the case mails syncd sent to its mailbox, and answers as a person's mail
client does, over SMTP with STARTTLS and AUTH like any sender: ``Re:`` and the subject with
the case reference, ``In-Reply-To`` and ``References``, the quoted message below the answer
and a signature. :meth:`SupplierActor.resolve` answers with the resolve keyword syncd's
settings name (``#resolved`` by default), which hands the ticket back.
"""

from __future__ import annotations

import weakref
from email import message_from_bytes
from email.message import Message
from email.policy import default
from typing import Any

import httpx

from syncd.emulator_kit import EmulatorKit
from syncd.model import IssueStatus, Ref

from .app import MailEmulator, build
from .mail_user import MailUser
from .records import MailError

SUPPLIER = "supplier"
_RUNNING: weakref.WeakValueDictionary[str, MailEmulator] = weakref.WeakValueDictionary()


class SupplierActor(MailUser):
    """``Jane Doe`` of the supplier (the ``supplier`` mailbox: help@ and jane@supplier.test)."""

    def __init__(
        self, emulator: MailEmulator, instance: str, base_url: str, user: str = SUPPLIER
    ) -> None:
        # another of the provider's users acts alike (``as_user``)
        super().__init__(emulator.info(), user, emulator.certificate.client_context())
        self.emulator = emulator
        self.instance = instance
        self.base_url = base_url
        _RUNNING[base_url.rstrip("/")] = emulator
        info = self.info
        self.credentials = {
            "syncd": {"user": "syncd", "password": info["users"]["syncd"]["password"]},
            "supplier": {
                "user": SUPPLIER,
                "password": self.password,
                "imap": f"{info['host']}:{info['imap_port']} (STARTTLS)",
                "smtp": f"{info['host']}:{info['smtp_port']} (STARTTLS)",
            },
        }

    def as_user(self, user: str) -> SupplierActor:
        """The same, as another mailbox of the provider (``mallory``, ``other``...)."""
        return SupplierActor(self.emulator, self.instance, self.base_url, user)

    def ensure_project(self, project: str) -> None:
        """A supplier is an address: give it a mailbox when the provider has none."""
        if self.emulator.store.owner(project) is None:
            local = project.split("@", 1)[0].lower()
            self.emulator.add_user(project.lower(), f"{local}-mail-secret", [project])

    # --- reading ---------------------------------------------------------------------------

    def messages(self) -> list[Message]:
        """Everything in this mailbox's inbox, oldest first (read in place, as IMAP would)."""
        store = self.emulator.store
        with store.lock:
            account = store.accounts[self.user]
            try:
                raws = [m.raw for m in account.folder("INBOX").messages]
            except MailError:
                raws = []
        return [message_from_bytes(raw, policy=default) for raw in raws]

    # --- writing (``send``, ``reply``, ``resolve``: :class:`~.mail_user.MailUser`) ---------

    def _latest(self, issue: Ref) -> Message:
        found = self.case_mails(issue.key)
        if not found:
            raise LookupError(f"no mail of case {issue.key} in {self.address}'s inbox")
        return found[-1]

    def comment(self, issue: Ref, body: str) -> Ref:
        """Answer the case's latest mail (the tracker actors' ``comment``)."""
        self.reply(self._latest(issue), body)
        return issue

    def set_status(self, issue: Ref, status: IssueStatus) -> None:
        """A supplier can only say it is solved: any closed status resolves the case."""
        if not status.is_closed:
            raise ValueError("a supplier cannot reopen a case by mail")
        self.resolve(self._latest(issue), "Solved on our side.")


def config(base_url: str, webhook_secret: str | None = None) -> dict[str, Any]:
    """The connector settings of syncd's mailbox (``syncd``) on the emulator at ``base_url``
    (read in process, or from its ``/_emulator/mail``)."""
    url = base_url.rstrip("/")
    running = _RUNNING.get(url)
    info = running.info() if running is not None else httpx.get(f"{url}/_emulator/mail").json()
    me = info["users"]["syncd"]
    return {
        "kind": "email",
        "base_url": url,
        "case_url": "{base_url}/?_task=mail&_user=syncd&_mbox=syncd&_search={reference}",
        "webhooks": False,
        "address": me["address"],
        "display_name": "Acme Support",
        "imap_host": info["host"],
        "imap_port": info["imaps_port"],
        "imap_security": "tls",
        "imap_user": "syncd",
        "imap_password": me["password"],
        "smtp_host": info["host"],
        "smtp_port": info["smtp_port"],
        "smtp_security": "starttls",
        "ca_file": info["ca_file"],
    }


KIT = EmulatorKit(build=build, actor=SupplierActor, config=config)
