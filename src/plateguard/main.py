"""Build the web application: ``create_app(settings)`` does all the work; importing does none."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from plateguard import __version__
from plateguard.access_log import router as access_log_router
from plateguard.accounts import router as accounts_router
from plateguard.accounts import training_router
from plateguard.alerts.live import AlertSignal
from plateguard.cameras import router as camera_router
from plateguard.config import Settings
from plateguard.database import check_connection, make_engine, make_session_factory
from plateguard.ingest import router as ingest_router
from plateguard.ingest.hooks import read_stored_callback
from plateguard.metrics import Metrics
from plateguard.places import router as places_router
from plateguard.reads.search import router as search_router
from plateguard.sharing.recipients import check_alert_recipients
from plateguard.web import console, public
from plateguard.web.dependencies import authorize
from plateguard.web.errors import install_error_handlers
from plateguard.web.forms import refuse_nul
from plateguard.web.hardening import BodyLimit, apply_headers, body_limits, security_headers

STATIC_DIR = Path(__file__).parent / "web" / "static"


def create_app(settings: Settings) -> FastAPI:
    check_alert_recipients(settings)
    engine = make_engine(settings.resolved_database_url)
    check_connection(engine)
    # No public /docs or /openapi.json: the document is served to signed-in users (web/console.py).
    app = FastAPI(
        title="plateguard",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=_background_work,
        dependencies=[Depends(refuse_nul)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.alert_signal = AlertSignal()
    app.state.metrics = Metrics.create()
    app.state.metrics_token = settings.secret("metrics_token")
    install_error_handlers(app)
    _mount_static(app)
    app.include_router(public.router)
    protected = [Depends(authorize)]
    app.include_router(console.router, dependencies=protected)
    app.include_router(console.metrics_router, dependencies=protected)
    app.include_router(accounts_router.router, dependencies=protected)
    app.include_router(training_router.router, dependencies=protected)
    app.include_router(access_log_router.router, dependencies=protected)
    app.include_router(ingest_router.router, dependencies=protected)
    ingest_router.publish_schemas(app)
    app.include_router(camera_router.router, dependencies=protected)
    app.include_router(search_router.router, dependencies=protected)
    app.include_router(places_router.router, dependencies=protected)
    _add_hotlists_and_alerts(app, protected)
    _add_records(app, protected)
    app.state.on_read_stored = read_stored_callback(settings, matcher=app.state.hotlist_matcher)
    app.middleware("http")(_measure)
    app.state.security_headers = security_headers(settings)
    app.add_middleware(BodyLimit, default=settings.server.max_form_bytes, larger=body_limits(settings))
    return app


def _add_hotlists_and_alerts(app: FastAPI, protected: list[Any]) -> None:
    from plateguard.alerts import router as alerts_router
    from plateguard.hotlists import router as hotlists_router
    from plateguard.hotlists.live import LiveMatcher

    app.state.hotlist_matcher = LiveMatcher()  # loaded on first use; reloads when a list changes
    app.include_router(alerts_router.router, dependencies=protected)
    app.include_router(hotlists_router.router, dependencies=protected)


def _add_records(app: FastAPI, protected: list[Any]) -> None:
    from plateguard.audits import router as audits_router
    from plateguard.evidence import router as evidence_router
    from plateguard.retention import router as retention_router
    from plateguard.sharing import router as sharing_router

    for records_router in (retention_router, evidence_router, sharing_router, audits_router):
        app.include_router(records_router.router, dependencies=protected)


@asynccontextmanager
async def _background_work(app: FastAPI) -> AsyncIterator[None]:
    """While the server runs, a worker sends alerts to the configured webhooks and mailboxes, and the
    daily purge destroys what is past its retention period."""
    from plateguard.alerts.delivery import DeliveryWorker, targets_from
    from plateguard.retention.jobs import DailyPurge

    settings: Settings = app.state.settings
    worker = DeliveryWorker(app.state.session_factory, settings) if targets_from(settings.alerts) else None
    purge = DailyPurge(app.state.session_factory, settings) if settings.retention.daily_purge else None
    for started in (worker, purge):
        if started is not None:
            started.start()
    try:
        yield
    finally:
        for running in (worker, purge):
            if running is not None:
                running.stop()
        app.state.engine.dispose()  # the server is stopping: give its database connections back


def _mount_static(app: FastAPI) -> None:
    from xstatic.pkg import leaflet, leaflet_markercluster

    # The clustering plug-in first: its path lies inside Leaflet's.
    markercluster = StaticFiles(directory=leaflet_markercluster.BASE_DIR)
    app.mount("/static/leaflet/markercluster", markercluster, name="leaflet-markercluster")
    app.mount("/static/leaflet", StaticFiles(directory=leaflet.BASE_DIR), name="leaflet")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


async def _measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    label = getattr(route, "path", "unmatched")
    metrics: Metrics = request.app.state.metrics
    metrics.requests.labels(route=label, status=str(response.status_code)).inc()
    metrics.request_seconds.labels(route=label).observe(time.perf_counter() - started)
    apply_headers(request.url.path, request.app.state.security_headers, response.headers)
    return response
