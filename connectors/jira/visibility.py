"""Whether a Jira project is public: its permission scheme lets anyone browse it.

A project is public when its permission scheme grants *Browse Projects* to ``anyone`` (the
anonymous holder; servers before Jira 7 name the permission ``BROWSE`` and the holder a group
without a name). Two reads, the same on Cloud (``/rest/api/3``) and Data Center
(``/rest/api/2``): ``GET project/{key}/permissionscheme`` for the scheme's id, then
``GET permissionscheme/{id}?expand=permissions`` for its grants. The ``jira`` library's
``project_permissionscheme`` asks for ``expand=user`` only, which leaves the grants out, so
the connector's client reads both directly.

Reading a project's scheme takes *Administer Projects* (or *Administer Jira*). Without it
Jira answers 403; the project then counts as public, so text bound for it is redacted (fail
safe), and a warning says once per project how to change that: give syncd's account the
permission, or set ``privacy.public`` on the route. Answers are kept for ``TTL`` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from syncd.errors import PermanentError

log = logging.getLogger(__name__)

TTL = 60.0  # seconds a project's answer is trusted
BROWSE = ("BROWSE_PROJECTS", "BROWSE")


def grants_anyone(scheme: Mapping[str, Any]) -> bool:
    """Whether a permission scheme (with its ``permissions``) lets anonymous users browse."""
    for grant in scheme.get("permissions") or ():
        if not isinstance(grant, Mapping) or grant.get("permission") not in BROWSE:
            continue
        holder = grant.get("holder") or {}
        kind = holder.get("type")
        if kind == "anyone":
            return True
        if kind == "group" and not holder.get("parameter") and not holder.get("value"):
            return True  # "Group: Anyone" of older servers
    return False


class ProjectVisibility:
    """Reads and caches whether projects are public, through a client's ``get``."""

    def __init__(
        self, get: Callable[..., Any], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._get = get
        self._clock = clock
        self._known: dict[str, tuple[bool, float]] = {}
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def is_public(self, project: str) -> bool:
        """True when anyone may browse ``project``, or when syncd may not find out."""
        with self._lock:
            known = self._known.get(project)
        if known is not None and self._clock() - known[1] < TTL:
            return known[0]
        try:
            assigned = self._get(f"project/{project}/permissionscheme")
            scheme = self._get(f"permissionscheme/{assigned['id']}", {"expand": "permissions"})
            public = grants_anyone(scheme)
        except PermanentError as exc:
            public = True
            if project not in self._warned:
                self._warned.add(project)
                log.warning(
                    "cannot read the permission scheme of Jira project %s (%s): text bound "
                    "for it is redacted as for a public project; give syncd's account "
                    "Administer Projects there, or set privacy.public on its routes",
                    project,
                    exc,
                )
        except (KeyError, TypeError):
            public = True  # an answer without a scheme id: assume the worst
        with self._lock:
            self._known[project] = (public, self._clock())
        return public
