"""The endpoints ``syncd connectors test`` reads answer in Zendesk's shapes: ticket fields and
the current user against Zendesk's published description, webhooks as the Webhooks API
documents them (that API is not in the published description the samples hold)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator

import httpx
import jsonschema
import pytest

from connectors.zendesk.emulator import ZendeskEmulator

from .conftest import SAMPLES
from .test_emulator_schema import _relax, check, spec

EXAMPLES = SAMPLES / "zendesk" / "openapi" / "examples"
WEBHOOK_KEYS = {
    "id",
    "name",
    "status",
    "subscriptions",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "endpoint",
    "http_method",
    "request_format",
}


@pytest.fixture
def emu(served: tuple[ZendeskEmulator, str]) -> Iterator[ZendeskEmulator]:
    emulator, _ = served
    emulator.admin.add_field(89, "Age")
    emulator.admin.register("http://127.0.0.1:8080/webhooks/zd")
    yield emulator
    emulator.admin.clear()


def client(url: str, who: str = "syncd@example.com", token: str = "syncd-token") -> httpx.Client:
    return httpx.Client(base_url=url, auth=(f"{who}/token", token), timeout=5)


@pytest.mark.vendor_samples
def test_ticket_field_matches_the_description_and_the_example(
    served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator
) -> None:
    with client(served[1]) as api:
        body = api.get("/api/v2/ticket_fields/89.json").json()
        missing = api.get("/api/v2/ticket_fields/90.json")
    schema = {"$ref": "#/components/schemas/TicketFieldResponse"}
    schema["components"] = {"schemas": _relax(copy.deepcopy(spec()["components"]["schemas"]))}
    jsonschema.Draft7Validator(schema).validate(body)
    example = json.loads((EXAMPLES / "TicketFieldResponseExample.json").read_text())["value"]
    assert set(example["ticket_field"]) <= set(body["ticket_field"])
    assert body["ticket_field"]["url"].endswith("/api/v2/ticket_fields/89.json")
    assert missing.status_code == 404
    assert missing.json() == {"error": "RecordNotFound", "description": "Not found"}


@pytest.mark.vendor_samples
@pytest.mark.parametrize(
    ("who", "token", "role"),
    [
        ("syncd@example.com", "syncd-token", "admin"),
        ("agent@example.com", "agent-token", "agent"),
        ("customer@example.com", "customer-token", "end-user"),
    ],
)
def test_current_user_of_each_role(
    served: tuple[ZendeskEmulator, str], who: str, token: str, role: str
) -> None:
    with client(served[1], who, token) as api:
        body = api.get("/api/v2/users/me.json").json()
    check(body, "/api/v2/users/me")
    assert body["user"]["role"] == role


def test_webhooks_list_and_signing_secret(
    served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator
) -> None:
    for n in range(2):
        emu.admin.register(f"https://elsewhere.example/{n}")
    with client(served[1]) as api:
        first = api.get("/api/v2/webhooks", params={"page[size]": 2}).json()
        rest = api.get(first["links"]["next"]).json()
        secret = api.get(f"/api/v2/webhooks/{first['webhooks'][0]['id']}/signing_secret")
    assert [set(w) for w in first["webhooks"]] == [WEBHOOK_KEYS, WEBHOOK_KEYS]
    assert first["meta"]["has_more"] is True and rest["meta"]["has_more"] is False
    assert len(first["webhooks"]) + len(rest["webhooks"]) == 3
    assert secret.json() == {"signing_secret": {"algorithm": "SHA256", "secret": emu.secret}}
    assert all("secret" not in json.dumps(w) for w in first["webhooks"])


@pytest.mark.parametrize("path", ["/api/v2/webhooks", "/api/v2/webhooks/x/signing_secret"])
def test_webhooks_are_for_admins(
    served: tuple[ZendeskEmulator, str], emu: ZendeskEmulator, path: str
) -> None:
    with client(served[1], "agent@example.com", "agent-token") as api:
        denied = api.get(path)
    assert denied.status_code == 403
    assert denied.json() == {
        "error": "Forbidden",
        "description": "You do not have access to this page.",
    }


def test_the_implicit_webhook_is_the_one_the_emulator_delivers_to(
    served: tuple[ZendeskEmulator, str],
) -> None:
    emu, url = served
    emu.control.webhooks.configure("http://127.0.0.1:9/webhooks/zd")
    try:
        with client(url) as api:
            (hook,) = api.get("/api/v2/webhooks").json()["webhooks"]
    finally:
        emu.control.webhooks.configure(None)
    assert hook["endpoint"] == "http://127.0.0.1:9/webhooks/zd" and hook["status"] == "active"
    assert all(s.startswith("zen:event-type:ticket.") for s in hook["subscriptions"])
