"""The dashboard's read-only JSON API (``/api/dashboard/...``), in the app's OpenAPI document.

Every view of the dashboard is one of these calls; the HTML pages render the same objects.
Requests from beyond loopback need ``Authorization: Bearer <token>`` or basic auth from the
``dashboard`` settings, else they get 401.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from syncd import metrics
from syncd.dashboard import overview as ov
from syncd.dashboard import pages
from syncd.dashboard import schema as s
from syncd.settings import DashboardSettings
from syncd.store import analytics
from syncd.store.analytics import Filters, LinkFacts

DEFAULT_DAYS = 56


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _same(given: str, wanted: str) -> bool:
    return hmac.compare_digest(given.encode(), wanted.encode())


def allowed(conf: DashboardSettings, host: str, authorization: str) -> bool:
    """True when a request from ``host`` with this Authorization header may read."""
    if conf.trust_loopback and _loopback(host):
        return True
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and conf.token is not None:
        return _same(value.strip(), conf.token.get_secret_value())
    if scheme.lower() == "basic" and conf.username and conf.password is not None:
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        # both compared in full, so the time taken says nothing about which one was wrong
        ok_user = _same(user, conf.username)
        ok_pass = _same(password, conf.password.get_secret_value())
        return ok_user and ok_pass
    return False


def access(conf: DashboardSettings) -> Any:
    """A dependency that refuses, with 401, reads from beyond loopback without credentials."""
    challenge = 'Basic realm="syncd"' if conf.username else 'Bearer realm="syncd"'

    def check(request: Request) -> None:
        host = request.client.host if request.client else ""
        if not allowed(conf, host, request.headers.get("authorization", "")):
            raise HTTPException(
                401,
                "credentials required beyond loopback: Authorization: Bearer <token> or basic",
                headers={"WWW-Authenticate": challenge},
            )

    return Depends(check)


def _day(value: str | None, *, end: bool) -> datetime | None:
    """An ISO date (a whole day, UTC) or date-time; an end date includes its day."""
    if not value:
        return None
    try:
        if len(value) == 10:
            d = datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
            return d + timedelta(days=1) if end else d
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(422, f"not an ISO date or date-time: {value!r}") from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def filters(
    start: Annotated[str | None, Query(alias="from", description="ISO date or date-time")] = None,
    end: Annotated[str | None, Query(alias="to", description="ISO date (inclusive)")] = None,
    days: Annotated[int | None, Query(ge=1, le=3660, description="last N days")] = None,
    tier: Annotated[str | None, Query(description="support tier, e.g. L2")] = None,
    route: Annotated[str | None, Query(description="route name")] = None,
) -> Filters:
    """The filters from the URL; with neither ``from`` nor ``days``, the last 56 days."""
    to = _day(end, end=True)
    frm = _day(start, end=False)
    if frm is None:
        frm = (to or now()) - timedelta(days=days or DEFAULT_DAYS)
    return Filters(start=frm, end=to, tier=tier or None, route=route or None)


def now() -> datetime:
    return datetime.now(UTC)


FilterDep = Annotated[Filters, Depends(filters)]


class Views:
    """The data of every dashboard view, for the API and the pages alike."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self.store = service.store

    def overview(self, f: Filters) -> s.Overview:
        facts = analytics.load(self.store, f)
        return ov.overview(facts, f, now(), analytics.options(self.store))

    def links(
        self,
        f: Filters,
        stage: str | None = None,
        sla: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> s.LinkList:
        facts = analytics.load(self.store, f)
        rows = [pages.summary(lf) for lf in facts]
        rows = [r for r in rows if (not stage or r.stage == stage) and (not sla or r.sla == sla)]
        rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return s.LinkList(total=len(rows), offset=offset, items=rows[offset : offset + limit])

    def link(self, link_id: int) -> s.LinkPage:
        lf = analytics.link_facts(self.store, link_id)
        if lf is None:
            raise HTTPException(404, f"no link {link_id}")
        return pages.link_page(lf)

    def health(self) -> s.SyncHealth:
        depth = self.store.depth()
        oldest = analytics.oldest_inbox(self.store)
        lag = metrics.recent_lag()
        snap = self.service.health.snapshot()
        return s.SyncHealth(
            connectors=[
                pages.connector_health(n, st, self.budget(n), lag.get(n))
                for n, st in sorted(snap.items())
            ],
            inbox=depth["inbox"],
            outbox=depth["outbox"],
            dead=depth["dead"],
            oldest_inbox_seconds=round((now() - oldest).total_seconds(), 1) if oldest else None,
            dead_letters=[s.DeadLetterRow(**d.__dict__) for d in analytics.dead(self.store)],
            replicas=replica_rows(self.service.cluster.snapshot()),
        )

    def budget(self, name: str) -> tuple[int | None, int | None, datetime | None]:
        st = self.service.health.states.get(name)
        b = st.budget if st is not None else None
        return (b.limit, b.remaining, b.reset_at) if b is not None else (None, None, None)


def replica_rows(snap: dict[str, Any]) -> list[s.ReplicaRow]:
    """The replicas of a cluster snapshot with the roles each leads and the claims it holds."""
    leads: dict[str, list[str]] = {}
    for lead in snap["leaders"]:
        if lead["live"]:
            leads.setdefault(lead["holder"], []).append(lead["role"])
    claims = snap["claims"]
    return [
        s.ReplicaRow(
            id=r["id"],
            state=r["state"],
            alive=r["alive"],
            seen_at=r.get("seen_at"),
            leads=sorted(leads.get(r["id"], [])),
            inbox_claims=claims.get(r["id"], {}).get("inbox", 0),
            outbox_claims=claims.get(r["id"], {}).get("outbox", 0),
        )
        for r in snap["replicas"]
    ]


def refresh_metrics(service: Any) -> None:
    """Set the state gauges of ``/metrics`` from the store and the health registry."""
    views = Views(service)
    sla: dict[tuple[str, str, str], int] = {}
    for link, events in analytics.sla_events_of_open_links(service.store).values():
        state = ov.sla_state(LinkFacts(link, events))
        if state != "ok":
            key = (state, link.route or "", link.tier or "")
            sla[key] = sla.get(key, 0) + 1
    metrics.refresh(
        service.store.depth(),
        service.health.snapshot(),
        {n: views.budget(n)[:2] for n in service.health.states},
        sla,
    )
    metrics.refresh_cluster(service.cluster.snapshot())


def router(service: Any) -> APIRouter:
    """The ``/api/dashboard`` routes over ``service``."""
    views = Views(service)
    api = APIRouter(
        prefix="/api/dashboard",
        tags=["dashboard"],
        dependencies=[access(service.settings.dashboard)],
    )

    @api.get("/overview", response_model=s.Overview)
    def overview(f: FilterDep) -> s.Overview:
        """Stages per tier and route, time to acknowledge and resolve, SLA, weeks, impact,
        redirects."""
        return views.overview(f)

    @api.get("/links", response_model=s.LinkList)
    def links(
        f: FilterDep,
        stage: Literal["new", "in_progress", "on_hold", "closed"] | None = None,
        sla: Literal["ok", "at_risk", "breached"] | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> s.LinkList:
        """Links the filters select, newest first."""
        return views.links(f, stage, sla, limit, offset)

    @api.get("/links/{link_id}", response_model=s.LinkPage)
    def link(link_id: int) -> s.LinkPage:
        """One link: both sides, its timeline and SLA deadlines."""
        return views.link(link_id)

    @api.get("/health", response_model=s.SyncHealth)
    def health() -> s.SyncHealth:
        """Connectors, sync lag, queue depths, dead letters and rate budgets."""
        return views.health()

    return api
