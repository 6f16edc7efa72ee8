"""REST2's shapes of the emulator's users, queues and custom fields, as RT 5.0.3 serialises
them (recorded from a real server: ``tests/connectors/rt/data``). Mixed into ``Records``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .records import TICKET_LOOKUP, TXN_LOOKUP, CustomField, Queue, User
from .state import RTState


class CatalogRecords:
    """The records syncd reads about its account, the queues and the custom fields."""

    state: RTState
    base: Callable[[], str]
    url: Callable[[str, int | str], str]
    block: Callable[..., dict[str, Any]]

    def user(self, u: User, viewer: str) -> dict[str, Any]:
        """``GET /user/X`` as ``viewer`` sees it."""
        links = [{"id": u.id, "_url": self.url("user", u.id), "ref": "self", "type": "user"}]
        if viewer != u.name:
            # without AdminUsers RT shows another user's public fields only
            return {
                "_hyperlinks": links,
                "Name": u.name,
                "RealName": u.real_name,
                "EmailAddress": u.email,
                "Privileged": 1 if u.privileged else 0,
            }
        return {
            "_hyperlinks": [
                *links,
                {"ref": "history", "_url": f"{self.url('user', u.id)}/history"},
            ],
            "id": u.id,
            "Name": u.name,
            "RealName": u.real_name,
            "EmailAddress": u.email,
            "Privileged": 1 if u.privileged else 0,
            "Disabled": "0",
            "Created": u.created,
            "LastUpdated": u.created,
            "Creator": self.block("user", "RT_System"),
            "LastUpdatedBy": self.block("user", "RT_System"),
            "CustomFields": [],
            "Memberships": [],
        }

    def queue(self, q: Queue, viewer: str | None = None) -> dict[str, Any]:
        """``GET /queue/X`` as ``viewer`` sees it: the ``create`` link only with CreateTicket,
        and the custom fields that apply to the queue's tickets and their transactions."""
        links: list[dict[str, Any]] = [
            {"id": q.id, "ref": "self", "type": "queue", "_url": self.url("queue", q.id)},
            {"ref": "history", "_url": f"{self.url('queue', q.id)}/history"},
        ]
        if viewer is None or self.state.can(viewer, q.id, "CreateTicket"):
            links.append(
                {
                    "ref": "create",
                    "type": "ticket",
                    "_url": f"{self.base()}/REST/2.0/ticket?Queue={q.id}",
                }
            )
        system = self.block("user", "RT_System")
        return {
            "_hyperlinks": links,
            "id": q.id,
            "Name": q.name,
            "Description": q.description,
            "Lifecycle": q.lifecycle,
            "Disabled": "0",
            "SortOrder": "0",
            "SLADisabled": "1",
            "CorrespondAddress": "",
            "CommentAddress": "",
            "Cc": [],
            "AdminCc": [],
            "Created": q.created,
            "LastUpdated": q.created,
            "Creator": system,
            "LastUpdatedBy": system,
            "CustomFields": [],
            "TicketCustomFields": self._applied(q, TICKET_LOOKUP),
            "TicketTransactionCustomFields": self._applied(q, TXN_LOOKUP),
        }

    def _applied(self, q: Queue, lookup: str) -> list[dict[str, Any]]:
        return [
            {**self.block("customfield", cf.id), "ref": "customfield", "name": cf.name}
            for cf in self.state.cfs.values()
            if cf.lookup == lookup and (cf.queues is None or q.id in cf.queues)
        ]

    def queue_item(self, q: Queue, fields: Sequence[str] | None) -> dict[str, Any]:
        """A queue as a collection item."""
        item = self.block("queue", q.id)
        full = self.queue(q)
        item.update({f: full[f] for f in fields or () if f in full})
        return item

    def cf_item(self, cf: CustomField, fields: Sequence[str] | None) -> dict[str, Any]:
        """A custom field as a search result item."""
        full = {
            "Name": cf.name,
            "LookupType": cf.lookup,
            "MaxValues": str(cf.max_values),
            "Type": "Freeform",
            "Description": cf.description,
        }
        item = self.block("customfield", cf.id)
        item.update({f: full[f] for f in fields or () if f in full})
        return item
