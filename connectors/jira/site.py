"""What every connector on one Jira site does the same way, whichever records it serves.

The Jira tracker (:class:`connectors.jira.connector.JiraConnector`) and the Jira Service
Management helpdesk (:class:`connectors.jsm.connector.JsmConnector`) talk to one site
through one kind of client (:class:`connectors.jira.client.JiraClient`), poll it with a
:class:`connectors.jira.poll.JqlPoller` and receive its one kind of webhook. So the poll and
the check of its cursor, the webhook's signature, the rate-limit figures and the release of
the HTTP session are written here once; what a found issue or a delivery means (an issue or
a ticket) stays with each connector.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from connectors.jira import webhooks
from syncd.connector import COMMENT_CHANGES, HELPDESK_BASICS, Capability, PollPage, RateBudget

if TYPE_CHECKING:
    from connectors.jira.client import JiraClient
    from connectors.jira.poll import JqlPoller
    from connectors.jira.settings import JiraAccess

# what a connector on a Jira site can do through the code both share: Jira's comments (with
# their properties, visibility and markers), workflow transitions, labels and priority
# edits, the JQL poll and its cursors, the webhook, and the checks of `connectors test`
SITE_CAPABILITIES = HELPDESK_BASICS | COMMENT_CHANGES | {Capability.TRANSITIONS, Capability.LABELS}


class SiteMethods:
    """The poll, webhook signature, rate budget and ``close`` of a connector on a Jira site;
    the connector sets ``client`` and ``_poller``."""

    name: str
    settings: JiraAccess
    client: JiraClient
    _poller: JqlPoller

    def poll(self, cursor: str | None) -> PollPage:
        """What changed since the cursor (issues or requests, and their comments), with an
        overlap window."""
        return self._poller.poll(cursor)

    def check_cursor(self, cursor: str) -> None:
        """``CursorError`` if ``poll`` could not read ``cursor``; no request."""
        self._poller.FORMAT.load(self.name, cursor)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check ``X-Hub-Signature`` when a secret is configured."""
        secret = self.settings.secret("webhook_secret", required=False)
        webhooks.verify(secret, headers, body)

    def rate_budget(self) -> RateBudget:
        """The last rate-limit figures Jira sent."""
        return self.client.rate_budget()

    def close(self) -> None:
        """Release HTTP connections."""
        self.client.close()
