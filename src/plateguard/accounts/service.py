"""Agencies, user accounts and login sessions. Services flush; the caller commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.accounts.administration import check_totp
from plateguard.accounts.models import AccountStatus, Agency, LoginSession, User, UserRole
from plateguard.accounts.passwords import (
    burn_verification_time,
    check_password_rules,
    hash_password,
    verify_password,
)
from plateguard.accounts.roles import Role
from plateguard.config import SecuritySettings
from plateguard.database import utcnow
from plateguard.errors import Conflict, InvalidInput, NotAuthenticated


def get_home_agency(*, session: Session) -> Agency | None:
    return session.scalar(select(Agency).where(Agency.is_home.is_(True)))


def ensure_home_agency(*, session: Session, name: str, ori: str, state: str) -> Agency:
    agency = get_home_agency(session=session)
    if agency is None:
        agency = Agency(name=name, ori=ori, state=state, is_home=True, is_public_agency=True)
        session.add(agency)
        session.flush()
    return agency


def get_by_username(*, session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def create_user(
    *,
    session: Session,
    security: SecuritySettings,
    agency: Agency,
    username: str,
    full_name: str,
    password: str,
    roles: set[Role],
    job_title: str = "",
) -> User:
    username = username.strip().lower()
    if not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise InvalidInput("username may hold only letters, digits, '.', '_' and '-'", field="username")
    if get_by_username(session=session, username=username) is not None:
        raise Conflict(f"user {username} already exists", field="username")
    if not roles:
        raise InvalidInput("a user needs at least one role", field="roles")
    check_password_rules(password, min_length=security.min_password_length, username=username)
    user = User(
        agency=agency,
        username=username,
        full_name=full_name.strip(),
        job_title=job_title.strip(),
        password_hash=hash_password(password),
        status=AccountStatus.ACTIVE,
    )
    user.role_grants = [UserRole(role=role.value) for role in sorted(roles)]
    session.add(user)
    session.flush()
    return user


def authenticate(
    *,
    session: Session,
    security: SecuritySettings,
    username: str,
    password: str,
    totp_code: str = "",
    now: dt.datetime | None = None,
) -> User:
    """Check a username and password with lockout and back-off; every outcome goes to the access log."""
    now = now or utcnow()
    user = get_by_username(session=session, username=username)
    if user is None:
        burn_verification_time(password)
        unknown = Actor(username.strip().lower()[:64], "(no such user)", "", "")
        _log_login(session, unknown, "login.failure", "no such user", now)
        raise NotAuthenticated("wrong username or password")
    _suspend_if_unused(session, user, security.inactivity_suspend_days, now)
    refusal = _refusal(user, now)
    if refusal is not None:
        _log_login(session, Actor.of(user), "login.failure", refusal, now)
        raise NotAuthenticated(refusal)
    if not verify_password(user.password_hash, password):
        _fail(session, user, security, "wrong password", now)
        raise NotAuthenticated("wrong username or password")
    if user.totp_secret is not None and not check_totp(user=user, code=totp_code):
        _fail(session, user, security, "wrong or missing two-factor code", now)
        raise NotAuthenticated("enter the current 6-digit code from your authenticator app")
    user.failed_logins = 0
    user.last_login_at = now
    _log_login(session, Actor.of(user), "login.success", "", now)
    return user


def _fail(session: Session, user: User, security: SecuritySettings, reason: str, now: dt.datetime) -> None:
    locked = _record_failure(user, security, now)
    _log_login(session, Actor.of(user), "login.lockout" if locked else "login.failure", reason, now)


def _suspend_if_unused(session: Session, user: User, days: int, now: dt.datetime) -> None:
    last_used = user.last_login_at or user.created_at
    if user.status == AccountStatus.ACTIVE and now - last_used > dt.timedelta(days=days):
        user.status = AccountStatus.SUSPENDED
        access_log.append(
            session=session,
            actor=Actor.system(user.agency.name, "inactivity"),
            action="account.status",
            query={"user": user.username, "to": "suspended", "reason": f"unused for {days} days"},
            now=now,
        )


def _refusal(user: User, now: dt.datetime) -> str | None:
    if user.status != AccountStatus.ACTIVE:
        return f"account is {user.status}; ask the ALPR Administrator"
    if user.locked_until is not None and user.locked_until > now:
        return f"account locked until {user.locked_until:%H:%M:%S} UTC after repeated failed sign-ins"
    return None


def _log_login(session: Session, actor: Actor, action: str, reason: str, now: dt.datetime) -> None:
    outcome = "ok" if action == "login.success" else "denied"
    query = {"reason": reason} if reason else {}
    access_log.append(session=session, actor=actor, action=action, query=query, outcome=outcome, now=now)


def _record_failure(user: User, security: SecuritySettings, now: dt.datetime) -> bool:
    """Count a failed sign-in; lock the account (doubling each time) at the threshold. True if locked."""
    user.failed_logins += 1
    if user.failed_logins < security.lockout_threshold:
        return False
    seconds = security.lockout_base_seconds * 2 ** min(user.lockouts, 10)
    user.locked_until = now + dt.timedelta(seconds=seconds)
    user.lockouts += 1
    user.failed_logins = 0
    return True


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(*, session: Session, user: User) -> tuple[str, LoginSession]:
    """Open a login session; returns the cookie token (kept only as a hash) and the session row."""
    token = secrets.token_urlsafe(32)
    login = LoginSession(token_hash=token_hash(token), user=user, csrf_token=secrets.token_urlsafe(32))
    session.add(login)
    session.flush()
    return token, login


def resolve_session(
    *, session: Session, token: str, idle_minutes: int, now: dt.datetime | None = None
) -> LoginSession | None:
    """Find a live session for a cookie token; an idle one is ended on the spot."""
    now = now or utcnow()
    login = session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if login is None or login.ended_at is not None:
        return None
    if now - login.last_seen_at > dt.timedelta(minutes=idle_minutes):
        end_session(session=session, login=login, reason="idle timeout", now=now)
        return None
    if login.user.status != AccountStatus.ACTIVE:
        end_session(session=session, login=login, reason=f"account {login.user.status}", now=now)
        return None
    login.last_seen_at = now
    session.flush()
    return login


def end_session(
    *, session: Session, login: LoginSession, reason: str, now: dt.datetime | None = None
) -> None:
    login.ended_at = now or utcnow()
    login.end_reason = reason
    session.flush()
