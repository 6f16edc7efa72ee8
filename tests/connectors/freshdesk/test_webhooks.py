"""Freshdesk's automation-rule webhooks: the secret header or basic credentials checked in
constant time, everything else refused with 401 and a reason that names what is wrong and
never a secret; bodies read for the ticket's id only, anything else refused with 400."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from structlog.testing import capture_logs

from connectors.freshdesk.emulator import config
from connectors.freshdesk.webhooks import parse, verify_basic, verify_header
from syncd.errors import WebhookError
from syncd.model import ChangeKind, Ref
from tests.webhook_fuzz import door

SECRET = "rule-secret-42"
HEADER = "X-Syncd-Webhook-Secret"
HUGE_INT = "9" * 5000


def _basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def _refused(check: Any, *args: Any) -> str:
    with pytest.raises(WebhookError) as err:
        check(*args)
    assert err.value.status == 401
    assert SECRET not in err.value.reason and "guess" not in err.value.reason
    return err.value.reason


def test_the_secret_header_is_checked_by_any_case_of_its_name() -> None:
    verify_header({HEADER.lower(): SECRET}, HEADER, SECRET)
    verify_header({"x-SYNCD-webhook-secret": f" {SECRET} "}, HEADER, SECRET)
    assert "missing" in _refused(verify_header, {}, HEADER, SECRET)
    assert "missing" in _refused(verify_header, {HEADER: ""}, HEADER, SECRET)
    assert "wrong secret" in _refused(verify_header, {HEADER: "guessed"}, HEADER, SECRET)
    assert "wrong secret" in _refused(verify_header, {HEADER: SECRET[:-1]}, HEADER, SECRET)
    # the secret as basic credentials does not stand for the header
    assert "missing" in _refused(verify_header, _basic("syncd", SECRET), HEADER, SECRET)


def test_basic_credentials_need_both_the_user_and_the_secret() -> None:
    verify_basic(_basic("syncd", SECRET), "syncd", SECRET)
    assert "wrong basic" in _refused(verify_basic, _basic("other", SECRET), "syncd", SECRET)
    assert "wrong basic" in _refused(verify_basic, _basic("syncd", "guessed"), "syncd", SECRET)
    no_colon = {"Authorization": "Basic " + base64.b64encode(b"syncd").decode()}
    assert "wrong basic" in _refused(verify_basic, no_colon, "syncd", SECRET)
    assert "not base64" in _refused(verify_basic, {"Authorization": "Basic %%%"}, "syncd", SECRET)
    bearer = {"Authorization": f"Bearer {SECRET}"}
    assert "missing basic" in _refused(verify_basic, bearer, "syncd", SECRET)
    assert "missing basic" in _refused(verify_basic, {HEADER: SECRET}, "syncd", SECRET)


@pytest.mark.parametrize(
    "body",
    [
        {"ticket_id": 51},
        {"ticket_id": "51"},
        {"ticket_id": " 51 ", "event": "Status changed from Open to Pending"},
        {"freshdesk_webhook": {"ticket_id": 51, "ticket_subject": "x"}},
        {"ticket_id": 51, "ticket_status": "Pending", "anything": [1, {"else": None}]},
    ],
)
def test_a_rule_body_names_the_ticket_to_read_again(body: dict[str, Any]) -> None:
    result = parse(json.dumps(body).encode(), "fd")
    (change,) = result.changes
    assert change.kind == ChangeKind.TOUCHED and change.ref == Ref.ticket("fd", 51)
    assert change.source == "webhook" and result.delivery_id is None


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"{not json", "not JSON"),
        (b"[51]", "not a JSON object"),
        (b'{"id": 51}', "no ticket_id"),
        (b'{"ticket_id": 0}', "body: ticket_id:"),
        (b'{"ticket_id": -4}', "body: ticket_id:"),
        (b'{"ticket_id": 5.0}', "body: ticket_id:"),
        (b'{"ticket_id": true}', "body: ticket_id:"),
        (b'{"ticket_id": "#51"}', "body: ticket_id:"),
        (b'{"ticket_id": "\xd9\xa1"}', "body: ticket_id:"),
        (b'{"ticket_id": null}', "body: ticket_id:"),
        (f'{{"ticket_id": {2**63}}}'.encode(), "body: ticket_id:"),
        (f'{{"ticket_id": {HUGE_INT}}}'.encode(), "not JSON"),
        (b'{"ticket_id": 1e400}', "body: ticket_id:"),
        (b'{"ticket_id": 5, "event": 7}', "body: event:"),
        (json.dumps({"ticket_id": 5, "event": "e" * 201}).encode(), "body: event:"),
        (b'{"freshdesk_webhook": "51"}', "body: freshdesk_webhook:"),
        (b'{"freshdesk_webhook": {"id": 51}}', "body: freshdesk_webhook.ticket_id:"),
    ],
)
def test_a_body_without_a_ticket_id_is_refused_with_what_is_wrong(body: bytes, why: str) -> None:
    with pytest.raises(WebhookError) as err:
        parse(body, "fd")
    assert err.value.status == 400 and why in err.value.reason, err.value.reason


@pytest.mark.parametrize("auth", ["header", "basic"])
def test_the_daemon_refuses_unauthenticated_deliveries_with_a_log_and_no_secret(
    store_url: str, auth: str
) -> None:
    settings = config("http://127.0.0.1:9", SECRET) | {"webhook_auth": auth}
    body = b'{"ticket_id": 51}'
    good = {HEADER: SECRET} if auth == "header" else _basic("syncd", SECRET)
    with door(store_url, "freshdesk", settings) as daemon:
        for wrong in ({}, {HEADER: "guessed"}, _basic("syncd", "guessed"), _basic("x", SECRET)):
            with capture_logs() as logs:
                status, doc = daemon.post(body, {"Content-Type": "application/json", **wrong})
            assert status == 401, doc
            (line,) = [e for e in logs if e["event"] == "webhook.rejected"]
            assert line["status"] == 401 and line["reason"] == doc["error"]
            assert SECRET not in repr(logs) and "guessed" not in repr(logs)
        status, _ = daemon.post(body, {"Content-Type": "application/json", **good})
        assert status == 202
        assert daemon.stored()[0] == 1
