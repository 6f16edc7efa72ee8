"""A validly signed delivery of the wrong shape is answered 400, never 5xx: the log line
of the refusal names the field and carries no secret, and nothing of it is stored. A parser
that fails otherwise than by refusing (a bug) is answered 400 too, and logged loudly."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
from structlog.testing import capture_logs

from connectors.github.webhooks import sign
from syncd.connector import Capability, WebhookResult
from syncd.daemon.app import create_app
from syncd.daemon.service import Service
from syncd.store.repository import Store
from tests.daemon.conftest import BODY, SECRET
from tests.daemon.intake_kit import client, count, run


def _post(service: Service, name: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    app = create_app(service, manage=False)

    async def scenario() -> httpx.Response:
        async with app.router.lifespan_context(app), client(app) as c:
            return await c.post(f"/webhooks/{name}", content=body, headers=headers)

    answer: httpx.Response = run(scenario())
    return answer


def test_a_huge_number_is_400_with_the_field_in_the_log_and_no_secret(
    service: Service, store: Store
) -> None:
    doc = json.loads(BODY)
    body = json.dumps(doc).encode().replace(b'"number": 1,', b'"number": 1e400,', 1)
    assert b"1e400" in body
    signature = sign(SECRET, body)
    headers = {
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": "huge",
        "X-Hub-Signature-256": signature,
    }
    with capture_logs() as logs:
        answer = _post(service, "github", body, headers)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("body: issue.number:")
    (line,) = [e for e in logs if e["event"] == "webhook.rejected"]
    assert line["status"] == 400 and "issue.number" in line["reason"]
    assert SECRET not in repr(logs) and signature.removeprefix("sha256=") not in repr(logs)
    assert count(store, "SELECT count(*) FROM deliveries") == 0
    assert count(store, "SELECT count(*) FROM inbox") == 0


class _Broken:
    """A connector whose parser fails otherwise than by refusing the delivery."""

    capabilities = frozenset({Capability.WEBHOOKS})

    def webhooks_offline(self) -> bool:
        return True

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        return None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        raise OverflowError("cannot convert float infinity to integer")

    def close(self) -> None:
        return None


def test_a_parser_that_breaks_is_answered_400_and_logged_with_its_traceback(
    service: Service, store: Store
) -> None:
    broken: Any = _Broken()
    service.connectors["broken"] = broken
    with capture_logs() as logs:
        answer = _post(service, "broken", b'{"n": 1e400}', {})
    assert answer.status_code == 400
    assert answer.json() == {"error": "the delivery could not be read (OverflowError)"}
    (failed,) = [e for e in logs if e["event"] == "webhook.parse_failed"]
    assert failed["log_level"] == "error" and failed["connector"] == "broken"
    assert failed["error"] == "OverflowError" and failed["exc_info"] is True
    assert count(store, "SELECT count(*) FROM deliveries") == 0


def test_a_delivery_id_the_store_cannot_hold_is_400(service: Service, store: Store) -> None:
    # the id comes from a header nobody signs; PostgreSQL would refuse the row (a 503 forever)
    for delivery in ("d" * 201, "d\tx"):
        headers = {
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": sign(SECRET, BODY),
        }
        answer = _post(service, "github", BODY, headers)
        assert answer.status_code == 400
        assert answer.json()["error"].startswith("delivery id:")
    assert count(store, "SELECT count(*) FROM deliveries") == 0
