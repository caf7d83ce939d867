"""Agencies, user accounts and login sessions. Services flush; the caller commits."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.accounts import signin
from plateguard.accounts.models import AccountStatus, Agency, LoginSession, User, UserRole
from plateguard.accounts.passwords import check_password_rules, hash_password, token_hash, verify_password
from plateguard.accounts.roles import Role
from plateguard.config import SecuritySettings
from plateguard.database import utcnow
from plateguard.errors import Conflict, InvalidInput


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
    """The account itself; ``administration.create_account`` also writes its access record."""
    username = username.strip().lower()
    if not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise InvalidInput("username may hold only letters, digits, '.', '_' and '-'", field="username")
    if get_by_username(session=session, username=username) is not None:
        raise Conflict(f"user {username} already exists", field="username")
    if not roles:
        raise InvalidInput("a user needs at least one role", field="roles")
    check_password_rules(
        password,
        min_length=security.min_password_length,
        username=username,
        agency=agency.name,
        full_name=full_name,
    )
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


def suspend_if_unused(session: Session, user: User, days: int, now: dt.datetime) -> bool:
    """The inactivity rule (460.4): an active account unused for ``days`` is suspended, on the record.
    Applied at sign-in and by the daily ``plateguard accounts suspend-inactive``."""
    last_used = user.last_login_at or user.created_at
    if user.status != AccountStatus.ACTIVE or now - last_used <= dt.timedelta(days=days):
        return False
    user.status = AccountStatus.SUSPENDED
    access_log.append(
        session=session,
        actor=Actor.system(user.agency.name, "inactivity"),
        action="account.status",
        query={"user": user.username, "to": "suspended", "reason": f"unused for {days} days"},
        now=now,
    )
    return True


def change_password(
    *, session: Session, security: SecuritySettings, user: User, current: str, new: str, address: str
) -> None:
    """A user's own change: the current password proves it is them (checked as at sign-in, from
    ``address``); the new one must differ from it."""
    signin.check_current_password(
        session=session, security=security, user=user, password=current, address=address
    )
    if verify_password(user.password_hash, new):
        raise InvalidInput("choose a password you have not used here before", field="new_password")
    _check_new_password(security, user, new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    access_log.append(session=session, actor=Actor.of(user), action="account.password_changed", query={})
    session.flush()


def _check_new_password(security: SecuritySettings, user: User, new: str) -> None:
    try:
        check_password_rules(
            new,
            min_length=security.min_password_length,
            username=user.username,
            agency=user.agency.name,
            full_name=user.full_name,
        )
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="new_password") from exc


def reset_password(
    *, session: Session, security: SecuritySettings, actor: User, user: User, new: str, reason: str
) -> None:
    """The Administrator sets a temporary password: the user must choose their own at the next sign-in,
    every session the user has open ends now, and the username's back-off ends (a user who forgot the
    password has usually locked their own workstation out)."""
    _check_new_password(security, user, new)
    user.password_hash = hash_password(new)
    user.must_change_password = True
    cleared = signin.forget_failures(session=session, username=user.username)
    end_open_sessions(session=session, user=user, reason="password reset")
    access_log.append(
        session=session,
        actor=Actor.of(actor),
        action="account.password_reset",
        query={"user": user.username, "reason": reason, "failures_cleared": cleared},
    )
    session.flush()


def end_open_sessions(*, session: Session, user: User, reason: str) -> None:
    """Sign the user out everywhere: every session still open ends now."""
    for login in session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    ):
        end_session(session=session, login=login, reason=reason)


def start_session(*, session: Session, user: User) -> tuple[str, LoginSession]:
    """Open a login session; returns the cookie token (kept only as a hash) and the session row."""
    token = secrets.token_urlsafe(32)
    login = LoginSession(token_hash=token_hash(token), user=user, csrf_token=secrets.token_urlsafe(32))
    session.add(login)
    session.flush()
    return token, login


def resolve_session(
    *, session: Session, token: str, idle_minutes: int, now: dt.datetime | None = None, activity: bool = True
) -> LoginSession | None:
    """Find a live session for a cookie token; an idle one is ended on the spot. Only ``activity`` (a
    request the user made, not the live alert stream reconnecting on its own) keeps the session alive."""
    now = now or utcnow()
    login = session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if (
        login is None
        or login.ended_at is not None
        or ended_if_idle(session=session, login=login, idle_minutes=idle_minutes, now=now)
    ):
        return None
    if login.user.status != AccountStatus.ACTIVE:
        end_session(session=session, login=login, reason=f"account {login.user.status}", now=now)
        return None
    if activity:
        login.last_seen_at = now
    session.flush()
    return login


def ended_if_idle(*, session: Session, login: LoginSession, idle_minutes: int, now: dt.datetime) -> bool:
    """End ``login`` when it has been idle longer than allowed; True when it was (or is now) ended."""
    if now - login.last_seen_at <= dt.timedelta(minutes=idle_minutes):
        return False
    end_session(session=session, login=login, reason="idle timeout", now=now)
    return True


def end_session(
    *, session: Session, login: LoginSession, reason: str, now: dt.datetime | None = None
) -> None:
    login.ended_at = now or utcnow()
    login.end_reason = reason
    session.flush()
