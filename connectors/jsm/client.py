"""The service desk API (``/rest/servicedeskapi``) over the Jira connector's client.

One authenticated session serves both APIs of the site: the platform API
(``/rest/api/2|3``: issues, comments with properties, workflow transitions, JQL search) and
the service desk API (service desks, request types, customer transitions, participants,
SLA). Auth, rate-limit headers and the translation of every error into :mod:`syncd.errors`
are :class:`connectors.jira.client.JiraClient`'s. The service desk API pages with
``start``/``limit`` and says ``isLastPage``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.jira.client import JiraClient
from connectors.jsm.settings import JsmSettings
from syncd.paging import walk

SD = "/rest/servicedeskapi"
PAGE = 50  # the service desk API's default and usual largest page


class ServiceDeskClient(JiraClient):
    """A Jira client that also speaks the service desk API."""

    settings: JsmSettings

    def __init__(self, settings: JsmSettings) -> None:
        super().__init__(settings)
        self.settings = settings

    def sd_get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET ``/rest/servicedeskapi/<path>`` and return its JSON."""
        return self.get_path(f"{SD}/{path}", params)

    def sd_send(self, method: str, path: str, body: Any = None) -> Any:
        """POST/PUT/DELETE ``/rest/servicedeskapi/<path>``; None on 204."""
        return self.send_path(method, f"{SD}/{path}", body)

    def sd_values(
        self, path: str, params: dict[str, Any] | None = None, *, max_pages: int = 200
    ) -> Iterator[dict[str, Any]]:
        """Every ``values`` item of a paged service desk list, page by page."""

        def fetch(start: int) -> Any:
            return self.sd_get(path, {**(params or {}), "start": start, "limit": PAGE})

        def following(page: Any, start: int) -> int | None:
            values = page.get("values") or []
            if page.get("isLastPage", True) or not values:
                return None
            return int(page.get("start", start)) + len(values)

        for page in walk(fetch, 0, following, max_pages=max_pages):
            yield from page.get("values") or []

    def service_desks(self) -> dict[str, str]:
        """Project key -> service desk id, for every service desk the account sees."""
        return {str(d.get("projectKey")): str(d.get("id")) for d in self.sd_values("servicedesk")}
