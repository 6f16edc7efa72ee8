"""The ASGI app: webhooks, health, readiness, metrics and a read-only admin API.

A webhook is verified, parsed and persisted before the answer; nothing in this path waits on a
remote API. Answers: 202 accepted, 200 repeated delivery, 401 bad signature, 400 malformed,
413 too large, 404 unknown connector, 503 the store failed (nothing recorded).
Deliveries are answered by :class:`~syncd.daemon.webhook_path.WebhookPath` in front of the
framework and persisted in batches by the :class:`~syncd.daemon.intake.Intake`.
"""

from __future__ import annotations

import contextlib
import gc
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from functools import partial
from typing import Any

import structlog
import uvicorn
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from syncd import __version__
from syncd.daemon import api, metrics, webhook_path
from syncd.daemon.intake import Intake
from syncd.daemon.service import Service
from syncd.dashboard import views as dashboard_views

log = structlog.get_logger("syncd.app")


class _App(FastAPI):
    """FastAPI behind :class:`~syncd.daemon.webhook_path.WebhookPath`: a delivery is answered
    before the framework's own layers (telemetry, error and body-limit middleware, routing)."""

    front: webhook_path.WebhookPath

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.front(scope, receive, send)


def create_app(service: Service, *, manage: bool = True) -> FastAPI:
    """The app for ``service``; with ``manage`` the app starts and stops the service.

    Its lifespan always starts and stops the webhook intake (stopping commits what is queued)."""
    intake = Intake(service)
    service.intake_busy = intake.busy

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        intake.start()
        try:
            if manage:
                service.start()
            yield
        finally:
            await intake.stop()
        if manage:
            await run_in_threadpool(service.stop)

    app = _App(title="syncd", version=__version__, lifespan=lifespan)
    limit = service.settings.server.max_body_bytes
    guard = api.access(service.settings.dashboard)  # reads beyond loopback need credentials
    app.include_router(api.router(service))
    app.include_router(dashboard_views.router(service))
    app.include_router(dashboard_views.root())

    @app.post("/webhooks/{name}", status_code=202)
    async def webhook(name: str, request: Request) -> JSONResponse:
        """Receive one vendor delivery (served by ``WebhookPath`` before the framework)."""
        headers = dict(request.headers)
        status, doc = await webhook_path.answer(intake, name, headers, request.stream(), limit)
        return JSONResponse(doc, status_code=status)

    app.state.intake = intake
    app.front = webhook_path.WebhookPath(partial(FastAPI.__call__, app), intake, limit)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """Ready when the store answers and every connector is healthy."""
        try:
            depth = service.store.depth()
        except Exception as exc:  # the store is down: not ready, say why
            return JSONResponse({"ready": False, "store": str(exc)}, status_code=503)
        conns = service.health.snapshot()
        ready = all(c["healthy"] for c in conns.values())
        return JSONResponse(
            {"ready": ready, "connectors": conns, "depth": depth}, status_code=200 if ready else 503
        )

    @app.get("/metrics")
    def prometheus() -> Response:
        """Prometheus text format."""
        api.refresh_metrics(service)
        return PlainTextResponse(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/links", dependencies=[guard])
    def api_links(limit: int = 200) -> list[dict[str, Any]]:
        """Links, oldest first."""
        return [
            {
                **r.__dict__,
                "created_at": r.created_at.isoformat(),
                "updated_at": r.updated_at.isoformat(),
            }
            for r in service.store.all_links(limit)
        ]

    @app.get("/api/status", dependencies=[guard])
    def api_status() -> dict[str, object]:
        """Queue depths and connector health."""
        return service.status()

    return app


class _Server(uvicorn.Server):
    """uvicorn, except that a SIGTERM or SIGINT that stopped us cleanly is not raised again:
    a clean stop exits 0, as service managers expect."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        originals = {
            sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


def serve(service: Service, host: str, port: int) -> None:
    """Run the service behind uvicorn until SIGTERM or SIGINT."""
    app = create_app(service)
    # What is alive now (modules, classes, settings, connectors: some 150,000 objects) lives
    # as long as the process: frozen out of the collector's sight, a full collection no
    # longer walks it every time. In figure 7's soak: 5 full collections took 257 ms, the
    # longest 56 ms; frozen, 12 took 35 ms, none over 5 ms (BENCHMARKS.md's table run).
    gc.collect()
    gc.freeze()
    metrics.watch_gc()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=int(service.settings.server.shutdown_grace),
    )
    _Server(config).run()
