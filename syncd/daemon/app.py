"""The ASGI app: webhooks, health, readiness, metrics and a read-only admin API.

A webhook is verified, parsed and persisted before the answer; nothing in this path waits on a
remote API. Answers: 202 accepted, 200 repeated delivery, 401 bad signature, 400 malformed
(whatever the body, a parser never makes it a 5xx), 413 too large, 404 unknown connector,
503 the store failed (nothing recorded).
Deliveries are answered by :func:`~syncd.daemon.receive.answer` and persisted in batches by
the :class:`~syncd.daemon.intake.Intake`.
"""

from __future__ import annotations

import contextlib
import gc
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import structlog
import uvicorn
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from syncd import __version__, metrics
from syncd.daemon import api, receive
from syncd.daemon.intake import Intake
from syncd.daemon.service import Service
from syncd.dashboard import files as file_pages
from syncd.dashboard import history as history_pages
from syncd.dashboard import views as dashboard_views

log = structlog.get_logger("syncd.app")


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

    app = FastAPI(title="syncd", version=__version__, lifespan=lifespan)
    limit = service.settings.server.max_body_bytes
    guard = api.access(service.settings.dashboard)  # reads beyond loopback need credentials
    app.include_router(api.router(service))
    app.include_router(dashboard_views.router(service))
    app.include_router(dashboard_views.root())
    app.include_router(history_pages.router(service))  # signed links: no dashboard login
    app.include_router(file_pages.router(service))  # signed links to files, the same way

    @app.post("/webhooks/{name}", status_code=202)
    async def webhook(name: str, request: Request) -> JSONResponse:
        """Receive one vendor delivery."""
        headers = dict(request.headers)
        status, doc = await receive.answer(intake, name, headers, request.stream(), limit)
        return JSONResponse(doc, status_code=status)

    app.state.intake = intake

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """Ready when the store answers and every connector is healthy; never while the
        replica stops (a load balancer drains it first)."""
        if service.draining:
            return JSONResponse({"ready": False, "draining": True}, status_code=503)
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

    @app.post("/api/reload", dependencies=[guard])
    def api_reload() -> JSONResponse:
        """Load the config file again and apply it; 422 with the problems when it is bad
        (the running config is kept)."""
        outcome = service.reload()
        return JSONResponse(outcome.as_dict(), status_code=200 if outcome.ok else 422)

    @app.get("/api/status", dependencies=[guard])
    def api_status() -> dict[str, object]:
        """Queue depths and connector health."""
        return service.status()

    return app


class _Server(uvicorn.Server):
    """uvicorn, except that a SIGTERM or SIGINT that stopped us cleanly is not raised again
    (a clean stop exits 0, as service managers expect), and SIGHUP reloads the config."""

    service: Service | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        originals = {
            sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        originals[signal.SIGHUP] = signal.signal(signal.SIGHUP, self._hangup)
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: Any) -> None:
        """A first SIGTERM drains: /readyz turns 503 and no new work is taken at once, while
        webhooks are still answered for ``cluster.drain_delay`` seconds (a load balancer
        sees the 503 and sends them elsewhere); then the server stops. Another signal, or
        SIGINT, stops it now."""
        service = self.service
        delay = service.settings.cluster.drain_delay if service is not None else 0.0
        if service is None or service.draining or sig != signal.SIGTERM or delay <= 0:
            if service is not None:
                service.draining = True
            super().handle_exit(sig, frame)
            return
        service.draining = True
        threading.Thread(target=service.wind_down, name="drain", daemon=True).start()
        timer = threading.Timer(delay, super().handle_exit, args=(sig, None))
        timer.daemon = True
        timer.start()

    def _hangup(self, signum: int, frame: Any) -> None:
        """Reload on a thread: loading and building connectors must not hold up the loop."""
        if self.service is not None:
            threading.Thread(target=self.service.reload, name="reload", daemon=True).start()


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
    server = _Server(config)
    server.service = service
    server.run()
