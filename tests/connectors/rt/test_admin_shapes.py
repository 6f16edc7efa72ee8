"""The REST2 answers ``syncd connectors test`` reads come from the emulator in the shapes a
real RT 5 gave (``data/real-rt-5.0.3-admin.json``, recorded by :mod:`.admin_session`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.rt.emulator import build
from syncd.testing.server import ServerThread

from .admin_session import record_admin_session
from .shapes import shape

RECORDED = json.loads((Path(__file__).parent / "data" / "real-rt-5.0.3-admin.json").read_text())


@pytest.fixture(scope="module")
def emulated() -> dict[str, Any]:
    emu = build()
    with ServerThread(emu.app) as server:
        emu.base_url = server.url
        return record_admin_session(server.url, emu.token("syncd"), emu.token("alice"))


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_same_status_headers_and_shape(emulated: dict[str, Any], name: str) -> None:
    real, emu = RECORDED[name], emulated[name]
    assert emu["status"] == real["status"]
    assert sorted(emu["headers"]) == sorted(real["headers"])
    assert shape(emu["body"]) == shape(real["body"])


def test_the_queue_names_its_custom_fields_and_the_create_link() -> None:
    queue = RECORDED["queue"]["body"]
    assert [c["name"] for c in queue["TicketTransactionCustomFields"]] == ["syncd key"]
    assert "Developer issue" in [c["name"] for c in queue["TicketCustomFields"]]
    assert "create" in [h["ref"] for h in queue["_hyperlinks"]]
    links = {h["ref"] for h in RECORDED["ticket_links"]["body"]["_hyperlinks"]}
    assert {"correspond", "comment", "lifecycle"} <= links
