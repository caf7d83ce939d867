"""The work behind ``plateguard accounts unlock``: the way back in when every Administrator is locked."""

from __future__ import annotations

from plateguard.accounts import service as account_service
from plateguard.accounts import signin
from plateguard.cli_common import console_actor, open_database
from plateguard.config import Settings
from plateguard.database import make_session_factory, transaction
from plateguard.errors import NotFound


def run_unlock(settings: Settings, *, username: str, reason: str) -> str:
    engine = open_database(settings)
    try:
        with transaction(make_session_factory(engine)) as session:
            user = account_service.get_by_username(session=session, username=username)
            if user is None:
                raise NotFound(f"no user {username!r}", field="username")
            actor = console_actor(settings, "accounts unlock")
            cleared = signin.unlock(session=session, user=user, actor=actor, reason=reason)
    finally:
        engine.dispose()
    return f"{user.username}: unlocked ({cleared} failed sign-in(s) cleared); recorded in the access log."
