"""The work behind ``plateguard accounts unlock`` and ``reset-two-factor``: the way back in when every
Administrator is locked out or has lost their authenticator."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from plateguard.access_log.service import Actor
from plateguard.accounts import administration as admin
from plateguard.accounts import service as account_service
from plateguard.accounts import signin
from plateguard.accounts.models import User
from plateguard.cli_common import console_actor, open_database
from plateguard.config import Settings
from plateguard.database import make_session_factory, transaction
from plateguard.errors import NotFound

T = TypeVar("T")
Change = Callable[[Session, User, Actor], T]
"""One account's change, given the session, the account and the console's actor."""


def run_unlock(settings: Settings, *, username: str, reason: str) -> str:
    def unlock(session: Session, user: User, actor: Actor) -> int:
        return signin.unlock(session=session, user=user, actor=actor, reason=reason)

    cleared = _at_the_console(settings, "accounts unlock", username, unlock)
    return f"{username}: unlocked ({cleared} failed sign-in(s) cleared); recorded in the access log."


def run_reset_two_factor(settings: Settings, *, username: str, reason: str) -> str:
    def reset(session: Session, user: User, actor: Actor) -> None:
        admin.reset_totp(session=session, actor=actor, user=user, reason=reason)

    _at_the_console(settings, "accounts reset-two-factor", username, reset)
    return f"{username}: two-factor sign-in turned off, signed out everywhere; recorded in the access log."


def _at_the_console(
    settings: Settings, task: str, username: str, change: Callable[[Session, User, Actor], T]
) -> T:
    """One command's change to one account, in one transaction, by the operator at the server's console."""
    engine = open_database(settings)
    try:
        with transaction(make_session_factory(engine)) as session:
            user = account_service.get_by_username(session=session, username=username)
            if user is None:
                raise NotFound(f"no user {username!r}", field="username")
            return change(session, user, console_actor(settings, task))
    finally:
        engine.dispose()
