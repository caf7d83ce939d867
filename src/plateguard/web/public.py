"""The public router: the only routes served without a login (policy, transparency, health, login)."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from plateguard.accounts import signin
from plateguard.audits.transparency import figures as public_figures
from plateguard.database import check_connection
from plateguard.errors import ConfigurationError, NotAuthenticated, ServiceUnavailable, TooManyAttempts
from plateguard.web import policy_page
from plateguard.web.dependencies import SESSION_COOKIE, DbSession
from plateguard.web.feedback import sentence
from plateguard.web.templating import local_time, render

router = APIRouter()
POLICY_FILE = Path(__file__).parent / "alpr-policy-460.txt"
FAVICON = Path(__file__).parent / "static" / "favicon.svg"
LOGIN_CSRF_COOKIE = "plateguard_login_csrf"


@router.get("/healthz")
def healthz(request: Request) -> dict[str, str]:
    """Up when the database answers; takes no lock, so a long write never makes the server look down."""
    try:
        check_connection(request.app.state.engine)
    except ConfigurationError as exc:
        raise ServiceUnavailable("the database is unavailable; retry shortly") from exc
    return {"status": "ok"}


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """Browsers ask for /favicon.ico on their own: they get the console's SVG icon."""
    return FileResponse(FAVICON, media_type="image/svg+xml")


@router.get("/policy", response_class=HTMLResponse)
def policy(request: Request, db: DbSession) -> Response:
    """Generated from the live configuration and data, then the department's policy text."""
    context = policy_page.facts(db, request.app.state.settings) | {"policy_text": POLICY_FILE.read_text()}
    return render(request, "policy.html", context)


@router.get("/transparency", response_class=HTMLResponse)
def transparency(request: Request, db: DbSession) -> Response:
    """Aggregates only (audits/transparency.py): no plate, no image, no name but the Administrator's."""
    facts = public_figures(session=db, settings=request.app.state.settings)
    return render(request, "transparency.html", {"facts": facts})


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    return _login_form(request, next=next, error=None, status_code=200)


def _login_form(
    request: Request, *, next: str, error: str | None, status_code: int, username: str = ""
) -> Response:
    """The sign-in form with a fresh CSRF token, also set as a SameSite cookie (double submit): a page
    on another site can neither read the cookie nor make the browser send it, so it cannot sign a
    victim into an account of its own choosing."""
    token = secrets.token_urlsafe(32)
    context = {"next": _safe_next(next), "error": error, "username": username, "login_csrf": token}
    response = render(request, "login.html", context, status_code=status_code)
    secure = request.app.state.settings.server.secure_cookies
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/login"
    )
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    totp_code: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    settings = request.app.state.settings
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf_token.encode(), expected.encode()):
        error = "The sign-in form expired; sign in again."
        return _login_form(request, next=next, error=error, status_code=403, username=username)
    try:
        signed = signin.sign_in(
            factory=request.app.state.session_factory,
            security=settings.security,
            username=username,
            password=password,
            totp_code=totp_code,
            address=request.client.host if request.client else "unknown",
        )
    except (NotAuthenticated, TooManyAttempts) as exc:
        status = 429 if isinstance(exc, TooManyAttempts) else 401
        message = sentence(exc.message)
        if isinstance(exc, TooManyAttempts) and isinstance(exc.retry_at, dt.datetime):
            message += f" (at {local_time(exc.retry_at, settings.agency.timezone, '%H:%M %Z')})"
        return _login_form(request, next=next, error=message, status_code=status, username=username)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        httponly=True,
        samesite="strict",
        secure=settings.server.secure_cookies,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _safe_next(target: str) -> str:
    """Only same-site paths: a login link must not bounce a user to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
