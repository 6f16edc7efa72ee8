"""Webhook verification: GitHub's published signature vector, missing, wrong or nearly right
signatures (401), header case, and malformed deliveries (400)."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.github import webhooks
from syncd.errors import WebhookError
from tests.connectors.kit import load

from .conftest import SAMPLES
from .webhook_support import (
    RULES,
    SECRET,
    signed_headers,
)


@pytest.mark.vendor_samples
def test_published_signature_vector_verifies() -> None:
    vector = load(SAMPLES / "signing-test-vectors.json")["github"]
    body = vector["payload"].encode()
    headers = {vector["header"]: vector["expected_header_value"]}
    assert webhooks.sign(vector["secret"], body) == vector["expected_header_value"]
    webhooks.verify(headers, body, vector["secret"])
    with pytest.raises(WebhookError) as err:
        webhooks.verify(headers, body, "another secret")
    assert err.value.status == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=00"},
        {"X-Hub-Signature-256": ""},
        {"X-Hub-Signature": "sha1=0123"},
    ],
)
def test_missing_or_wrong_signature_is_401(headers: dict[str, str]) -> None:
    with pytest.raises(WebhookError) as err:
        webhooks.verify(headers, b"{}", SECRET)
    assert err.value.status == 401


@pytest.mark.parametrize(
    "given",
    [
        lambda good: good.replace("sha256=", "sha1="),  # the right digest under another name
        lambda good: good.replace("sha256=", ""),
        lambda good: good[:-2],  # cut short
        lambda good: good + "00",
        lambda good: good[:-1] + "g",  # not hexadecimal
    ],
)
def test_a_signature_close_to_the_right_one_is_401(given: Any) -> None:
    body = b'{"action": "opened"}'
    with pytest.raises(WebhookError) as err:
        webhooks.verify({"X-Hub-Signature-256": given(webhooks.sign(SECRET, body))}, body, SECRET)
    assert err.value.status == 401


def test_header_names_are_case_insensitive() -> None:
    body = b"{}"
    webhooks.verify({"x-hub-signature-256": webhooks.sign(SECRET, body)}, body, SECRET)


@pytest.mark.parametrize(
    ("event", "body"),
    [
        ("issues", b"{not json"),
        ("issues", b"[1, 2]"),
        ("issues", b'{"action": "opened"}'),
        ("issues", b'{"action": "opened", "issue": {"title": "no number"}}'),
        ("issue_comment", b'{"action": "created", "issue": {}, "comment": {}}'),
        ("", b"{}"),
    ],
)
def test_malformed_deliveries_are_400(event: str, body: bytes) -> None:
    headers = signed_headers(event, body)
    if not event:
        del headers["X-GitHub-Event"]
    with pytest.raises(WebhookError) as err:
        webhooks.parse(headers, body, RULES)
    assert err.value.status == 400
