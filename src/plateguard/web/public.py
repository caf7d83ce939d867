"""The public router: the only routes served without a login (policy, transparency, health, login)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from plateguard.access_log.guard import system_scope
from plateguard.accounts import service as account_service
from plateguard.cameras.models import Camera, CameraStatus
from plateguard.database import check_connection
from plateguard.errors import ConfigurationError, NotAuthenticated, ServiceUnavailable
from plateguard.reads.models import PlateRead
from plateguard.web import policy_page
from plateguard.web.dependencies import SESSION_COOKIE, DbSession
from plateguard.web.templating import render

router = APIRouter()
POLICY_FILE = Path(__file__).parent / "alpr-policy-460.txt"


@router.get("/healthz")
def healthz(request: Request) -> dict[str, str]:
    """Up when the database answers; takes no lock, so a long write never makes the server look down."""
    try:
        check_connection(request.app.state.engine)
    except ConfigurationError as exc:
        raise ServiceUnavailable("the database is unavailable; retry shortly") from exc
    return {"status": "ok"}


@router.get("/policy", response_class=HTMLResponse)
def policy(request: Request, db: DbSession) -> Response:
    """Generated from the live configuration and data, then the department's policy text."""
    context = policy_page.facts(db, request.app.state.settings) | {"policy_text": POLICY_FILE.read_text()}
    return render(request, "policy.html", context)


@router.get("/transparency", response_class=HTMLResponse)
def transparency(request: Request, db: DbSession) -> Response:
    with system_scope(db, "statistics"):
        figures = {
            "Cameras in service": db.scalar(
                select(func.count()).select_from(Camera).where(Camera.status != CameraStatus.RETIRED)
            ),
            "Plate reads held": db.scalar(select(func.count()).select_from(PlateRead)),
        }
    return render(request, "transparency.html", {"figures": figures})


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    totp_code: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = request.app.state.settings
    try:
        user = account_service.authenticate(
            session=db, security=settings.security, username=username, password=password, totp_code=totp_code
        )
    except NotAuthenticated as exc:
        context = {"next": _safe_next(next), "error": exc.message, "username": username}
        return render(request, "login.html", context, status_code=401)
    token, _ = account_service.start_session(session=db, user=user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.server.secure_cookies,
        path="/",
    )
    return response


def _safe_next(target: str) -> str:
    """Only same-site paths: a login link must not bounce a user to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
