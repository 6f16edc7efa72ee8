"""The dashboard's HTML pages: jinja2 templates and SVG charts, all served from the package.

Every page renders the object its ``/api/dashboard/...`` call returns; the filters live in the
URL (``?days=30&tier=L2&route=widgets``) so a view can be shared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from syncd import __version__
from syncd.daemon.api import FilterDep, Views, access
from syncd.dashboard import charts
from syncd.dashboard.overview import BUCKETS
from syncd.store import analytics

HERE = Path(__file__).parent
STATIC = {"dashboard.css": "text/css"}
RANGES = ((7, "7 days"), (30, "30 days"), (56, "8 weeks"), (90, "90 days"), (365, "1 year"))
STAGES = (
    ("new", "New"),
    ("in_progress", "In progress"),
    ("on_hold", "On hold"),
    ("closed", "Closed"),
)

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals.update(
    charts=charts,
    hours=charts.human_hours,
    version=__version__,
    STAGES=STAGES,
    one=lambda values: [[v] for v in values],
    rows=lambda ds: [(d.key, d.median_hours, d.count) for d in ds if d.count],
    stage_rows=lambda rs: [
        (r.key, [getattr(r.counts, key) for key, _, _ in charts.STAGE_SERIES]) for r in rs
    ],
    week_labels=lambda ws: [w.week[5:] for w in ws],
    week_values=lambda ws, a, b: [[getattr(w, a), getattr(w, b)] for w in ws],
)


def _keep(request: Request, **changes: Any) -> str:
    """The current query string with some parameters changed (None removes one)."""
    params = {k: v for k, v in request.query_params.items() if v}
    for k, v in changes.items():
        if v is None:
            params.pop(k, None)
        else:
            params[k] = str(v)
    return "?" + urlencode(params) if params else ""


def _page(request: Request, template: str, **ctx: Any) -> HTMLResponse:
    q = request.query_params
    ctx.update(
        request=request,
        q={k: q.get(k, "") for k in ("days", "from", "to", "tier", "route", "stage", "sla")},
        # the page reloads itself every ``refresh`` seconds (?refresh=0 stops it)
        refresh=_refresh(q.get("refresh")),
        keep=lambda **kw: _keep(request, **kw),
        ranges=RANGES,
    )
    return HTMLResponse(env.get_template(template).render(**ctx))


REFRESH = 60  # seconds between the pages' own reloads, unless ?refresh= says otherwise


def _refresh(asked: str | None) -> int:
    if asked is None or not asked.isdigit():
        return REFRESH
    return 0 if int(asked) == 0 else max(10, int(asked))


def router(service: Any) -> APIRouter:
    """The ``/dashboard`` pages over ``service``."""
    views = Views(service)
    pages = APIRouter(
        prefix="/dashboard",
        include_in_schema=False,
        dependencies=[access(service.settings.dashboard)],
    )

    @pages.get("", response_class=HTMLResponse)
    def overview(request: Request, f: FilterDep) -> HTMLResponse:
        data = views.overview(f)
        recent = views.links(f, limit=12)
        return _page(
            request,
            "overview.html",
            o=data,
            recent=recent,
            buckets=BUCKETS,
            tiers=data.options.tiers,
            routes=data.options.routes,
            nav="overview",
        )

    @pages.get("/links", response_class=HTMLResponse)
    def links(
        request: Request,
        f: FilterDep,
        stage: str | None = None,
        sla: str | None = None,
        offset: int = 0,
    ) -> HTMLResponse:
        data = views.links(f, stage or None, sla or None, limit=50, offset=max(0, offset))
        tiers, routes = analytics.options(service.store)
        return _page(request, "links.html", data=data, tiers=tiers, routes=routes, nav="links")

    @pages.get("/links/{link_id}", response_class=HTMLResponse)
    def link(request: Request, link_id: int) -> HTMLResponse:
        return _page(request, "link.html", p=views.link(link_id), nav="links")

    @pages.get("/health", response_class=HTMLResponse)
    def health(request: Request) -> HTMLResponse:
        return _page(request, "health.html", h=views.health(), nav="health")

    @pages.get("/static/{name}")
    def static(name: str) -> FileResponse:
        if name not in STATIC:
            raise HTTPException(404, "no such file")
        return FileResponse(HERE / "static" / name, media_type=STATIC[name])

    return pages


def root() -> APIRouter:
    """``/`` sends a person to the dashboard."""
    r = APIRouter(include_in_schema=False)

    @r.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/dashboard")

    return r
