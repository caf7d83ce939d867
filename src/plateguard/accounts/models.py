"""Agencies, users, their roles and their server-side login sessions."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, Time, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plateguard.accounts.roles import Role
from plateguard.database import Base, UTCDateTime, utcnow


class Agency(Base):
    """A law-enforcement agency: the operator of this system, or one that data may be shared with."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    ori: Mapped[str | None] = mapped_column(String(9), unique=True)
    state: Mapped[str] = mapped_column(String(2))
    is_public_agency: Mapped[bool] = mapped_column(Boolean, default=True)
    is_home: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccountStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DISABLED = "disabled"


class User(Base):
    """A member of an agency; never deleted, so the access log keeps its meaning."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    status: Mapped[AccountStatus] = mapped_column(String(16), default=AccountStatus.ACTIVE)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # a code is accepted once
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set by an Administrator's reset: the user chooses their own password before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The user's shift in agency time (see accounts/shifts.py); none set: the agency's usual hours apply.
    shift_start: Mapped[dt.time | None] = mapped_column(Time)
    shift_end: Mapped[dt.time | None] = mapped_column(Time)
    shift_weekdays: Mapped[str] = mapped_column(String(7), default="", server_default="")  # "12345"; "": all
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")
    role_grants: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="user"
    )

    @property
    def roles(self) -> set[Role]:
        return {Role(grant.role) for grant in self.role_grants}


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    role: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_grants")


class LoginSession(Base):
    """A browser session, kept on the server so that logout and idle expiry really end it."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship(lazy="joined")


class JobTitle(Base):
    """A job title or designation authorised to use the system, and the roles it carries (460.2.1(a))."""

    __tablename__ = "job_title"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), unique=True)
    roles: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(300), default="")

    @property
    def role_set(self) -> set[Role]:
        return {Role(name) for name in self.roles.split(",") if name}


class RoleSetting(Base):
    """Per-role security settings the Administrator controls, such as mandatory two-factor sign-in."""

    __tablename__ = "role_setting"

    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    totp_required: Mapped[bool] = mapped_column(Boolean, default=False)


class SignInFailure(Base):
    """A failed sign-in, by the username as typed (known or not) and the address it came from.

    Throttling counts these rows, so it holds across restarts and server processes; a successful sign-in
    or an Administrator's unlock clears a username's rows, and rows older than a day are pruned.
    """

    __tablename__ = "sign_in_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
