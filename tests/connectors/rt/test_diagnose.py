"""``syncd connectors test`` for Request Tracker: against the real RT 5 and the emulator alike
(everything in order; a queue that does not exist; one syncd may not see), then the failures
only the emulator can stage cheaply (an unprivileged user, a right taken away, a custom field
gone or not applied to a queue)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.rt import RTConnector
from connectors.rt.emulator import RTEmulator, build
from syncd.connector import CheckStatus, DiagnoseContext, FieldUse, Finding
from syncd.testing.server import ServerThread, free_port
from tests.connectors.kit import row, self_test

from .harness import INSTANCE, RTTarget

HOOK = "http://127.0.0.1:8080/webhooks/rt"
CONTEXT = DiagnoseContext(
    fields=(FieldUse("Product", ("routes.widgets.match.fields",)),),
    webhooks=True,
    webhook_url=HOOK,
)
DONE = [
    "credentials",
    "custom field Developer issue",
    "custom field syncd key",
    "queue General",
    "queue General: custom fields",
    "queue Support",
    "queue Support: custom fields",
    "rights REST2 does not show",
    "notify Scrip",
]


def diagnose(target: RTTarget, context: DiagnoseContext = CONTEXT, **over: Any) -> list[Finding]:
    conn = target.connector(**over)
    return self_test(conn, context, target.base_url)


def with_tickets(target: RTTarget, *queues: str) -> None:
    """A ticket in each queue, so that the ticket rights show in REST2's links."""
    with target.agent() as agent:
        for queue in queues:
            made = agent.post(
                "/ticket", json={"Queue": queue, "Subject": "diagnose", "Content": "x"}
            )
            assert made.status_code == 201, made.text


def test_everything_in_order(rt_target: RTTarget) -> None:
    with_tickets(rt_target, "General", "Support")
    findings = diagnose(rt_target)
    assert [f.check for f in findings] == DONE
    told = {"rights REST2 does not show", "notify Scrip"}
    assert all(f.status == CheckStatus.OK for f in findings if f.check not in told), findings
    assert all(f.status == CheckStatus.UNKNOWN for f in findings if f.check in told)
    assert row(findings, "credentials").detail.startswith("syncd, privileged, Request Tracker 5")
    general = row(findings, "queue General")
    assert "ReplyToTicket, CommentOnTicket, ModifyTicket (seen on ticket" in general.detail
    fields = row(findings, "queue Support: custom fields")
    assert fields.detail == "tickets: Developer issue, Product; transactions: syncd key"
    scrip = row(findings, "notify Scrip")
    assert "REST2 cannot list Scrips" in scrip.detail
    assert f"Set($SyncdNotifyURL, '{HOOK}')" in scrip.fix
    shows = row(findings, "rights REST2 does not show")
    assert "ShowTicketComments" in shows.detail and "User Rights" in shows.fix


def test_queue_that_does_not_exist_and_one_syncd_may_not_see(rt_target: RTTarget) -> None:
    queues = ["General", "No such queue", rt_target.restricted_queue]
    findings = diagnose(rt_target, queues=queues)
    for queue in queues[1:]:
        found = row(findings, f"queue {queue}")
        assert found.status == CheckStatus.MISSING
        assert found.detail == (
            f"RT refuses it: there is no queue {queue!r}, or syncd lacks SeeQueue on it "
            "(RT answers both alike)"
        )
        assert f"Admin → Queues → {queue} → User Rights" in found.fix


def test_refused_token(rt_target: RTTarget) -> None:
    (only,) = diagnose(rt_target, token="1-999-" + "0" * 32, username="syncd")
    assert only.check == "credentials" and only.status == CheckStatus.MISSING
    assert "401" in only.detail and "Auth Tokens" in only.fix


def test_without_webhooks_nothing_is_left_to_tell_but_the_hidden_rights(
    rt_target: RTTarget,
) -> None:
    with_tickets(rt_target, "General", "Support")
    findings = diagnose(rt_target, DiagnoseContext(fields=CONTEXT.fields))
    assert row(findings, "notify Scrip").status == CheckStatus.OK
    unknown = [f.check for f in findings if f.status != CheckStatus.OK]
    assert unknown == ["rights REST2 does not show"]


# -- failures staged on an emulator of this module's own ------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[RTEmulator, str]]:
    emu = build(webhook_secret="notice-secret")
    with ServerThread(emu.app) as srv:
        emu.base_url = srv.url
        yield emu, srv.url


@pytest.fixture
def emu(served: tuple[RTEmulator, str]) -> Iterator[RTEmulator]:
    """A fresh RT (same credentials) with a ticket in General and Support."""
    emulator = served[0]
    emulator.reset()
    emulator.human_create("a", queue="General")
    emulator.human_create("b", queue="Support")
    yield emulator
    emulator.reset()


def target(served: tuple[RTEmulator, str]) -> RTTarget:
    emu, url = served
    return RTTarget(
        kind="emulator",
        base_url=url,
        syncd_token=emu.token("syncd"),
        agent_token=emu.token("alice"),
        agent_user="alice",
        agent_password=emu.password("alice"),
        webhook_secret="notice-secret",
    )


def test_unprivileged_user(served: tuple[RTEmulator, str], emu: RTEmulator) -> None:
    emu.set_privileged("syncd", False)
    (only,) = diagnose(target(served))
    assert only.check == "credentials" and only.status == CheckStatus.MISSING
    assert "unprivileged" in only.detail and "Privileged" in only.fix


@pytest.mark.parametrize(
    "right", ["CreateTicket", "ReplyToTicket", "CommentOnTicket", "ModifyTicket"]
)
def test_a_right_taken_away(served: tuple[RTEmulator, str], emu: RTEmulator, right: str) -> None:
    emu.deny("syncd", "Support", right)
    findings = diagnose(target(served))
    assert row(findings, "queue General").status == CheckStatus.OK
    found = row(findings, "queue Support")
    assert found.status == CheckStatus.MISSING
    assert found.detail == f"syncd lacks {right} in Support"
    assert found.fix == "grant them to syncd (Admin → Queues → Support → User Rights)"


def test_a_right_taken_away_also_refuses_the_write(
    served: tuple[RTEmulator, str], emu: RTEmulator
) -> None:
    emu.deny("syncd", "Support", "ReplyToTicket")
    tid = emu.human_create("c", queue="Support")
    answer = httpx.post(
        f"{served[1]}/REST/2.0/ticket/{tid}/correspond",
        json={"Content": "x", "ContentType": "text/plain"},
        headers={"Authorization": f"token {emu.token('syncd')}"},
    )
    assert answer.status_code == 400 and answer.json() == {"message": "Permission Denied"}


def test_queue_without_a_ticket_cannot_show_the_ticket_rights(
    served: tuple[RTEmulator, str], emu: RTEmulator
) -> None:
    emu.reset()
    found = row(diagnose(target(served)), "queue General")
    assert found.status == CheckStatus.UNKNOWN
    assert "has no ticket syncd can see" in found.detail


def test_custom_field_that_does_not_exist(served: tuple[RTEmulator, str], emu: RTEmulator) -> None:
    emu.drop_custom_field("syncd key")
    findings = diagnose(target(served))
    found = row(findings, "custom field syncd key")
    assert found.status == CheckStatus.MISSING
    assert found.detail == "no transaction custom field 'syncd key' that syncd can see"
    assert "applies to ticket transactions" in found.fix and "key_custom_field" in found.fix
    assert row(findings, "queue General: custom fields").status == CheckStatus.MISSING


def test_custom_fields_not_applied_to_a_queue(
    served: tuple[RTEmulator, str], emu: RTEmulator
) -> None:
    emu.drop_custom_field("Developer issue", only_from="Support")
    emu.drop_custom_field("Product", only_from="Support")
    findings = diagnose(target(served))
    assert row(findings, "queue General: custom fields").status == CheckStatus.OK
    found = row(findings, "queue Support: custom fields")
    assert found.status == CheckStatus.MISSING
    assert found.detail == (
        "not applied to Support, or not visible to syncd: 'Developer issue' (tickets), "
        "'Product' (tickets; named by routes.widgets.match.fields)"
    )
    assert "Applies to: Support" in found.fix


def test_every_visible_queue_when_none_is_configured(
    served: tuple[RTEmulator, str], emu: RTEmulator
) -> None:
    findings = diagnose(target(served), queues=[])
    assert row(findings, "queues").detail.endswith("General, Support")
    assert row(findings, "queue Support").status == CheckStatus.OK


def test_no_secret_and_no_public_url(served: tuple[RTEmulator, str], emu: RTEmulator) -> None:
    findings = diagnose(target(served), DiagnoseContext(webhooks=True), webhook_secret=None)
    assert row(findings, "webhook secret").status == CheckStatus.MISSING
    assert "server.public_url is empty" in row(findings, "notify Scrip").detail


def test_closed_port_is_one_row() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    conn = RTConnector(
        INSTANCE,
        RTTarget("emulator", url, "1-2-" + "a" * 32, "", "", "", "").settings(),
        httpx.Client(timeout=5),
    )
    (only,) = self_test(conn, CONTEXT, url)
    assert only.check == "reach" and only.detail == f"cannot reach {url}: connection refused"
