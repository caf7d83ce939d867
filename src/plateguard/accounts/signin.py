"""Signing in, built so that anonymous attempts can neither starve the database nor lock anyone out.

* The password (argon2, tens of milliseconds) is checked outside any transaction: a read-only look-up
  first (no write lock on SQLite), then one short write transaction records the outcome.
* Failed sign-ins are rows in the database (``SignInFailure``), counted per address, per username from
  one address, and per username from everywhere; a restart does not clear them.
* A username guessed wrong from one address locks out that address only (back-off doubling from
  ``lockout_base_seconds`` up to ``lockout_max_seconds``, forgotten after a quiet day or on success from
  that address), so
  an outsider cannot lock the Administrator out of her own workstation. Only a flood from many addresses
  pauses a username everywhere, and then only for the throttle window.
* Every refusal reads the same whether the username exists, the account is suspended or locked, or the
  password or the two-factor code was wrong: nobody learns which part was right.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Select, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.accounts import totp
from plateguard.accounts.models import AccountStatus, LoginSession, SignInFailure, User
from plateguard.accounts.passwords import burn_verification_time, verify_password
from plateguard.config import SecuritySettings
from plateguard.database import after_rollback, read_only, transaction, utcnow
from plateguard.errors import InvalidInput, NotAuthenticated, TooManyAttempts

REFUSED = "wrong username, password or authenticator code, or the account cannot sign in now"
MEMORY = dt.timedelta(days=1)  # failures older than this no longer count towards the back-off


@dataclass(frozen=True)
class Candidate:
    """What the password check needs, read in a read-only transaction."""

    user_id: int
    password_hash: str
    totp_secret: str | None
    totp_last_step: int | None


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # why not, for the access record
    step: int | None = None


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    token: str


def sign_in(
    *,
    factory: sessionmaker[Session],
    security: SecuritySettings,
    username: str,
    password: str,
    totp_code: str = "",
    address: str = "unknown",
    now: dt.datetime | None = None,
) -> SignedIn:
    """Check a sign-in; on success open a login session (ending the user's earlier ones)."""
    now = now or utcnow()
    name, address = _printable(username.strip().lower())[:64], _printable(address or "unknown")[:64]
    with read_only(factory) as side:
        wait = throttle_seconds(session=side, security=security, username=name, address=address, now=now)
        candidate = _candidate(side, name) if not wait else None
    if wait:
        raise paused(wait, now)
    verdict = _check_secret(candidate, password, totp_code, now)  # outside any transaction
    with transaction(factory) as session:
        outcome = _record(session, security, candidate, verdict, name, address, now)
    if outcome is None:
        raise NotAuthenticated(REFUSED)
    return outcome


def paused(wait: float, now: dt.datetime, *, field: str | None = None) -> TooManyAttempts:
    minutes = max(1, math.ceil(wait / 60))
    return TooManyAttempts(
        f"Too many failed sign-ins; try again in {minutes} minute(s)",
        retry_at=now + dt.timedelta(seconds=wait),
        field=field,
    )


def check_current_password(
    *,
    session: Session,
    security: SecuritySettings,
    user: User,
    password: str,
    address: str,
    now: dt.datetime | None = None,
) -> None:
    """A signed-in user's password typed again (to change it), throttled and counted as at the sign-in
    form: otherwise anyone at an unlocked workstation could guess it here without limit. A wrong one is a
    failed sign-in of that username from that address, recorded once the caller's work is rolled back."""
    now = now or utcnow()
    username, user_id, address = user.username, user.id, _printable(address or "unknown")[:64]
    wait = throttle_seconds(session=session, security=security, username=username, address=address, now=now)
    if wait:
        raise paused(wait, now, field="current_password")
    if verify_password(user.password_hash, password):
        return

    def write(side: Session) -> None:
        reason = "wrong current password when changing it"
        _fail(side, security, side.get(User, user_id), username, address, reason, now)

    after_rollback(session, write)
    raise InvalidInput("the current password is wrong", field="current_password")


def _printable(text: str) -> str:
    """No NUL or other control characters: PostgreSQL refuses NUL in text, and logs should not hold them."""
    return "".join(char for char in text if char.isprintable())


def _candidate(session: Session, username: str) -> Candidate | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        return None
    return Candidate(user.id, user.password_hash, user.totp_secret, user.totp_last_step)


def _check_secret(candidate: Candidate | None, password: str, code: str, now: dt.datetime) -> Verdict:
    if candidate is None:
        burn_verification_time(password)
        return Verdict(False, "no such user")
    if not verify_password(candidate.password_hash, password):
        return Verdict(False, "wrong password")
    if candidate.totp_secret is None:
        return Verdict(True)
    step = totp.accepted_step(candidate.totp_secret, code, last_step=candidate.totp_last_step, now=now)
    if step is None:
        return Verdict(False, "wrong, missing or reused two-factor code")
    return Verdict(True, step=step)


def _record(
    session: Session,
    security: SecuritySettings,
    candidate: Candidate | None,
    verdict: Verdict,
    name: str,
    address: str,
    now: dt.datetime,
) -> SignedIn | None:
    """The one write transaction of a sign-in: the failure row and its access record, or the session."""
    user = session.get(User, candidate.user_id) if candidate is not None else None
    reason = verdict.reason
    if user is not None and verdict.ok:
        reason = _refusal(session, user, security, verdict, now)
        if not reason:
            return _succeed(session, user, address, now)
    _fail(session, security, user, name, address, reason, now)
    return None


def _refusal(
    session: Session, user: User, security: SecuritySettings, verdict: Verdict, now: dt.datetime
) -> str:
    from plateguard.accounts.service import suspend_if_unused

    suspend_if_unused(session, user, security.inactivity_suspend_days, now)
    if user.status != AccountStatus.ACTIVE:
        return f"account is {user.status}"
    if verdict.step is not None and not _claim_step(session, user, verdict.step):
        return "two-factor code already used"
    return ""


def _claim_step(session: Session, user: User, step: int) -> bool:
    """Record the code's time step unless a concurrent sign-in used it (or a later one) first."""
    result = session.execute(
        update(User)
        .where(User.id == user.id)
        .where((User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step),
        execution_options={"synchronize_session": False},
    )
    session.refresh(user)
    return cast(CursorResult[Any], result).rowcount == 1


def _succeed(session: Session, user: User, address: str, now: dt.datetime) -> SignedIn:
    from plateguard.accounts.service import end_session, start_session

    # Only this address's back-off is forgotten: guesses from elsewhere keep theirs.
    session.execute(
        delete(SignInFailure).where(SignInFailure.username == user.username, SignInFailure.address == address)
    )
    for earlier in session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    ):
        end_session(session=session, login=earlier, reason="signed in again", now=now)
    user.last_login_at = now
    access_log.append(session=session, actor=Actor.of(user), action="login.success", now=now)
    token, _ = start_session(session=session, user=user)
    return SignedIn(user.id, token)


def _fail(
    session: Session,
    security: SecuritySettings,
    user: User | None,
    name: str,
    address: str,
    reason: str,
    now: dt.datetime,
) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.at < now - MEMORY))
    session.add(SignInFailure(username=name, address=address, at=now))  # counted: the session autoflushes
    locked = _pair_wait(session, security, name, address, now) > 0
    actor = Actor.of(user) if user is not None else Actor(name, "(no such user)", "", "")
    access_log.append(
        session=session,
        actor=actor,
        action="login.lockout" if locked else "login.failure",
        query={"reason": reason, "address": address},
        outcome="denied",
        now=now,
    )


def throttle_seconds(
    *, session: Session, security: SecuritySettings, username: str, address: str, now: dt.datetime
) -> float:
    """Seconds until this username may be tried from this address again (0: now)."""
    window = dt.timedelta(minutes=security.throttle_window_minutes)
    by_address = select(SignInFailure.at).where(SignInFailure.address == address)
    by_name = select(SignInFailure.at).where(SignInFailure.username == username)
    waits = [
        _window_wait(session, by_address, security.address_failure_limit, window, now),
        _window_wait(session, by_name, security.account_failure_limit, window, now),
        _pair_wait(session, security, username, address, now),
    ]
    return max(waits)


def _window_wait(
    session: Session, query: Select[dt.datetime], limit: int, window: dt.timedelta, now: dt.datetime
) -> float:
    """Wait until fewer than ``limit`` failures remain inside the window."""
    recent = query.where(SignInFailure.at >= now - window).order_by(SignInFailure.at.desc()).limit(limit)
    times = list(session.scalars(recent))
    if len(times) < limit:
        return 0.0
    return max(0.0, (times[-1] + window - now).total_seconds())


def _pair_wait(
    session: Session, security: SecuritySettings, username: str, address: str, now: dt.datetime
) -> float:
    """Back-off for one username from one address: locked at every ``lockout_threshold``-th failure, for
    ``lockout_base_seconds`` doubling each time, at most ``lockout_max_seconds``."""
    times = list(
        session.scalars(
            select(SignInFailure.at)
            .where(SignInFailure.username == username, SignInFailure.address == address)
            .where(SignInFailure.at >= now - MEMORY)
            .order_by(SignInFailure.at)
        )
    )
    locks = len(times) // security.lockout_threshold
    if locks == 0:
        return 0.0
    started = times[locks * security.lockout_threshold - 1]
    seconds = min(security.lockout_base_seconds * 2 ** min(locks - 1, 20), security.lockout_max_seconds)
    return max(0.0, (started + dt.timedelta(seconds=seconds) - now).total_seconds())


def forget_failures(*, session: Session, username: str) -> int:
    """Delete a username's failed sign-ins from every address (its back-off ends); how many there were.
    The caller logs it, with its own action."""
    result = session.execute(delete(SignInFailure).where(SignInFailure.username == username))
    return cast(CursorResult[Any], result).rowcount


def unlock(*, session: Session, user: User, actor: Actor, reason: str) -> int:
    """Forget a username's failed sign-ins (every address); logged. Returns how many were cleared."""
    cleared = forget_failures(session=session, username=user.username)
    access_log.append(
        session=session,
        actor=actor,
        action="account.unlock",
        query={"user": user.username, "failures_cleared": cleared, "reason": reason},
    )
    session.flush()
    return cleared
