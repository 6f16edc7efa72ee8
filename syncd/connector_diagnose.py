"""The part of the connector contract that checks a connector's set-up
(``Capability.DIAGNOSE``, ``syncd connectors test``): what a check finds (:class:`Finding`,
:class:`CheckStatus`), what the rest of the config asks of the connector
(:class:`DiagnoseContext`, :class:`ProjectUse`, :class:`FieldUse`) and the protocol itself
(:class:`Diagnose`). The findings every vendor shares are built by :mod:`syncd.diagnose`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable


class CheckStatus(StrEnum):
    """The result of one check of ``syncd connectors test``."""

    OK = "ok"
    MISSING = "missing"  # something syncd needs is not there: the command exits 1
    WARNING = "warning"  # syncd works, with less than it could (exit 0)
    UNKNOWN = "could not tell"  # the vendor would not say, e.g. an admin-only listing


@dataclass(frozen=True)
class Finding:
    """One check: its name, its result, what was seen and, unless ok, what to do (the exact
    permission, setting or admin screen). Never carries a secret."""

    check: str
    status: CheckStatus
    detail: str = ""
    fix: str = ""


@dataclass(frozen=True)
class ProjectUse:
    """A project on a tracker that routes target, and what they ask of it."""

    project: str
    routes: tuple[str, ...] = ()
    issue_types: tuple[str, ...] = ()  # issue types routes name (none: the connector's own)
    labels: tuple[str, ...] = ()  # labels the engine puts on issues there, besides the connector's


@dataclass(frozen=True)
class FieldUse:
    """A ticket field the workflow names (or an issue field routes map), with the config
    keys that name it and the values routes may write to it (their value maps)."""

    name: str
    named_by: tuple[str, ...]
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiagnoseContext:
    """What a connector's :meth:`Diagnose.diagnose` needs from the rest of the config."""

    projects: tuple[ProjectUse, ...] = ()  # trackers: the projects routes target
    fields: tuple[FieldUse, ...] = ()  # helpdesks: the ticket fields the workflow names
    issue_fields: tuple[FieldUse, ...] = ()  # trackers: the issue fields routes map
    webhooks: bool = False  # deliveries are switched on for this connector
    # where the vendor should deliver (server.public_url + /webhooks/<name>); None when
    # server.public_url is empty and syncd cannot know it
    webhook_url: str | None = None


@runtime_checkable
class Diagnose(Protocol):
    """Connectors with ``DIAGNOSE`` check their own set-up for ``syncd connectors test``."""

    def diagnose(self, context: DiagnoseContext) -> list[Finding]:
        """Reach the vendor and check the credentials, the permissions syncd needs and the
        webhook to syncd; a vendor's refusal or failure is a finding, never an exception.
        Reads only: no check writes anything."""
        ...
