"""The agent ``alice`` on a real Request Tracker, for end-to-end tests through the daemon.

Acts through RT's own REST2 API with alice's token (so RT runs its Scrips as for any agent)
and reads tickets back through the RT connector under alice's account.
"""

from __future__ import annotations

import base64
import mimetypes
from typing import Any

import httpx

from syncd import registry
from syncd.connector import HelpdeskConnector
from syncd.model import Comment, Priority, Ref, Ticket

CUSTOMER = "carol@example.com"


class RealRTActor:
    """``alice`` on the real RT described by ``info`` (``tests/realservers/.rt/info.json``)."""

    def __init__(self, info: dict[str, Any], instance: str = "rt") -> None:
        self.instance = instance
        self.emulator = None
        self.http = httpx.Client(
            base_url=f"{info['base_url']}/REST/2.0",
            timeout=30,
            headers={"Authorization": f"token {info['agent_token']}"},
        )
        spec = registry.spec("rt")
        settings = spec.settings.model_validate(
            {"kind": "rt", "base_url": info["base_url"], "token": info["agent_token"]}
        )
        reader = spec.factory(instance, settings, None)
        assert isinstance(reader, HelpdeskConnector)
        self.reader = reader

    def create_ticket(
        self,
        subject: str,
        description: str,
        *,
        tags: list[str] | None = None,
        requester: str = CUSTOMER,
        priority: Priority | None = None,
        group: str | None = None,
        fields: dict[str, str] | None = None,
    ) -> Ref:
        """Open a ticket in ``group`` (the queue) for the customer, with custom fields."""
        body: dict[str, Any] = {
            "Queue": group or "Support",
            "Subject": subject,
            "Content": description,
            "ContentType": "text/plain",
            "Requestor": CUSTOMER if "@" not in requester else requester,
        }
        if fields:
            body["CustomFields"] = fields
        r = self.http.post("/ticket", json=body)
        r.raise_for_status()
        return Ref.ticket(self.instance, r.json()["id"])

    def comment(
        self, ticket: Ref, body: str, *, public: bool, files: tuple[tuple[str, bytes], ...] = ()
    ) -> None:
        """A reply to the customer (public) or an internal comment, with ``files``."""
        path = "correspond" if public else "comment"
        data: dict[str, Any] = {"Content": body, "ContentType": "text/plain"}
        if files:
            data["Attachments"] = [
                {
                    "FileName": name,
                    "FileType": mimetypes.guess_type(name)[0] or "application/octet-stream",
                    "FileContent": base64.b64encode(content).decode(),
                }
                for name, content in files
            ]
        r = self.http.post(f"/ticket/{ticket.key}/{path}", json=data)
        r.raise_for_status()

    def file(self, ticket: Ref, name: str) -> bytes:
        """The content of the ticket's file called ``name`` (the newest one)."""
        found = [f for c in self.comments(ticket) for f in c.files or () if f.name == name]
        return self.reader.read_file(found[-1], 10**8)  # type: ignore[attr-defined,no-any-return]

    def ticket(self, ref: Ref) -> Ticket:
        return self.reader.get_ticket(ref)

    def comments(self, ref: Ref) -> list[Comment]:
        return self.reader.comments(ref)

    def close(self) -> None:
        self.http.close()
        self.reader.close()
