"""Pure parts of the Request Tracker connector: settings, mapping and notice verification,
checked on the JSON a real RT 5.0.3 answered (``data/real-rt-5.0.3.json``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors.rt import CONNECTOR, RTConnector, RTSettings
from connectors.rt import mapping as m
from connectors.rt.client import token_user_id
from connectors.rt.webhooks import parse, sign, verify
from syncd.errors import WebhookError
from syncd.model import ChangeKind, Priority, Ref, TicketStatus
from syncd.registry import spec

REAL = json.loads((Path(__file__).parent / "data" / "real-rt-5.0.3.json").read_text())


def settings(**kw: object) -> RTSettings:
    return RTSettings.model_validate({"base_url": "http://127.0.0.1:9", "token": "t", **kw})


# -- settings --------------------------------------------------------------------------------


def test_a_missing_credential_is_a_clear_validation_error() -> None:
    with pytest.raises(ValidationError, match="missing credential: set token"):
        RTSettings.model_validate({"kind": "rt", "base_url": "http://rt"})
    with pytest.raises(ValidationError, match="username is missing"):
        RTSettings.model_validate({"base_url": "http://rt", "password": "p"})
    with pytest.raises(ValidationError, match="not both"):
        RTSettings.model_validate(
            {"base_url": "http://rt", "token": "t", "username": "u", "password": "p"}
        )


def test_secrets_come_from_files_too(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("1-27-" + "a" * 32 + "\n")
    s = RTSettings.model_validate({"base_url": "http://rt", "token_file": str(path)})
    assert s.secret("token") == "1-27-" + "a" * 32
    assert "aaaa" not in repr(settings(token="1-27-" + "a" * 32))


def test_base_url_is_the_rt_root() -> None:
    assert settings(base_url="https://rt.example.com/rt/").api_url == (
        "https://rt.example.com/rt/REST/2.0"
    )
    assert settings(base_url="https://rt.example.com/REST/2.0/").base_url == (
        "https://rt.example.com"
    )
    with pytest.raises(ValidationError, match="http"):
        settings(base_url="rt.example.com")
    with pytest.raises(ValidationError, match="between 1 and 100"):
        settings(page_size=500)


def test_priority_bands_are_validated() -> None:
    with pytest.raises(ValidationError, match="above max"):
        settings(priority_map={"high": {"min": 80, "max": 10}})
    with pytest.raises(ValidationError, match="outside"):
        settings(priority_map={"high": {"min": 60, "max": 70, "value": 99}})


# -- statuses and priorities -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rt", "canonical"),
    [
        ("new", TicketStatus.NEW),
        ("open", TicketStatus.OPEN),
        ("stalled", TicketStatus.ON_HOLD),
        ("resolved", TicketStatus.SOLVED),
        ("rejected", TicketStatus.CLOSED),
        ("deleted", TicketStatus.CLOSED),
        ("Resolved", TicketStatus.SOLVED),
    ],
)
def test_stock_statuses(rt: str, canonical: TicketStatus) -> None:
    assert m.status_from_rt(rt, settings().statuses()) == canonical


def test_custom_lifecycle_statuses_from_settings() -> None:
    s = settings(
        status_map={"waiting for vendor": "on_hold", "escalated": "open", "done": "solved"},
        write_status={"on_hold": "waiting for vendor"},
    )
    assert m.status_from_rt("waiting for vendor", s.statuses()) == TicketStatus.ON_HOLD
    assert m.status_from_rt("done", s.statuses()) == TicketStatus.SOLVED
    assert m.status_from_rt("something else", s.statuses()) == TicketStatus.OPEN
    assert m.status_to_rt(TicketStatus.ON_HOLD, s.write_statuses()) == "waiting for vendor"


def test_writing_statuses() -> None:
    writes = settings().write_statuses()
    assert m.status_to_rt(TicketStatus.ON_HOLD, writes) == "stalled"
    assert m.status_to_rt(TicketStatus.PENDING, writes) == "stalled"
    assert m.status_to_rt(TicketStatus.SOLVED, writes) == "resolved"
    assert m.status_to_rt(TicketStatus.CLOSED, writes) == "resolved"
    rejecting = settings(closed_status="rejected").write_statuses()
    assert m.status_to_rt(TicketStatus.CLOSED, rejecting) == "rejected"


@pytest.mark.parametrize(
    ("number", "priority"),
    [
        ("0", Priority.LOW),
        ("24", Priority.LOW),
        ("50", Priority.NORMAL),
        (75, Priority.HIGH),
        ("100", Priority.URGENT),
        ("-3", None),
    ],
)
def test_priority_bands(number: object, priority: Priority | None) -> None:
    assert m.priority_from_rt(number, settings().priorities()) == priority


def test_priority_map_from_settings_round_trips() -> None:
    bands = settings(priority_map={"urgent": {"min": 5, "max": 5}, "low": {"min": 1, "max": 1}})
    priorities = bands.priorities()
    assert m.priority_to_rt(Priority.URGENT, priorities) == 5
    assert m.priority_from_rt("5", priorities) == Priority.URGENT
    for p in Priority:
        assert m.priority_from_rt(m.priority_to_rt(p, priorities), priorities) == p


# -- records ---------------------------------------------------------------------------------


def test_ticket_from_a_real_answer() -> None:
    s = settings()
    raw = REAL["get_ticket"]["body"]
    ticket = m.ticket_from_rt(
        raw,
        connector="rt",
        base_url="https://rt.example.com",
        statuses=s.statuses(),
        priorities=s.priorities(),
        requester="Carol Customer",
        description="it burns",
    )
    assert ticket.ref == Ref.ticket("rt", raw["id"])
    assert ticket.subject == "printer on fire" and ticket.status == TicketStatus.NEW
    assert ticket.group == "General" and ticket.requester == "Carol Customer"
    assert ticket.fields == {"Product": "Widget"}
    assert ticket.url == f"https://rt.example.com/Ticket/Display.html?id={raw['id']}"
    assert ticket.created_at is not None and ticket.created_at.tzinfo is not None
    assert ticket.priority == Priority.LOW


def test_comment_from_a_real_transaction() -> None:
    txn = REAL["transaction"]["body"]
    note = m.comment_from_rt(
        txn, "hello **dev**", connector="rt", ticket_id=1, key_field="syncd key", me="syncd"
    )
    assert note.marker == "k-123" and note.by_syncd and not note.public
    assert note.ref == Ref.comment("rt", txn["id"]) and note.parent == Ref.ticket("rt", 1)
    human = m.comment_from_rt(
        REAL["history"]["body"]["items"][0],
        "x",
        connector="rt",
        ticket_id=1,
        key_field="syncd key",
        me="syncd",
    )
    assert human.public and human.marker is None and not human.by_syncd  # the Create


def test_message_text_prefers_plain_text() -> None:
    assert m.message_text(REAL["transaction_attachments"]["body"]["items"]) == "hello **dev**"
    html = [{"ContentType": "text/html", "Content": "<p>Hi <b>there</b></p>"}]
    assert m.message_text(html) == "Hi there"
    files = [
        {"ContentType": "text/plain", "Content": "log", "Filename": "debug.log"},
        {"ContentType": "text/plain", "Content": "the text\n"},
    ]
    assert m.message_text(files) == "the text"


def test_times_and_numbers() -> None:
    assert m.parse_time("1970-01-01T00:00:00Z") is None
    assert m.parse_time("2026-11-23T19:11:51Z") == datetime(2026, 11, 23, 19, 11, 51, tzinfo=UTC)
    assert m.parse_time("garbage") is None
    assert m.as_int("12") == 12 and m.as_int(None, 7) == 7


def test_refusals_are_found_in_write_answers() -> None:
    assert m.refused(REAL["put_partly_refused"]["body"]) == [REAL["put_partly_refused"]["body"][1]]
    assert m.refused(REAL["correspond_refused_status"]["body"])
    assert m.refused(REAL["comment_with_key_and_status"]["body"]) == []
    assert m.refused(REAL["put_custom_field"]["body"]) == []
    # values are echoed; a value's words are not a refusal
    assert m.refused(["Ticket 3: Subject changed from 'a' to 'login failed: not found'"]) == []
    assert m.refused(["Product can't boot added"]) == []
    assert m.refused(["Unable to load transaction custom field: x"])


def test_display_names_never_show_an_address() -> None:
    assert m.display_name(REAL["user_requestor"]["body"]) == "Carol Customer"
    assert m.display_name({"Name": "bob"}) == "bob"
    assert m.display_name({"Name": "dave@example.com", "RealName": ""}) == "dave"


def test_queries_quote_their_values() -> None:
    q = m.transactions_query(41, ["General", "O'Brien"])
    assert "id > 41" in q and "Type != 'EmailRecord'" in q
    assert "TicketQueue = 'O\\'Brien'" in q
    assert m.transactions_query(41, []).endswith("AND id < 0")
    assert token_user_id("1-27-" + "0" * 32) == 27 and token_user_id("secret") is None


# -- notices ---------------------------------------------------------------------------------

BODY = b'{"ticket":12,"transaction":345,"type":"Correspond","types":["Correspond"]}'


def test_notice_verification() -> None:
    good = {"X-Syncd-Signature": sign(BODY, "s3cret")}
    verify(good, BODY, "s3cret")
    verify({"x-syncd-signature": good["X-Syncd-Signature"]}, BODY, "s3cret")
    for headers, secret in [({}, "s3cret"), (good, "other"), (good, None)]:
        with pytest.raises(WebhookError) as err:
            verify(headers, BODY, secret)
        assert err.value.status == 401
    with pytest.raises(WebhookError) as err:
        verify({"X-Syncd-Signature": "sha256=" + "0" * 64}, BODY + b" ", "s3cret")
    assert err.value.status == 401


@pytest.mark.parametrize("body", [b"{nope", b"[1]", b'{"ticket":"x"}', b'{"transaction":3}'])
def test_malformed_notices_are_400(body: bytes) -> None:
    with pytest.raises(WebhookError) as err:
        parse("rt", {}, body)
    assert err.value.status == 400


def test_notice_parses_into_a_touched_change() -> None:
    delivery, event, changes = parse("rt", {}, BODY)
    assert delivery == "345" and event == "Correspond"
    assert [(c.kind, c.ref, c.source) for c in changes] == [
        (ChangeKind.TOUCHED, Ref.ticket("rt", 12), "webhook")
    ]


def test_registry_finds_the_connector() -> None:
    assert spec("rt") is CONNECTOR
    conn = CONNECTOR.factory("helpdesk", {"kind": "rt", "base_url": "http://x", "token": "t"}, None)
    assert isinstance(conn, RTConnector) and conn.name == "helpdesk"
    conn.close()
