"""The connector contract.

A connector package (``connectors/<system>/``) exposes ``CONNECTOR = ConnectorSpec(...)``.
The engine only ever talks to a connector through the protocols below and checks
``capabilities`` before calling an optional method. All calls are synchronous and may raise
the errors of :mod:`syncd.errors`; nothing else may escape a connector.

Every name of the contract is importable from here; the parts live in modules of their own:

- :mod:`syncd.connector_contract`: :class:`Connector` and its defaults
  (:class:`ConnectorBase`), :class:`HelpdeskConnector`, :class:`TrackerConnector`,
  :class:`PollPage`, :class:`WebhookResult`, :class:`Capability` and its named groups
  (:data:`BASICS`, :data:`HELPDESK_BASICS`, …), :class:`Role`;
- :mod:`syncd.connector_settings`: :class:`ConnectorSettings`, the base of typed settings;
- :mod:`syncd.connector_optional`: the protocols of optional capabilities (fields, access,
  search, visibility, cursors, push, batch writes);
- :mod:`syncd.connector_diagnose`: ``syncd connectors test`` (:class:`Diagnose`, findings);
- :mod:`syncd.connector_spec`: :class:`ConnectorSpec`, what the registry knows, and
  :func:`settings_factory`;
- :mod:`syncd.connector_files` and :mod:`syncd.connector_sla`: attachments and a helpdesk's
  own SLAs (imported from there).
"""

from __future__ import annotations

from syncd.connector_contract import BASICS as BASICS
from syncd.connector_contract import COMMENT_CHANGES as COMMENT_CHANGES
from syncd.connector_contract import HELPDESK_BASICS as HELPDESK_BASICS
from syncd.connector_contract import PROJECT_LOOKUPS as PROJECT_LOOKUPS
from syncd.connector_contract import Capability as Capability
from syncd.connector_contract import Connector as Connector
from syncd.connector_contract import ConnectorBase as ConnectorBase
from syncd.connector_contract import HelpdeskConnector as HelpdeskConnector
from syncd.connector_contract import IssueChange as IssueChange
from syncd.connector_contract import PollPage as PollPage
from syncd.connector_contract import Role as Role
from syncd.connector_contract import SideName as SideName
from syncd.connector_contract import TicketChange as TicketChange
from syncd.connector_contract import TrackerConnector as TrackerConnector
from syncd.connector_contract import WebhookResult as WebhookResult
from syncd.connector_diagnose import CheckStatus as CheckStatus
from syncd.connector_diagnose import Diagnose as Diagnose
from syncd.connector_diagnose import DiagnoseContext as DiagnoseContext
from syncd.connector_diagnose import FieldUse as FieldUse
from syncd.connector_diagnose import Finding as Finding
from syncd.connector_diagnose import ProjectUse as ProjectUse
from syncd.connector_optional import AccessCheck as AccessCheck
from syncd.connector_optional import BatchResult as BatchResult
from syncd.connector_optional import BatchUpdates as BatchUpdates
from syncd.connector_optional import IssueFields as IssueFields
from syncd.connector_optional import IssueSearch as IssueSearch
from syncd.connector_optional import Pace as Pace
from syncd.connector_optional import PollCursors as PollCursors
from syncd.connector_optional import Push as Push
from syncd.connector_optional import Visibility as Visibility
from syncd.connector_settings import ConnectorSettings as ConnectorSettings
from syncd.connector_spec import ConnectorSpec as ConnectorSpec
from syncd.connector_spec import Factory as Factory
from syncd.connector_spec import IssueReference as IssueReference
from syncd.connector_spec import settings_factory as settings_factory
from syncd.emulator_kit import EmulatorKit as EmulatorKit
from syncd.emulator_kit import lazy_kit as lazy_kit
from syncd.ratelimit import RateBudget as RateBudget

__all__ = [
    "BASICS",
    "COMMENT_CHANGES",
    "HELPDESK_BASICS",
    "PROJECT_LOOKUPS",
    "AccessCheck",
    "BatchResult",
    "BatchUpdates",
    "Capability",
    "CheckStatus",
    "Connector",
    "ConnectorBase",
    "ConnectorSettings",
    "ConnectorSpec",
    "Diagnose",
    "DiagnoseContext",
    "EmulatorKit",
    "Factory",
    "FieldUse",
    "Finding",
    "HelpdeskConnector",
    "IssueChange",
    "IssueFields",
    "IssueReference",
    "IssueSearch",
    "Pace",
    "PollCursors",
    "PollPage",
    "ProjectUse",
    "Push",
    "RateBudget",
    "Role",
    "SideName",
    "TicketChange",
    "TrackerConnector",
    "Visibility",
    "WebhookResult",
    "lazy_kit",
    "settings_factory",
]
