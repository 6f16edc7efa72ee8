"""The dashboard in a real headless Chromium (Debian's, driven by Playwright's Python package):
every chart is drawn, the figures shown equal the API's, a link's page opens, a filter applies;
and a ticket's conversation page opens from its signed link, refused once expired or forged.

Screenshots go to a temporary folder whose paths are printed. When no browser can be had the
test is skipped with the reason printed (``./dev test`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncd.demo.history import seed_sandbox
from syncd.model import Ref
from syncd.testing.sandbox import Sandbox

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHARTS = (
    "stages-tier", "stages-route", "weeks", "sla-weeks",
    "ack-dist", "ack-tier", "ack-route", "resolve-dist", "resolve-tier", "resolve-route",
    "contact-dist", "contact-tier", "contact-route",
)  # fmt: skip


def _skip(reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\nSKIPPING the real-browser dashboard test: {reason}")
    pytest.skip(reason)


@pytest.fixture
def browser(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _skip(f"Playwright's Python package is missing ({exc}); run ./dev test", capsys)
    if not Path(CHROMIUM).exists():
        _skip(f"no Chromium at {CHROMIUM}; ./dev test installs Debian's chromium", capsys)
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        except Exception as exc:  # a browser that will not start is a reason, not a failure
            _skip(f"Chromium at {CHROMIUM} did not start: {exc}", capsys)
        yield b
        b.close()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Sandbox]:
    sb = Sandbox(folder=tmp_path, webhooks=True, poll_interval=3600.0)
    sb.start()
    try:
        seed_sandbox(sb)
        yield sb
    finally:
        sb.stop()


def _api(sb: Sandbox, path: str, **params: Any) -> Any:
    r = httpx.get(f"{sb.url}/api/dashboard/{path}", params=params)
    r.raise_for_status()
    return r.json()


def _drawn(page: Any, name: str) -> list[tuple[str, str, int]]:
    """(row, series, value) of every mark of chart ``name``, after checking it has a size."""
    chart = page.locator(f'svg[data-chart="{name}"]')
    assert chart.count() == 1, name
    box = chart.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 20, (name, box)
    marks = chart.locator("rect[data-value]")
    assert marks.count() > 0, f"chart {name} draws nothing"
    return [
        (m.get_attribute("data-row") or "", m.get_attribute("data-series") or "",
         int(float(m.get_attribute("data-value") or 0)))
        for m in marks.all()
    ]  # fmt: skip


def _figure(page: Any, name: str) -> str:
    return str(page.locator(f'[data-figure="{name}"]').first.inner_text()).strip()


def test_dashboard_in_a_real_browser(
    browser: Any, demo: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    sb = demo
    shots = Path(tempfile.mkdtemp(prefix="syncd-dashboard-"))
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    # the overview: every chart drawn, the figures are the API's
    page.goto(sb.url + "/dashboard")
    api = _api(sb, "overview")
    assert api["total"] >= 200
    for name in CHARTS:
        _drawn(page, name)
    assert _figure(page, "total") == str(api["total"])
    assert _figure(page, "open") == str(api["total"] - api["stages"]["closed"])
    assert _figure(page, "at_risk") == str(api["sla"]["at_risk"])
    assert _figure(page, "breached") == str(api["sla"]["breached"])
    ack = page.locator('[data-figure="ack_median"]').get_attribute("data-hours")
    assert float(ack or 0) == api["acknowledge"]["overall"]["median_hours"]
    order = ("new", "in_progress", "on_hold", "fixed", "wont_do", "redirected")
    want = {(r["key"], s, r["counts"][s]) for r in api["by_tier"] for s in order if r["counts"][s]}
    assert set(_drawn(page, "stages-tier")) == want
    want = {(w["week"][5:], s, w[s]) for w in api["weeks"] for s in ("opened", "closed")}
    assert set(_drawn(page, "weeks")) == want
    assert [v for _, _, v in _drawn(page, "ack-dist")] == api["acknowledge"]["overall"]["buckets"]
    contact = api["first_contact"]["overall"]
    assert contact["count"] > 0  # the history has developers writing to customers
    assert [v for _, _, v in _drawn(page, "contact-dist")] == contact["buckets"]
    fixed = sum(r["counts"]["fixed"] for r in api["by_tier"])
    assert fixed and sum(r["counts"]["wont_do"] for r in api["by_tier"])  # told apart
    assert page.locator('meta[http-equiv="refresh"]').get_attribute("content") == "60"
    cells = page.locator('table[data-table="impact"] [data-cell="tickets"]').all_inner_texts()
    assert [int(c) for c in cells] == [r["tickets"] for r in api["impact"]]
    page.screenshot(path=str(shots / "overview.png"), full_page=True)

    # follow a link to its page
    first = page.locator('table[data-table="links"] a').first
    first.click()
    page.wait_for_url(re.compile(r"/dashboard/links/\d+$"))
    link_id = int(page.url.rsplit("/", 1)[1])
    detail = _api(sb, f"links/{link_id}")
    assert page.locator("h1").inner_text().strip() == detail["ticket"]["title"]
    assert page.locator("ol.timeline li").count() == len(detail["timeline"])
    assert page.locator('[data-side="issue"] a').get_attribute("href") == detail["issue"]["url"]
    page.screenshot(path=str(shots / "link.png"), full_page=True)

    # apply a filter: the URL carries it, the figures follow it
    page.goto(sb.url + "/dashboard")
    page.select_option("#f-tier", "L2")
    page.select_option("#f-days", "30")
    page.click("#f-apply")
    page.wait_for_url(re.compile(r"tier=L2"))
    assert "days=30" in page.url
    filtered = _api(sb, "overview", tier="L2", days=30)
    assert _figure(page, "total") == str(filtered["total"]) != str(api["total"])
    assert page.locator("#f-tier").input_value() == "L2"
    assert {row for row, _, _ in _drawn(page, "stages-tier")} == {"L2"}
    page.screenshot(path=str(shots / "filtered.png"), full_page=True)
    shared = browser.new_page()
    shared.goto(page.url)  # the same URL shows the same view
    assert _figure(shared, "total") == str(filtered["total"])
    shared.close()

    # sync health
    page.goto(sb.url + "/dashboard/health")
    health = _api(sb, "health")
    assert page.locator("table[data-table=connectors] tbody tr").count() == len(
        health["connectors"]
    )
    assert _figure(page, "dead") == str(health["dead"])
    page.screenshot(path=str(shots / "health.png"), full_page=True)

    assert not errors, errors
    with capsys.disabled():
        print("\ndashboard screenshots:")
        for png in sorted(shots.glob("*.png")):
            print(f"  {png}")


def test_history_page_in_a_real_browser(browser: Any, tmp_path: Path) -> None:
    """A ticket's conversation page, opened from the link on a public issue; refused once
    its link is expired or forged."""
    sb = Sandbox(folder=tmp_path, webhooks=True, poll_interval=3600.0)
    sb.start()
    try:
        hd = sb.helpdesk
        ticket = hd.create_ticket("Export to CSV crashes", "Crashes every time.", tags=[])
        hd.comment(ticket, "Logs are at ada@example.com's desk.", public=True, files=("csv.log",))
        sb.sides["zendesk"].emulator.update(int(ticket.key), tags=["escalate"])
        url = sb.wait("history link", lambda: _history_link(sb, ticket))
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        opened = page.goto(url)
        assert opened is not None and opened.status == 200
        assert _figure(page, "subject") == "Export to CSV crashes"
        messages = page.locator("[data-entry]")
        assert messages.count() == 3  # the description, the reply, the hand-off
        reply = messages.nth(1).inner_text()
        assert "[redacted]" in reply and "ada@example.com" not in reply and "csv.log" in reply
        assert page.locator('[data-section="timeline"] li[data-event="history_shared"]').count()
        page.screenshot(path=str(tmp_path / "history.png"), full_page=True)

        forged = page.goto(url.replace("sig=", "sig=0"))
        assert forged is not None and forged.status == 403
        assert "not valid" in _figure(page, "why")
        assert sb.service is not None
        link_id = int(url.split("/history/")[1].split("?")[0])
        past = sb.service.rules.signer.url(link_id, datetime.now(UTC) - timedelta(hours=1))
        expired = page.goto(past)
        assert expired is not None and expired.status == 403
        assert "expired" in _figure(page, "why")
        page.close()
    finally:
        sb.stop()


def _history_link(sb: Sandbox, ticket: Any) -> str | None:
    """The signed page link syncd wrote on the ticket's issue, once it is there."""
    assert sb.service is not None
    with sb.service.store.tx() as tx:
        link = sb.service.store.link_for_ticket(tx, str(ticket))
    if link is None:
        return None
    issue = Ref.parse(link.issue_ref)
    for c in sb.tracker.comments(issue):
        found = re.search(r"http://\S+/history/\d+\?exp=\d+&sig=[0-9a-f]+", c.body)
        if found:
            return found.group(0)
    return None
