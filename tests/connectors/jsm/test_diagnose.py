"""``syncd connectors test`` for Jira Service Management against the emulated site: the
Jira checks on the service projects, each project as a service desk, and what is missing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syncd.connector import CheckStatus, DiagnoseContext, Finding
from tests.connectors.kit import self_test

from .conftest import Served

HOOK = "http://127.0.0.1:8080/webhooks/jsm"
CONTEXT = DiagnoseContext(webhooks=True, webhook_url=HOOK)


@pytest.fixture
def site(served: Served) -> Iterator[Served]:
    with served.hooked(HOOK) as hooked:
        yield hooked


def _rows(site: Served, **over: object) -> dict[str, Finding]:
    conn = site.connector(**over)
    return {f.check: f for f in self_test(conn, CONTEXT, site.url)}


def test_everything_in_order(site: Served) -> None:
    rows = _rows(site)
    assert rows["credentials"].status == CheckStatus.OK
    desk = rows["HELP: service desk"]
    assert desk.status == CheckStatus.OK and "Get IT help" in desk.detail
    assert rows["HELP: permissions"].status == CheckStatus.OK
    assert rows["webhook"].status == CheckStatus.OK
    assert "HELP: project" not in rows  # a helpdesk creates no issues: no issue-type check


def test_a_project_that_is_no_service_desk(site: Served) -> None:
    rows = _rows(site, projects=["HELP", "WID"])
    missing = rows["WID: service desk"]
    assert missing.status == CheckStatus.MISSING and "Service Desk Team" in missing.fix
    assert rows["HELP: service desk"].status == CheckStatus.OK


def test_missing_permission_and_refused_credentials(site: Served) -> None:
    site.emu.admin.deny("syncd-bot", "HELP", "TRANSITION_ISSUES")
    assert _rows(site)["HELP: permissions"].status == CheckStatus.MISSING
    bad = {"api_token": "wrong"} if site.flavour == "cloud" else {"pat": "wrong"}
    rows = _rows(site, **bad)
    assert list(rows) == ["credentials"] and rows["credentials"].status == CheckStatus.MISSING
