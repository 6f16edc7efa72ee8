"""Every view's JSON against a store holding known links: the figures are exact."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.dashboard.conftest import call
from tests.dashboard.known import RANGE

Filled = tuple[FastAPI, dict[str, int]]


def _get(app: FastAPI, path: str, **params: Any) -> Any:
    r = call(app, path, params={**RANGE, **params})
    assert r.status_code == 200, r.text
    return r.json()


def _stages(
    new: int, in_progress: int, on_hold: int, fixed: int, redirected: int = 0
) -> dict[str, int]:
    closed = fixed + redirected
    return {
        "new": new, "in_progress": in_progress, "on_hold": on_hold, "closed": closed,
        "fixed": fixed, "wont_do": 0, "redirected": redirected,
        "total": new + in_progress + on_hold + closed,
    }  # fmt: skip


def test_overview_stages_per_tier_and_route(filled: Filled) -> None:
    o = _get(filled[0], "/api/dashboard/overview")
    assert o["total"] == 6  # "old" was closed before the range began
    assert o["stages"] == _stages(1, 2, 1, 1, redirected=1)  # fixed and redirected apart
    assert {r["key"]: r["counts"] for r in o["by_tier"]} == {
        "L1": _stages(0, 0, 0, 1, redirected=1),
        "L2": _stages(0, 2, 1, 0),
        "L3": _stages(1, 0, 0, 0),
    }
    assert {r["key"]: r["counts"] for r in o["by_route"]} == {
        "billing": _stages(1, 0, 1, 0),
        "vendor-redirect": _stages(0, 0, 0, 0, redirected=1),
        "widgets": _stages(0, 2, 0, 1),
    }
    assert o["options"] == {
        "tiers": ["L1", "L2", "L3"],
        "routes": ["billing", "vendor-redirect", "widgets"],
    }


def test_overview_times_to_acknowledge_and_resolve(filled: Filled) -> None:
    o = _get(filled[0], "/api/dashboard/overview")
    ack = o["acknowledge"]
    # first developer activity after 2 h, 6 h, 1 h and 3 h
    assert ack["overall"] == {
        "key": "all", "count": 4, "median_hours": 2.5, "p90_hours": 6.0,
        "buckets": [0, 3, 1, 0, 0, 0],
    }  # fmt: skip
    assert [(d["key"], d["count"], d["median_hours"]) for d in ack["by_tier"]] == [
        ("L1", 1, 2.0), ("L2", 3, 3.0), ("L3", 0, None),
    ]  # fmt: skip
    assert [(d["key"], d["count"], d["median_hours"]) for d in ack["by_route"]] == [
        ("billing", 1, 1.0), ("vendor-redirect", 0, None), ("widgets", 3, 3.0),
    ]  # fmt: skip
    res = o["resolve"]["overall"]
    assert (res["count"], res["median_hours"], res["buckets"]) == (1, 50.0, [0, 0, 0, 1, 0, 0])
    assert o["resolve"]["buckets"] == ["< 1 h", "1-4 h", "4-24 h", "1-3 d", "3-7 d", "> 7 d"]


def test_overview_sla_weeks_impact_redirects(filled: Filled) -> None:
    o = _get(filled[0], "/api/dashboard/overview")
    # "late" breached, "waiting" at risk, "recovered" was at risk before it was acknowledged
    assert (o["sla"]["at_risk"], o["sla"]["breached"]) == (1, 1)
    assert [(r["key"], r["at_risk"], r["breached"]) for r in o["sla"]["by_tier"]] == [
        ("L1", 0, 0), ("L2", 1, 0), ("L3", 0, 1),
    ]  # fmt: skip
    quiet = ["2026-01-26", "2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23"]
    assert o["weeks"] == [  # the eight weeks of the range, the quiet ones too
        *({"week": w, "opened": 0, "closed": 0, "at_risk": 0, "breached": 0} for w in quiet),
        {"week": "2026-03-02", "opened": 1, "closed": 0, "at_risk": 0, "breached": 0},
        {"week": "2026-03-09", "opened": 3, "closed": 2, "at_risk": 1, "breached": 1},
        {"week": "2026-03-16", "opened": 2, "closed": 0, "at_risk": 2, "breached": 0},
    ]
    top = [
        (
            r["issue_ref"][-2:],
            r["tickets"],
            r["open_tickets"],
            r["organizations"],
            r["highest_tier"],
        )
        for r in o["impact"]
    ]
    assert top == [
        ("#1", 2, 1, 2, "L2"), ("#2", 1, 1, 1, "L3"), ("#3", 1, 1, 1, "L2"),
        ("#5", 1, 1, 1, "L2"), ("#4", 1, 0, 1, "L1"),
    ]  # fmt: skip
    assert o["impact"][0]["link_id"] == filled[1]["resolved"]
    assert o["redirects"] == [
        {"reason": "route mode is redirect", "route": "vendor-redirect", "count": 1}
    ]


def test_filters_by_tier_route_and_range(filled: Filled) -> None:
    app = filled[0]
    assert _get(app, "/api/dashboard/overview", tier="L2")["stages"] == _stages(0, 2, 1, 0)
    assert _get(app, "/api/dashboard/overview", route="billing")["total"] == 2
    everything = _get(app, "/api/dashboard/overview", **{"from": "2025-12-01"})
    assert everything["total"] == 7
    assert everything["resolve"]["overall"]["median_hours"] == 37.0  # 24 h and 50 h
    last_two_days = _get(app, "/api/dashboard/overview", **{"from": "2026-03-17"})
    assert last_two_days["total"] == 4  # the open ones; none was closed since the 17th
    assert call(app, "/api/dashboard/overview", params={"from": "yesterday"}).status_code == 422


def test_links_list_and_stage_filter(filled: Filled) -> None:
    app, ids = filled
    all_links = _get(app, "/api/dashboard/links")
    assert all_links["total"] == 6
    assert [i["id"] for i in all_links["items"]][:2] == [ids["recovered"], ids["waiting"]]
    on_hold = _get(app, "/api/dashboard/links", stage="on_hold")
    assert [i["id"] for i in on_hold["items"]] == [ids["waiting"]]
    breached = _get(app, "/api/dashboard/links", sla="breached")
    assert [(i["id"], i["stage"], i["ticket_title"]) for i in breached["items"]] == [
        (ids["late"], "new", "Ticket late")
    ]
    page = _get(app, "/api/dashboard/links", limit=2, offset=4)
    assert (page["total"], len(page["items"]), page["offset"]) == (6, 2, 4)


def test_link_page(filled: Filled) -> None:
    app, ids = filled
    p = _get(app, f"/api/dashboard/links/{ids['late']}")
    assert p["link"]["stage"] == "new" and p["link"]["sla"] == "breached"
    assert [e["event"] for e in p["timeline"]] == [
        "escalated", "issue_created", "sla_at_risk", "sla_breached",
    ]  # fmt: skip
    assert p["sla"] == [
        {"kind": "acknowledge", "state": "breached", "deadline": "2026-03-15T16:00:00+00:00",
         "at": "2026-03-15T16:00:00Z", "name": None},
    ]  # fmt: skip
    assert p["helpdesk_sla"] == []  # no helpdesk SLA recorded on its clock
    assert p["ticket"]["url"] == "http://zd/102" and p["ticket"]["people"] == "Ada, Initech"
    assert p["issue"]["url"] == "http://gh/2"  # from the issue_created row
    done = _get(app, f"/api/dashboard/links/{ids['resolved']}")
    assert (done["acknowledge_hours"], done["resolve_hours"]) == (2.0, 50.0)
    told = [e["event"] for e in done["timeline"] if e["to_customer"]]
    assert told == ["resolved"]
    assert call(app, "/api/dashboard/links/9999").status_code == 404


def test_health_view(filled: Filled) -> None:
    h = _get(filled[0], "/api/dashboard/health")
    # SQLite: the one process, leading every role; PostgreSQL: none joined (not started)
    replicas = [(r["alive"], r["leads"]) for r in h.pop("replicas")]
    assert replicas in ([(True, ["jobs"])], [])
    assert h == {
        "connectors": [], "inbox": 0, "outbox": 0, "dead": 0,
        "oldest_inbox_seconds": None, "dead_letters": [],
    }  # fmt: skip


def test_openapi_describes_every_view(filled: Filled) -> None:
    doc = call(filled[0], "/openapi.json").json()
    for path in ("overview", "links", "links/{link_id}", "health"):
        op = doc["paths"][f"/api/dashboard/{path}"]["get"]
        assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert not any(p.startswith("/dashboard") for p in doc["paths"])


def test_pages_render(filled: Filled) -> None:
    app, ids = filled
    for path in (
        "/dashboard",
        "/dashboard/links",
        f"/dashboard/links/{ids['late']}",
        "/dashboard/health",
    ):
        r = call(app, path, params=RANGE)
        assert r.status_code == 200, r.text
        assert "text/html" in r.headers["content-type"]
    css = call(app, "/dashboard/static/dashboard.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert call(app, "/dashboard/static/../api.py").status_code == 404
