"""The REST v4 endpoints of the GitLab emulator, dispatched on the raw (still URL-encoded)
path, so ``/projects/group%2Fproject/issues`` names one project as it does on GitLab, and
``/projects/group/project/issues`` is GitLab's unknown-route 404.

Every answer carries ``RateLimit-*`` headers; every request spends one unit of the user's
per-minute budget, and a spent budget answers 429 ``Retry later`` with ``Retry-After``
(what every endpoint goes through is :mod:`.gateway`).
"""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, Any

from .gateway import Call, Gateway, Handler, Reply, listed, moment_of
from .records import ApiError, invalid, not_found
from .state import check_title

if TYPE_CHECKING:
    from .app import GitLabEmulator

_P = r"/projects/(?P<project>[^/]+)"
_I = rf"{_P}/issues/(?P<iid>[0-9]+)"


class Routes(Gateway):
    """The endpoints of one emulator."""

    def __init__(self, emu: GitLabEmulator) -> None:
        super().__init__(emu)
        p, i, admin = _P, _I, emu.admin
        self.table: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile("^/user$"), partial(admin.current_user, self)),
            ("GET", re.compile("^/personal_access_tokens/self$"), partial(admin.token_self, self)),
            ("GET", re.compile(f"^{p}$"), partial(admin.get_project, self)),
            ("GET", re.compile(f"^{p}/labels$"), partial(admin.labels, self)),
            ("GET", re.compile(f"^{p}/hooks$"), partial(admin.hooks, self)),
            ("GET", re.compile(f"^{p}/issues$"), self.list_issues),
            ("POST", re.compile(f"^{p}/issues$"), self.create_issue),
            ("GET", re.compile(f"^{i}$"), self.get_issue),
            ("PUT", re.compile(f"^{i}$"), self.update_issue),
            ("DELETE", re.compile(f"^{i}$"), self.delete_issue),
            ("GET", re.compile(f"^{i}/notes$"), self.list_notes),
            ("POST", re.compile(f"^{i}/notes$"), self.create_note),
            ("GET", re.compile(f"^{i}/notes/(?P<note>[0-9]+)$"), self.get_note),
            ("PUT", re.compile(f"^{i}/notes/(?P<note>[0-9]+)$"), self.edit_note),
            ("DELETE", re.compile(f"^{i}/notes/(?P<note>[0-9]+)$"), self.delete_note),
        ]

    # --- endpoints -----------------------------------------------------------------------

    async def list_issues(self, call: Call) -> Reply:
        q = call.query
        with self.store.lock:
            project = self.project_of(call)
            items = [i for (pid, _), i in self.store.issues.items() if pid == project.id]
            state = q.get("state", "all")
            if state not in ("opened", "closed", "all"):
                raise invalid("state")
            if state != "all":
                items = [i for i in items if i.state == state]
            for name, keep in (("updated_after", True), ("updated_before", False)):
                if q.get(name):
                    at = moment_of(q[name], name)
                    items = [i for i in items if (moment_of(i.updated_at, name) >= at) == keep]
            if q.get("author_username"):
                items = [i for i in items if i.author.lower() == q["author_username"].lower()]
            if q.get("search"):
                words = q["search"].lower()
                items = [i for i in items if words in f"{i.title}\n{i.description}".lower()]
            for label in listed(q.get("labels")):
                items = [i for i in items if label.lower() in (n.lower() for n in i.labels)]
            order = q.get("order_by", "created_at")
            if order not in ("created_at", "updated_at"):
                raise invalid("order_by")
            if q.get("sort", "desc") not in ("asc", "desc"):
                raise invalid("sort")
            items.sort(key=lambda i: (getattr(i, order), i.id), reverse=q.get("sort") != "asc")
            shapes = self.emu.render()
            return self.page(call, [shapes.issue(project, i) for i in items])

    async def create_issue(self, call: Call) -> Reply:
        body = call.body
        check_title(body, required=True)
        with self.store.lock:
            project = self.project_of(call, write=True)
            fields = {
                "title": body["title"],
                "description": body.get("description"),
                "labels": listed(body.get("labels")),
                "confidential": body.get("confidential") in (True, "true"),
            }
            issue, events = self.store.create_issue(call.user, project, fields)
            answer = self.emu.render().issue(project, issue)
        self.emu.fire(events)
        return 201, answer, {}

    async def get_issue(self, call: Call) -> Reply:
        with self.store.lock:
            project, issue = self._issue(call)
            return 200, self.emu.render().issue(project, issue), {}

    async def update_issue(self, call: Call) -> Reply:
        body = call.body
        check_title(body, required=False)
        if body.get("state_event") not in (None, "close", "reopen"):
            raise invalid("state_event")
        fields: dict[str, Any] = {k: body[k] for k in ("title", "description", "state_event")
                                  if k in body}  # fmt: skip
        for name in ("labels", "add_labels", "remove_labels"):
            if name in body:
                fields[name] = listed(body[name])
        with self.store.lock:
            project, issue = self._issue(call, write=True)
            events = self.store.update_issue(call.user, project, issue, fields)
            answer = self.emu.render().issue(project, issue)
        self.emu.fire(events)
        return 200, answer, {}

    async def delete_issue(self, call: Call) -> Reply:
        with self.store.lock:
            project, issue = self._issue(call, write=True)
            self.store.delete_issue(call.user, project, issue)
        return 204, None, {}

    async def list_notes(self, call: Call) -> Reply:
        q = call.query
        with self.store.lock:
            _, issue = self._issue(call)
            notes = self.store.notes_of(issue)
            order = q.get("order_by", "created_at")
            if order not in ("created_at", "updated_at"):
                raise invalid("order_by")
            notes.sort(key=lambda n: (getattr(n, order), n.id), reverse=q.get("sort") != "asc")
            shapes = self.emu.render()
            return self.page(call, [shapes.note(n) for n in notes])

    async def create_note(self, call: Call) -> Reply:
        body = call.body
        if not str(body.get("body") or "").strip():
            raise ApiError(400, error="body is missing")
        internal = body.get("internal", body.get("confidential")) in (True, "true")
        with self.store.lock:
            _, issue = self._issue(call, write=True)
            note, events = self.store.add_note(
                call.user, issue, str(body["body"]), internal=internal
            )
            answer = self.emu.render().note(note)
        self.emu.fire(events)
        return 201, answer, {}

    async def get_note(self, call: Call) -> Reply:
        with self.store.lock:
            _, issue = self._issue(call)
            return 200, self.emu.render().note(self.store.note(issue, int(call.params["note"]))), {}

    async def edit_note(self, call: Call) -> Reply:
        if not str(call.body.get("body") or "").strip():
            raise ApiError(400, error="body is missing")
        with self.store.lock:
            _, issue = self._issue(call, write=True)
            note = self.store.note(issue, int(call.params["note"]))
            events = self.store.edit_note(call.user, issue, note, str(call.body["body"]))
            answer = self.emu.render().note(note)
        self.emu.fire(events)
        return 200, answer, {}

    async def delete_note(self, call: Call) -> Reply:
        with self.store.lock:
            _, issue = self._issue(call, write=True)
            self.store.delete_note(
                call.user, issue, self.store.note(issue, int(call.params["note"]))
            )
        return 204, None, {}


__all__ = ["Call", "Reply", "Routes", "not_found"]
