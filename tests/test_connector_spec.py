"""ConnectorSpec's conventions: a system declares only what differs, and a spec that cannot
be told from its classes says which argument it needs."""

from __future__ import annotations

from typing import Literal

import pytest

from connectors.freshdesk import CONNECTOR as FRESHDESK
from connectors.freshdesk import FreshdeskConnector, FreshdeskSettings
from connectors.github import CONNECTOR as GITHUB
from connectors.redmine import CONNECTOR as REDMINE
from syncd.connector import ConnectorBase, ConnectorSettings, ConnectorSpec, Role


class _Plain(ConnectorSettings):
    kind: Literal["plain"] = "plain"


class _NoKind(ConnectorSettings):
    pass


class _Both(ConnectorBase):
    def get_ticket(self) -> None: ...

    def get_issue(self) -> None: ...


def test_the_smallest_spec_is_told_from_its_classes() -> None:
    spec = ConnectorSpec(connector=FreshdeskConnector, settings=FreshdeskSettings)
    assert spec.kind == "freshdesk" and spec.role == Role.HELPDESK
    # connectors/freshdesk/emulator, found next to the settings class
    assert spec.emulator_kit is not None and FRESHDESK.emulator_kit is not None
    url = "http://127.0.0.1:9"
    assert spec.emulator_kit.config(url, None) == FRESHDESK.emulator_kit.config(url, None)
    assert spec.issue_reference is None and spec.demo_projects == () and not spec.third_party


def test_the_declared_specs_say_what_they_differ_in() -> None:
    assert GITHUB.role == Role.TRACKER and GITHUB.demo_projects == ("acme/widgets",)
    assert GITHUB.issue_reference is not None
    assert REDMINE.emulator_kit is None  # tested against a real Redmine: no emulator


def test_a_spec_that_cannot_be_told_asks_for_what_it_needs() -> None:
    with pytest.raises(TypeError, match="say kind="):
        ConnectorSpec(connector=FreshdeskConnector, settings=_NoKind)
    with pytest.raises(TypeError, match="say role="):
        ConnectorSpec(connector=_Both, settings=_Plain)
    with pytest.raises(TypeError, match="say factory="):
        ConnectorSpec(settings=_Plain, role=Role.TRACKER)
    off = ConnectorSpec(connector=FreshdeskConnector, settings=FreshdeskSettings, emulator_kit=None)
    assert off.emulator_kit is None
