"""The syncd notify Scrip: a real RT posts a signed notice to a local receiver whenever a
ticket changes, and the connector accepts it; the emulator sends the same notice."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from connectors.rt.emulator import build
from syncd.errors import NotFound, WebhookError
from syncd.model import ChangeKind, TicketStatus
from syncd.testing.server import free_port
from tests.realservers.rt_server import NoticeReceiver

from .harness import RTHarness, RTTarget


def test_notice_arrives_when_a_human_changes_a_ticket(rt_real: RTTarget) -> None:
    receiver: NoticeReceiver = rt_real.extra["receiver"]
    harness = RTHarness(rt_real)
    ref = harness.human_create(f"scrip {uuid.uuid4().hex[:6]}")
    created = receiver.wait_for(lambda d: d.get("ticket") == int(ref.key))
    assert created is not None, "no notice for the new ticket (TransactionBatch stage)"
    headers, body = created
    assert json.loads(body)["type"] == "Create"
    harness.connector.verify_webhook(headers, body)
    result = harness.connector.parse_webhook(headers, body)
    assert [c.ref for c in result.changes] == [ref]
    assert result.changes[0].kind == ChangeKind.TOUCHED
    assert result.changes[0].source == "webhook"
    assert result.delivery_id == str(json.loads(body)["transaction"])

    note = harness.human_comment(ref, "a human note", public=False)
    noticed = receiver.wait_for(lambda d: d.get("transaction") == int(note.key))
    assert noticed is not None and json.loads(noticed[1])["type"] == "Comment"


def test_one_notice_per_request_batch(rt_real: RTTarget) -> None:
    receiver: NoticeReceiver = rt_real.extra["receiver"]
    harness = RTHarness(rt_real)
    ref = harness.human_create("batch")
    harness.connector.update_ticket(
        ref, status=TicketStatus.ON_HOLD, comment="waiting", public=False, key="k-batch"
    )
    notice = receiver.wait_for(
        lambda d: d.get("ticket") == int(ref.key) and "Comment" in d.get("types", [])
    )
    assert notice is not None
    payload = json.loads(notice[1])
    # the note and the status change of one REST2 call arrive as one notice
    assert payload["types"] == ["Comment", "Status"]
    assert payload["type"] == "Status"


def test_notice_signed_with_another_secret_is_refused(rt_real: RTTarget) -> None:
    receiver: NoticeReceiver = rt_real.extra["receiver"]
    harness = RTHarness(rt_real)
    ref = harness.human_create("wrong secret")
    notice = receiver.wait_for(lambda d: d.get("ticket") == int(ref.key))
    assert notice is not None
    other = rt_real.connector(webhook_secret="not-the-secret")
    with pytest.raises(WebhookError) as err:
        other.verify_webhook(*notice)
    assert err.value.status == 401


def test_emulator_notice_has_the_scrip_shape(rt_target: RTTarget) -> None:
    harness = RTHarness(rt_target)
    ref = harness.human_create("shape")
    if rt_target.kind == "real":
        receiver: NoticeReceiver = rt_target.extra["receiver"]
        notice = receiver.wait_for(lambda d: d.get("ticket") == int(ref.key))
    else:
        notice = rt_target.last_webhook()
    assert notice is not None
    headers, body = notice
    assert body.startswith(b'{"queue":')  # canonical key order, compact, like the Perl side
    assert set(json.loads(body)) == {"queue", "ticket", "transaction", "type", "types"}
    names = {k.lower() for k in headers}
    assert {"x-syncd-signature", "x-syncd-delivery", "content-type"} <= names


def test_emulator_posts_notices_to_a_configured_url(rt_emulator: RTTarget) -> None:
    receiver = NoticeReceiver(free_port()).start()
    try:
        url = f"http://127.0.0.1:{receiver.server.server_address[1]}/rt-notice"
        emu = build(webhook_url=url, webhook_secret=rt_emulator.webhook_secret)
        tid = emu.human_create("pushed")
        assert emu.control.webhooks.flush()
        notice = receiver.wait_for(lambda d: d.get("ticket") == tid)
        assert notice is not None
        conn = rt_emulator.connector()
        conn.verify_webhook(*notice)
        assert conn.parse_webhook(*notice).changes[0].ref.key == str(tid)
        emu.control.webhooks.close()
    finally:
        receiver.stop()


def test_emulator_reset_keeps_the_credentials(rt_emulator: RTTarget) -> None:
    harness = RTHarness(rt_emulator)
    ref = harness.human_create("gone after reset")
    reset = httpx.post(f"{rt_emulator.base_url}/_emulator/reset")
    assert reset.status_code == 200
    assert harness.connector.check() == "syncd"
    with pytest.raises(NotFound):
        harness.connector.get_ticket(ref)


def test_notices_from_queues_outside_the_settings_yield_no_change(rt_target: RTTarget) -> None:
    harness = RTHarness(rt_target)
    ref = harness.human_create("elsewhere", queue="Support")
    if rt_target.kind == "real":
        receiver: NoticeReceiver = rt_target.extra["receiver"]
        notice = receiver.wait_for(lambda d: d.get("ticket") == int(ref.key))
    else:
        notice = rt_target.last_webhook()
    assert notice is not None and json.loads(notice[1])["queue"] == "Support"
    general_only = rt_target.connector(queues=["General"])
    general_only.verify_webhook(*notice)
    assert general_only.parse_webhook(*notice).changes == []
    assert harness.connector.parse_webhook(*notice).changes[0].ref == ref
