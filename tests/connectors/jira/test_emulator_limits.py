"""The Jira emulator keeps a configurable per-user budget and answers past it as Jira Cloud
documents: 429, ``Retry-After`` in seconds, ``X-RateLimit-Limit/-Remaining/-Reset`` (an ISO
time), ``X-RateLimit-NearLimit`` and ``RateLimit-Reason``, Jira's error collection as the
body. Time is a test clock: nothing sleeps."""

from __future__ import annotations

import base64
import json
from datetime import datetime

import jsonschema
import pytest

from connectors.jira.emulator import build
from connectors.jira.emulator.limits import JiraLimits
from syncd.ratelimit import RateBudget
from tests.emulated import ManualClock, served

from .conftest import SAMPLES

ALICE = {"Authorization": "Basic " + base64.b64encode(b"alice@example.com:alice-token").decode()}
BOB = {"Authorization": "Basic " + base64.b64encode(b"bob@example.com:bob-token").decode()}
MYSELF = "/rest/api/3/myself"


def test_the_budget_then_429_with_jiras_headers() -> None:
    clock = ManualClock()
    emu = build("cloud", limits={"requests": 10, "seconds": 60}, clock=clock)
    with served(emu.app) as http:
        answers = [http.get(MYSELF, headers=ALICE) for _ in range(10)]
        assert [a.status_code for a in answers] == [200] * 10
        assert answers[0].headers["X-RateLimit-Limit"] == "10"
        assert answers[-1].headers["X-RateLimit-Remaining"] == "0"
        assert answers[-1].headers["X-RateLimit-NearLimit"] == "true"  # under a fifth left
        clock.advance(20)
        refused = http.get(MYSELF, headers=ALICE)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "40"
        assert refused.headers["RateLimit-Reason"] == "jira-quota-per-user-based"
        reset = datetime.fromisoformat(refused.headers["X-RateLimit-Reset"].replace("Z", "+00:00"))
        assert reset.timestamp() == clock.now + 40
        seen = RateBudget.from_headers(
            refused.headers,
            limit=("X-RateLimit-Limit",),
            remaining=("X-RateLimit-Remaining",),
            reset=("X-RateLimit-Reset",),
            reset_form="iso",
        )
        assert seen is not None and (seen.limit, seen.remaining) == (10, 0)
        assert emu.control.refused["requests"] == 1
        assert http.get(MYSELF, headers=BOB).status_code == 200  # each user: their own
        clock.advance(40)
        assert http.get(MYSELF, headers=ALICE).status_code == 200


def test_the_default_budget_is_settable_and_can_be_lifted() -> None:
    assert build("cloud").limits == JiraLimits(requests=1000, seconds=60.0)
    lifted = build("cloud", limits=JiraLimits.lifted(), clock=ManualClock())
    with served(lifted.app) as http:
        assert all(http.get(MYSELF, headers=ALICE).status_code == 200 for _ in range(50))


@pytest.mark.vendor_samples
def test_the_429_body_is_jiras_error_collection() -> None:
    spec = json.loads((SAMPLES / "openapi-cloud/swagger-v3.v3.sync-subset.json").read_text())
    schema = spec["components"]["schemas"]["ErrorCollection"]
    emu = build("cloud", limits={"requests": 1}, clock=ManualClock())
    with served(emu.app) as http:
        http.get(MYSELF, headers=ALICE)
        refused = http.get(MYSELF, headers=ALICE)
    assert refused.status_code == 429
    jsonschema.validate(refused.json(), schema)
