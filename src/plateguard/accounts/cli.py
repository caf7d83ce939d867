"""The work behind ``plateguard accounts unlock``: the way back in when every Administrator is locked."""

from __future__ import annotations

import getpass

from plateguard.access_log.service import Actor
from plateguard.accounts import service as account_service
from plateguard.accounts import signin
from plateguard.config import Settings
from plateguard.database import check_connection, make_engine, make_session_factory, transaction
from plateguard.errors import NotFound


def run_unlock(settings: Settings, *, username: str, reason: str) -> str:
    engine = make_engine(settings.resolved_database_url)
    check_connection(engine)
    try:
        with transaction(make_session_factory(engine)) as session:
            user = account_service.get_by_username(session=session, username=username)
            if user is None:
                raise NotFound(f"no user {username!r}", field="username")
            # The person at the server's console is named in the record: only they can run this.
            actor = Actor(
                f"system:cli:{_operator()}", "plateguard accounts unlock", settings.agency.name, "system"
            )
            cleared = signin.unlock(session=session, user=user, actor=actor, reason=reason)
    finally:
        engine.dispose()
    return f"{user.username}: unlocked ({cleared} failed sign-in(s) cleared); recorded in the access log."


def _operator() -> str:
    try:
        return getpass.getuser()[:40]
    except (KeyError, OSError):
        return "unknown"
