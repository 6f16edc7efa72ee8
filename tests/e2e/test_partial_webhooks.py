"""Webhooks that leave fields out (Zendesk sends no custom fields): routing on those fields
still works with webhooks alone, by reading the ticket once when it is first seen."""

from __future__ import annotations

import pytest

from syncd.model import Ref
from syncd.testing.sandbox import Sandbox
from tests.e2e.test_escalation_path import issue_of
from tests.e2e.workflow_helpers import StartSandbox

FIELD_ID = 360100
ROUTES = [
    {
        "name": "by-product",
        "match": {"fields": {"product": "widgets"}},
        "mode": "pending",
        "target": {"connector": "github", "project": "acme/widgets"},
    }
]


@pytest.fixture
def sb(start_sandbox: StartSandbox) -> Sandbox:
    return start_sandbox(
        routes=ROUTES,
        poll_interval=3600.0,
        overrides={"zendesk": {"custom_fields": {"product": FIELD_ID}}},
    )


def test_route_on_custom_field_with_webhooks_only(sb: Sandbox) -> None:
    emu = sb.helpdesk.emulator
    wanted = emu.create_ticket("Widget broke", "x", custom_fields={FIELD_ID: "widgets"})
    other = emu.create_ticket("Gadget broke", "y", custom_fields={FIELD_ID: "gadgets"})
    ref = Ref.ticket("zendesk", wanted)
    sb.wait("issue for the product=widgets ticket", lambda: issue_of(sb, ref))
    sb.settle()
    assert issue_of(sb, Ref.ticket("zendesk", other)) is None
    assert len(sb.tracker.issues("acme/widgets")) == 1
    assert sb.service is not None
    with sb.service.store.tx() as tx:
        seen = sb.service.store.shadow(tx, str(ref)).observed
    assert seen is not None and seen["fields"] == {"product": "widgets"}
    # the shadow holds the full snapshot: a later webhook without fields changes nothing
    emu.add_comment(wanted, "any news?", public=True)
    sb.settle()
    assert len(sb.tracker.issues("acme/widgets")) == 1
