"""What the Administrator does to accounts: lifecycle, roles, job titles, two-factor policy.

Every change is written to the access log in the same transaction as the change itself.
"""

from __future__ import annotations

import datetime as dt

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.accounts import service as account_service
from plateguard.accounts import signin
from plateguard.accounts import totp as totp_codes
from plateguard.accounts.models import AccountStatus, Agency, JobTitle, RoleSetting, User, UserRole
from plateguard.accounts.roles import Role
from plateguard.config import SecuritySettings
from plateguard.database import utcnow
from plateguard.errors import Conflict, Forbidden, InvalidInput, NotFound

TOTP_ISSUER = "plateguard"


def require_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def set_status(*, session: Session, actor: User, user: User, status: AccountStatus, reason: str) -> None:
    """Suspend, disable or reactivate an account; accounts are never deleted."""
    if user.id == actor.id and status != AccountStatus.ACTIVE:
        raise InvalidInput("you cannot suspend or disable your own account", field="status")
    if not reason.strip():
        raise InvalidInput("give a reason for the change", field="reason")
    previous = user.status
    user.status = status
    change: dict[str, object] = {"user": user.username, "from": str(previous), "to": str(status)}
    if status == AccountStatus.ACTIVE:  # a fresh start: tries made while it was closed do not lock it
        change["failures_cleared"] = signin.forget_failures(session=session, username=user.username)
    access_log.append(
        session=session,
        actor=Actor.of(actor),
        action="account.status",
        query={**change, "reason": reason.strip()},
    )
    session.flush()


def set_roles(*, session: Session, actor: User, user: User, roles: set[Role]) -> None:
    if not roles:
        raise InvalidInput("a user needs at least one role", field="roles")
    if user.id == actor.id and Role.ADMINISTRATOR not in roles:
        raise InvalidInput("you cannot remove your own Administrator role", field="roles")
    before = sorted(role.value for role in user.roles)
    # Kept grants stay as they are: a new row for a role already held would collide with the old one
    # (the unique pair user/role) before the old row is deleted.
    kept = [grant for grant in user.role_grants if Role(grant.role) in roles]
    held = {Role(grant.role) for grant in kept}
    user.role_grants = kept + [UserRole(role=role.value) for role in sorted(roles - held)]
    access_log.append(
        session=session,
        actor=Actor.of(actor),
        action="account.roles",
        query={"user": user.username, "from": before, "to": sorted(role.value for role in roles)},
    )
    session.flush()


def suspend_inactive(*, session: Session, days: int, now: dt.datetime | None = None) -> list[str]:
    """Suspend active accounts unused for ``days``; returns the usernames suspended."""
    now = now or utcnow()
    active = session.scalars(select(User).where(User.status == AccountStatus.ACTIVE).order_by(User.username))
    suspended = [
        user.username for user in active if account_service.suspend_if_unused(session, user, days, now)
    ]
    session.flush()
    return suspended


def save_job_title(
    *, session: Session, actor: User, title: str, roles: set[Role], description: str = ""
) -> JobTitle:
    """Define (or redefine) a job title authorised to use the system and the roles it carries."""
    title = title.strip()
    if not title:
        raise InvalidInput("job title is empty", field="title")
    if not roles:
        raise InvalidInput("a job title needs at least one role", field="roles")
    row = session.scalar(select(JobTitle).where(JobTitle.title == title)) or JobTitle(title=title)
    row.roles, row.description = ",".join(sorted(role.value for role in roles)), description.strip()
    session.add(row)
    access_log.append(
        session=session,
        actor=Actor.of(actor),
        action="config.job_title",
        query={"title": title, "roles": row.roles},
    )
    session.flush()
    return row


def job_titles(*, session: Session) -> list[JobTitle]:
    return list(session.scalars(select(JobTitle).order_by(JobTitle.title)))


def roles_for_title(*, session: Session, title: str) -> set[Role]:
    row = session.scalar(select(JobTitle).where(JobTitle.title == title.strip()))
    return row.role_set if row is not None else set()


def totp_required_roles(*, session: Session) -> set[Role]:
    rows = session.scalars(select(RoleSetting).where(RoleSetting.totp_required.is_(True)))
    return {Role(row.role) for row in rows}


def set_totp_required(*, session: Session, actor: User, role: Role, required: bool) -> None:
    row = session.get(RoleSetting, role.value) or RoleSetting(role=role.value)
    row.totp_required = required
    session.add(row)
    access_log.append(
        session=session,
        actor=Actor.of(actor),
        action="config.totp_required",
        query={"role": role.value, "required": required},
    )
    session.flush()


def needs_totp_enrolment(*, session: Session, user: User) -> bool:
    return user.totp_secret is None and bool(user.roles & totp_required_roles(session=session))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(*, user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def enrol_totp(*, session: Session, user: User, secret: str, code: str) -> None:
    """Turn on two-factor sign-in once the user proves their authenticator shows the right code."""
    if user.totp_secret is not None:
        raise Conflict("two-factor sign-in is already on for this account")
    try:
        totp = pyotp.TOTP(secret)
    except ValueError as exc:  # binascii.Error (a key that is not base32) is a ValueError
        raise InvalidInput(
            "the key is not a valid authenticator key; reload the page", field="secret"
        ) from exc
    step = totp_codes.accepted_step(totp.secret, code, last_step=None, now=utcnow())
    if step is None:
        raise InvalidInput(
            "that code does not match; check the authenticator's clock and try again", field="code"
        )
    user.totp_secret, user.totp_last_step = secret, step  # the enrolment code cannot sign in again
    access_log.append(session=session, actor=Actor.of(user), action="account.totp_enrolled")
    session.flush()


def reset_totp(*, session: Session, actor: Actor, user: User, reason: str) -> None:
    """Turn two-factor sign-in off for a user who lost their authenticator (identity checked in person):
    their open sessions end, and at the next sign-in a role that requires it sends them to set it up again.
    An Administrator cannot reset their own: another one, or the server's console, must."""
    if user.totp_secret is None:
        raise Conflict(f"two-factor sign-in is not on for {user.username}")
    if actor.user_id == user.id:
        raise Forbidden("another Administrator must reset your own two-factor sign-in")
    user.totp_secret, user.totp_last_step = None, None
    account_service.end_open_sessions(session=session, user=user, reason="two-factor sign-in reset")
    access_log.append(
        session=session,
        actor=actor,
        action="account.totp_reset",
        query={"user": user.username, "reason": reason},
    )
    session.flush()


def create_account(
    *,
    session: Session,
    actor: Actor,
    security: SecuritySettings,
    agency: Agency,
    username: str,
    full_name: str,
    password: str,
    roles: set[Role],
    job_title: str = "",
) -> User:
    """A new active account, written to the access log as ``account.created`` by the actor."""
    user = account_service.create_user(
        session=session,
        security=security,
        agency=agency,
        username=username,
        full_name=full_name,
        password=password,
        roles=roles,
        job_title=job_title,
    )
    access_log.append(
        session=session,
        actor=actor,
        action="account.created",
        query={
            "user": user.username,
            "roles": sorted(role.value for role in user.roles),
            "title": user.job_title,
        },
    )
    return user
