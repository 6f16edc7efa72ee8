"""Hostile or odd notices of the Request Tracker Scrip: refused with the field named, never
read through ``int(str(...))``, never a crash."""

from __future__ import annotations

import pytest

from connectors.rt.webhooks import parse
from syncd.errors import WebhookError
from syncd.model import Ref

HUGE_INT = "9" * 5000


def _refused(body: bytes) -> str:
    with pytest.raises(WebhookError) as err:
        parse("rt", {}, body)
    assert err.value.status == 400
    return err.value.reason


@pytest.mark.parametrize(
    "ticket", ["1e400", "1e309", HUGE_INT, '"12"', "12.0", "true", "0", "-12", "null"]
)
def test_a_ticket_id_that_is_not_a_positive_integer_is_refused(ticket: str) -> None:
    reason = _refused(f'{{"ticket": {ticket}, "transaction": 345}}'.encode())
    assert reason.startswith("notice: ticket:") or "not JSON" in reason


@pytest.mark.parametrize("txn", ["1e400", '"345"', "[345]"])
def test_a_transaction_id_that_is_not_an_integer_is_refused(txn: str) -> None:
    assert _refused(f'{{"ticket": 12, "transaction": {txn}}}'.encode()).startswith(
        "notice: transaction:"
    )


@pytest.mark.parametrize(("field", "value"), [("queue", "7"), ("type", "[]"), ("types", '"x"')])
def test_other_fields_of_the_wrong_type_are_refused(field: str, value: str) -> None:
    body = f'{{"ticket": 12, "{field}": {value}}}'.encode()
    assert _refused(body).startswith(f"notice: {field}:")


def test_a_notice_without_a_transaction_takes_the_delivery_header() -> None:
    delivery, event, changes = parse("rt", {"X-Syncd-Delivery": "d-1"}, b'{"ticket": 12}')
    assert (delivery, event) == ("d-1", "notice")
    assert [c.ref for c in changes] == [Ref.ticket("rt", 12)]
