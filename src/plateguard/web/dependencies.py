"""Request-scoped dependencies: the unit of work and the deny-by-default gate."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.accounts import administration, training
from plateguard.accounts import service as account_service
from plateguard.accounts.models import LoginSession, User
from plateguard.accounts.roles import TRAINING_GATED, Permission, permissions_for
from plateguard.cameras import service as camera_service
from plateguard.database import transaction
from plateguard.errors import Forbidden, NotAuthenticated, TrainingRequired
from plateguard.web.access_rules import Gate, rule_for
from plateguard.web.templating import Viewer

SESSION_COOKIE = "plateguard_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def unit_of_work(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent, rolled back on any error."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        # Detach before the rollback expires them, so the error page can still show the signed-in user.
        session.expunge_all()
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(unit_of_work, scope="function")]


def current_login(request: Request, db: DbSession) -> LoginSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    idle = request.app.state.settings.security.session_idle_minutes
    # Its own transaction: an idle session stays ended even when this request is then refused.
    with transaction(request.app.state.session_factory) as side:
        resolved = account_service.resolve_session(session=side, token=token, idle_minutes=idle)
        login_id = resolved.id if resolved is not None else None
    login = db.get(LoginSession, login_id) if login_id is not None else None
    if login is not None:
        user = login.user
        request.state.viewer = Viewer(
            user.username,
            user.full_name,
            user.job_title,
            user.agency.name,
            login.csrf_token,
            user.totp_secret is not None,
        )
        request.state.permissions = permissions_for(user.roles)
    return login


OptionalLogin = Annotated[LoginSession | None, Depends(current_login)]


async def authorize(request: Request, login: OptionalLogin) -> LoginSession | None:
    """The gate on every protected router: the route's rule from the table decides."""
    route = request.scope.get("route")
    rule = rule_for(request.method, getattr(route, "path", ""))
    if rule is None:
        raise Forbidden("this route has no access rule; refused by default")
    if rule is Gate.METRICS_TOKEN:
        _check_metrics_token(request)
        return None
    if rule is Gate.DEVICE_TOKEN:
        _check_device_token(request)
        return None
    if login is None:
        raise NotAuthenticated("sign in first")
    if request.method in UNSAFE_METHODS:
        await _check_csrf(request, login)
    if isinstance(rule, Permission):
        _check_two_factor_enrolment(request, login)
        _check_permission(request, login, rule)
    return login


def _check_two_factor_enrolment(request: Request, login: LoginSession) -> None:
    with transaction(request.app.state.session_factory) as side:
        user = side.get(User, login.user_id)
        needed = user is not None and administration.needs_totp_enrolment(session=side, user=user)
    if needed:
        raise Forbidden("your role requires two-factor sign-in: set it up at /account/two-factor first")


def _check_permission(request: Request, login: LoginSession, permission: Permission) -> None:
    if permission not in request.state.permissions:
        message = f"your roles do not include the permission {permission.value}"
        _record_denial(request, login, permission, message)
        raise Forbidden(message)
    if permission in TRAINING_GATED:
        with transaction(request.app.state.session_factory) as side:
            gaps = training.training_gaps(session=side, user=side.get(User, login.user_id))  # type: ignore[arg-type]
        if gaps:
            message = "ALPR functions are closed to you until training is current: " + "; ".join(gaps)
            _record_denial(request, login, permission, message)
            raise TrainingRequired(message)


def _record_denial(request: Request, login: LoginSession, permission: Permission, message: str) -> None:
    """Denials are logged in their own transaction: the refused request itself is rolled back."""
    with transaction(request.app.state.session_factory) as side:
        access_log.append(
            session=side,
            actor=Actor.of(side.get(User, login.user_id)),  # type: ignore[arg-type]
            action="permission.denied",
            query={
                "method": request.method,
                "path": request.url.path,
                "permission": permission.value,
                "reason": message,
            },
            outcome="denied",
        )


def _check_metrics_token(request: Request) -> None:
    expected = request.app.state.metrics_token
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not given or not hmac.compare_digest(given, expected):
        raise NotAuthenticated("metrics need the bearer token from secrets/metrics_token")


def _check_device_token(request: Request) -> None:
    """Cameras send ``Authorization: Bearer <token>`` (Plate Recognizer's ``Token <token>`` also works)."""
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() not in ("bearer", "token") or not given.strip():
        raise NotAuthenticated("this door needs a device token: Authorization: Bearer <token>")
    with transaction(request.app.state.session_factory) as side:
        camera = camera_service.authenticate_token(session=side, token=given.strip())
        request.state.device_camera_id = camera.id


async def _check_csrf(request: Request, login: LoginSession) -> None:
    given = request.headers.get("x-csrf-token")
    if given is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given, login.csrf_token):
        raise Forbidden("missing or wrong CSRF token; reload the page and try again")


def signed_in(login: Annotated[LoginSession | None, Depends(authorize)]) -> LoginSession:
    if login is None:
        raise NotAuthenticated("sign in first")
    return login


CurrentLogin = Annotated[LoginSession, Depends(signed_in)]
