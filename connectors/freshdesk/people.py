"""The names behind Freshdesk's ids: requesters, agents, groups and companies.

Tickets and conversations name people, groups and companies by id. Requesters come named in
tickets read with ``include=requester``; the rest is read when an id is first seen (the
agent and group lists once, then a contact, agent or company by id) and kept: ids are not
renamed often enough to need expiry. An id Freshdesk does not know is not asked again, and
is shown as the id itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from syncd.errors import NotFound

from .client import FreshdeskClient
from .mapping import Names


def _ids(raw: Iterable[Any]) -> set[int]:
    return {i for i in raw if isinstance(i, int) and not isinstance(i, bool) and i > 0}


class Directory:
    """Names known for one account, and the reads that learn more."""

    def __init__(self, client: FreshdeskClient) -> None:
        self.client = client
        self._lock = threading.Lock()
        self._users: dict[int, str] = {}
        self._groups: dict[int, str] = {}
        self._companies: dict[int, str] = {}
        self._agents_read = False
        self._unknown: set[tuple[str, int]] = set()  # ids looked up in vain

    def names(self) -> Names:
        """A snapshot of the names known so far."""
        with self._lock:
            return Names(dict(self._users), dict(self._groups), dict(self._companies))

    def name_user(self, ident: int, name: str) -> None:
        """Keep a person's name seen elsewhere (syncd's own agent)."""
        with self._lock:
            self._users[ident] = name

    def learn(self, raws: Iterable[Mapping[str, Any]]) -> None:
        """Keep the requesters' names tickets embed, and look up groups and companies (and
        requesters a ticket does not embed) not named yet."""
        groups, companies, requesters = set(), set(), set()
        for raw in raws:
            requester = raw.get("requester")
            if isinstance(requester, Mapping) and requester.get("id"):
                self.name_user(int(requester["id"]), str(requester.get("name") or ""))
            else:
                requesters.add(raw.get("requester_id"))
            groups.add(raw.get("group_id"))
            companies.add(raw.get("company_id"))
        self._groups_named(_ids(groups))
        for company in _ids(companies):
            self._one("companies", company, self._companies)
        for requester in _ids(requesters):
            self._one("contacts", requester, self._users)

    def users(self, ids: Iterable[Any]) -> None:
        """Name the authors of conversations: agents from their list, the rest one by one."""
        with self._lock:
            missing = _ids(ids) - set(self._users)
            read_agents = bool(missing) and not self._agents_read
        if read_agents:
            agents = {
                int(a["id"]): str((a.get("contact") or {}).get("name") or a["id"])
                for page in self.client.pages("/api/v2/agents", {"per_page": 100})
                for a in page
            }
            with self._lock:
                self._users.update(agents)
                self._agents_read = True
        for ident in missing:
            # a contact most often (a customer's reply); an agent added since the list
            if not self._one("contacts", ident, self._users):
                self._one("agents", ident, self._users)

    def _groups_named(self, wanted: set[int]) -> None:
        with self._lock:
            missing = {i for i in wanted - set(self._groups) if ("groups", i) not in self._unknown}
        if not missing:
            return
        found = {
            int(g["id"]): str(g.get("name") or g["id"])
            for page in self.client.pages("/api/v2/groups", {"per_page": 100})
            for g in page
        }
        with self._lock:
            self._groups.update(found)
            self._unknown.update(("groups", i) for i in missing - set(found))

    def _one(self, what: str, ident: int, into: dict[int, str]) -> bool:
        """One ``/api/v2/{what}/{id}`` read for a name not known yet; False when Freshdesk
        does not know the id (it is not asked again)."""
        with self._lock:
            if ident in into:
                return True
            if (what, ident) in self._unknown:
                return False
        try:
            body = self.client.get(f"/api/v2/{what}/{ident}")
        except NotFound:
            with self._lock:
                self._unknown.add((what, ident))
            return False
        name = body.get("name") or (body.get("contact") or {}).get("name") or ident
        with self._lock:
            into[ident] = str(name)
        return True
