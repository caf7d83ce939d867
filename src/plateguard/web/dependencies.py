"""Request-scoped dependencies: the unit of work and the deny-by-default gate."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.accounts import administration, training
from plateguard.accounts import service as account_service
from plateguard.accounts.models import AccountStatus, LoginSession, User
from plateguard.accounts.passwords import token_hash
from plateguard.accounts.roles import TRAINING_GATED, Permission, permissions_for
from plateguard.cameras import service as camera_service
from plateguard.config import Settings
from plateguard.database import after_rollback, read_only, transaction, utcnow
from plateguard.errors import Forbidden, NotAuthenticated, PasswordChangeRequired, TrainingRequired
from plateguard.web.access_rules import Gate, rule_for
from plateguard.web.templating import Viewer

SESSION_COOKIE = "plateguard_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What a user whose password was reset may still do: choose a new one, or sign out.
OPEN_BEFORE_CHANGE = frozenset({("GET", "/account"), ("POST", "/account/password"), ("POST", "/logout")})


def unit_of_work(request: Request) -> Iterator[Session]:
    """One transaction per request (``database.transaction``), committed before the response is sent,
    rolled back on any error."""
    with transaction(request.app.state.session_factory) as session:
        yield session


DbSession = Annotated[Session, Depends(unit_of_work, scope="function")]


@dataclass(frozen=True)
class GateFacts:
    """What the gate needs to know about the signed-in user, read before the request's own transaction."""

    user_id: int
    needs_totp_enrolment: bool
    training_gaps: tuple[str, ...]
    must_change_password: bool = False


def current_login(request: Request, db: DbSession) -> LoginSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    # One short transaction of its own, before the request's: an idle session stays ended even when the
    # request is refused, and (on SQLite) nothing here waits on the request's own write lock.
    activity = request.url.path not in NOT_ACTIVITY
    with transaction(request.app.state.session_factory) as side:
        facts = _gate_facts(side, token, request.app.state.settings, activity=activity)
    if facts is None:
        return None
    request.state.gate_facts = facts
    login = db.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
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


NOT_ACTIVITY = frozenset({"/alerts/stream"})
"""Requests the browser makes on its own (the live alert stream reconnects every few minutes): they do
not keep an unattended console signed in past ``security.session_idle_minutes``."""


def _gate_facts(side: Session, token: str, settings: Settings, *, activity: bool) -> GateFacts | None:
    idle_minutes = settings.security.session_idle_minutes
    resolved = account_service.resolve_session(
        session=side, token=token, idle_minutes=idle_minutes, activity=activity
    )
    if resolved is None:
        return None
    user = resolved.user
    return GateFacts(
        user.id,
        administration.needs_totp_enrolment(session=side, user=user),
        tuple(training.training_gaps(session=side, user=user, today=settings.agency.today())),
        user.must_change_password,
    )


OptionalLogin = Annotated[LoginSession | None, Depends(current_login)]


async def authorize(request: Request, db: DbSession, login: OptionalLogin) -> LoginSession | None:
    """The gate on every protected router: the route's rule from the table decides."""
    route = request.scope.get("route")
    rule = rule_for(request.method, getattr(route, "path", ""))
    if rule is None:
        raise Forbidden("this route has no access rule; refused by default")
    if rule is Gate.METRICS_TOKEN:
        _check_metrics_token(request)
        return None
    # Database work runs in the thread pool: on SQLite a wait for the write lock on the event loop would
    # stall the very request that holds the lock, and every other request with it.
    if rule is Gate.DEVICE_TOKEN:
        await run_in_threadpool(_check_device_token, request)
        return None
    if login is None:
        raise NotAuthenticated("sign in first")
    if request.method in UNSAFE_METHODS:
        await _check_csrf(request, login)
    if (
        request.state.gate_facts.must_change_password
        and (request.method, request.url.path) not in OPEN_BEFORE_CHANGE
    ):
        raise PasswordChangeRequired("an administrator reset your password: choose your own to continue")
    if isinstance(rule, Permission):
        await run_in_threadpool(_check_permission, request, db, rule)
    return login


def _check_permission(request: Request, db: Session, permission: Permission) -> None:
    facts: GateFacts = request.state.gate_facts
    if facts.needs_totp_enrolment:
        raise Forbidden("your role requires two-factor sign-in: set it up at /account/two-factor first")
    if permission not in request.state.permissions:
        message = f"your roles do not include the permission {permission.value}"
        _record_denial(request, db, facts.user_id, permission, message)
        raise Forbidden(message)
    if permission in TRAINING_GATED and facts.training_gaps:
        message = "ALPR functions are closed to you until training is current: " + "; ".join(
            facts.training_gaps
        )
        _record_denial(request, db, facts.user_id, permission, message)
        raise TrainingRequired(message)


def still_allowed(
    *, session: Session, login_id: int, permission: Permission, settings: Settings
) -> User | None:
    """For a response that outlives its request (the live alert stream): the user while the gate would
    still let this login through to ``permission``; None once the session has ended, the account was
    closed or its password reset, the permission left its roles, training lapsed, or the user has done
    nothing for longer than ``security.session_idle_minutes`` (the session is then ended)."""
    login = session.get(LoginSession, login_id)
    if login is None or login.ended_at is not None:
        return None
    idle_minutes = settings.security.session_idle_minutes
    if account_service.ended_if_idle(session=session, login=login, idle_minutes=idle_minutes, now=utcnow()):
        return None
    user = login.user
    if user.status != AccountStatus.ACTIVE or user.must_change_password:
        return None
    if permission not in permissions_for(user.roles) or administration.needs_totp_enrolment(
        session=session, user=user
    ):
        return None
    today = settings.agency.today()
    if permission in TRAINING_GATED and training.training_gaps(session=session, user=user, today=today):
        return None
    return user


def _record_denial(request: Request, db: Session, user_id: int, permission: Permission, message: str) -> None:
    """A denial is written in a transaction of its own once the request's unit of work is rolled back."""
    query = {
        "method": request.method,
        "path": request.url.path,
        "permission": permission.value,
        "reason": message,
    }

    def write(side: Session) -> None:
        user = side.get(User, user_id)
        assert user is not None  # the gate read this user moments ago; accounts are never deleted
        access_log.append(
            session=side, actor=Actor.of(user), action="permission.denied", query=query, outcome="denied"
        )

    after_rollback(db, write)


def _check_metrics_token(request: Request) -> None:
    expected = request.app.state.metrics_token
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise NotAuthenticated("metrics need the bearer token from secrets/metrics_token")


def _check_device_token(request: Request) -> None:
    """Cameras send ``Authorization: Bearer <token>`` (Plate Recognizer's ``Token <token>`` also works)."""
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() not in ("bearer", "token") or not given.strip():
        raise NotAuthenticated("this door needs a device token: Authorization: Bearer <token>")
    with read_only(request.app.state.session_factory) as side:
        camera = camera_service.authenticate_token(session=side, token=given.strip())
        request.state.device_camera_id = camera.id


async def _check_csrf(request: Request, login: LoginSession) -> None:
    given = request.headers.get("x-csrf-token")
    if given is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given.encode(), login.csrf_token.encode()):
        raise Forbidden("missing or wrong CSRF token; reload the page and try again")


def signed_in(login: Annotated[LoginSession | None, Depends(authorize)]) -> LoginSession:
    if login is None:
        raise NotAuthenticated("sign in first")
    return login


CurrentLogin = Annotated[LoginSession, Depends(signed_in)]
