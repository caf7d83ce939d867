"""Signed-in console pages: the dashboard, logout, and the metrics endpoint for the scraper."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plateguard import statistics
from plateguard.accounts import service as account_service
from plateguard.web.dependencies import SESSION_COOKIE, CurrentLogin, DbSession
from plateguard.web.templating import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    figures = statistics.dashboard_figures(session=db)
    return render(request, "dashboard.html", {"figures": figures})


@router.post("/logout")
def logout(db: DbSession, login: CurrentLogin) -> Response:
    account_service.end_session(session=db, login=login, reason="logout")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/openapi.json")
def openapi_document(request: Request, login: CurrentLogin) -> dict[str, Any]:
    """The API description, for signed-in users only: it maps every door an attacker could knock on."""
    document: dict[str, Any] = request.app.openapi()
    return document


metrics_router = APIRouter()


@metrics_router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type="text/plain; version=0.0.4")
