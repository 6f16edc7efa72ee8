"""Bad input at the door: each gets its answer, a log line, and leaves the store consistent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from syncd.testing.sandbox import Sandbox


def _deliveries(sb: Sandbox, kind: str) -> list[tuple[str, dict[str, str], bytes]]:
    side = sb.sides[kind]
    side.emulator.control.webhooks.flush()
    return list(side.emulator.control.webhooks.captured)


def _post(sb: Sandbox, kind: str, headers: dict[str, str], body: bytes) -> httpx.Response:
    return httpx.post(f"{sb.url}/webhooks/{kind}", content=body, headers=headers, timeout=10)


def _settle(sb: Sandbox) -> dict[str, int]:
    return sb.settle()


@pytest.mark.parametrize("kind", ["github", "zendesk"])
def test_signature_problems_are_refused(hooked: Sandbox, kind: str) -> None:
    sb = hooked
    sb.helpdesk.create_ticket("Crash", "x", tags=["escalate"])  # deliveries on both sides
    _event, headers, body = _wait_delivery(sb, kind)
    before = _settle(sb)
    sig = [h for h in headers if "signature" in h.lower() and "timestamp" not in h.lower()]
    unsigned = {k: v for k, v in headers.items() if k not in sig}
    r = _post(sb, kind, unsigned, body)
    assert r.status_code == 401, r.text
    wrong = {**headers, sig[0]: headers[sig[0]][:-6] + "AAAAAA"}
    assert _post(sb, kind, wrong, body).status_code == 401
    tampered = body.replace(b"}", b" }", 1)
    assert _post(sb, kind, headers, tampered).status_code == 401
    assert _settle(sb) == before


def _wait_delivery(sb: Sandbox, kind: str) -> tuple[str, dict[str, str], bytes]:
    return sb.wait(f"a {kind} delivery", lambda: _deliveries(sb, kind)[-1:])[0]


@pytest.mark.parametrize("kind", ["github", "zendesk"])
def test_malformed_body_is_400(hooked: Sandbox, kind: str) -> None:
    sb = hooked
    sign = sb.sides[kind].emulator.control.webhooks.sign
    for body in (b"{not json", b"[]", b'{"unexpected": true}'):
        _, headers, _ = (None, {"Content-Type": "application/json", **sign(body)}, body)
        if kind == "github":
            headers |= {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "d-malformed"}
        r = _post(sb, kind, headers, body)
        assert r.status_code == 400, (body, r.status_code, r.text)
        assert "error" in r.json()
    assert _settle(sb)["inbox"] == 0


def test_oversized_body_is_413(hooked: Sandbox) -> None:
    sb = hooked
    assert sb.settings is not None
    big = b'{"pad": "' + b"x" * (sb.settings.server.max_body_bytes + 10) + b'"}'
    r = _post(sb, "github", {"Content-Type": "application/json"}, big)
    assert r.status_code == 413
    assert _settle(sb)["inbox"] == 0


def test_unknown_connector_is_404(hooked: Sandbox) -> None:
    assert _post(hooked, "nosuch", {}, b"{}").status_code == 404


def test_repeated_delivery_is_acknowledged_and_dropped(hooked: Sandbox) -> None:
    sb = hooked
    ticket = sb.helpdesk.create_ticket("Crash", "x", tags=["escalate"])
    assert sb.service is not None
    sb.wait("linked", lambda: sb.service.store.all_links())
    for kind in ("zendesk", "github"):
        for _, headers, body in _deliveries(sb, kind):
            r = _post(sb, kind, headers, body)
            assert r.status_code == 200 and r.json()["status"] == "duplicate"
    _settle(sb)
    assert len(sb.tracker.issues("acme/widgets")) == 1
    handoffs = [c for c in sb.helpdesk.comments(ticket) if c.public and "developers" in c.body]
    assert len(handoffs) == 1


def test_broken_config_fails_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "syncd.yaml"
    bad.write_text(
        "connectors:\n  gh: {kind: github, colour: blue}\nroutes:\n  - name: r\n"
        "    target: {connector: zd, project: x}\n"
    )
    res = subprocess.run(
        [sys.executable, "-m", "syncd.cli", "run", "--once", "-c", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2
    assert f"{bad}: connectors.gh.colour: Extra inputs are not permitted" in res.stderr
    assert "routes.0(r).target.connector: no connector named 'zd'" in res.stderr
    assert "Traceback" not in res.stderr


def test_readyz_and_metrics(hooked: Sandbox) -> None:
    r = httpx.get(f"{hooked.url}/readyz")
    assert r.status_code == 200 and r.json()["ready"] is True
    text = httpx.get(f"{hooked.url}/metrics").text
    assert "syncd_queue_depth" in text
    assert json.loads(httpx.get(f"{hooked.url}/healthz").text) == {"status": "ok"}
