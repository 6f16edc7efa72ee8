"""A route to a supplier by mail shares what leaves the organisation only when it says so:
no ticket conversation, no reply to the customer through the ticket, unless set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from syncd.settings import parse

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "example.yaml"


def _routes(**supplier: Any) -> dict[str, Any]:
    raw = yaml.safe_load(EXAMPLE.read_text())
    route = next(r for r in raw["routes"] if r["name"] == "printer-supplier")
    route.pop("history", None)
    route.pop("handoff", None)
    route.update(supplier)
    settings = parse(raw, str(EXAMPLE), read_files=False)
    return {r.name: r for r in settings.routes}


def test_a_supplier_route_shares_no_conversation_and_takes_no_customer_reply_by_default() -> None:
    routes = _routes()
    supplier, widgets = routes["printer-supplier"], routes["widgets"]
    assert supplier.history.mode == "off"
    assert supplier.handoff.customer_prefix is None
    # the organisation's own developers keep the defaults
    assert widgets.history.mode != "off" and widgets.handoff.customer_prefix == "/customer"


def test_what_a_supplier_route_sets_itself_stands() -> None:
    routes = _routes(history={"mode": "link"}, handoff={"customer_prefix": "/to-customer"})
    supplier = routes["printer-supplier"]
    assert supplier.history.mode == "link"
    assert supplier.handoff.customer_prefix == "/to-customer"
