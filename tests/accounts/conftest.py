"""Sign-in helpers shared by the accounts tests."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.models import AccessRecord
from plateguard.accounts import signin
from plateguard.config import Settings


def actions_for(db: Session, username: str) -> list[str]:
    rows = db.scalars(
        select(AccessRecord).where(AccessRecord.username == username).order_by(AccessRecord.sequence)
    )
    return [row.action for row in rows]


@pytest.fixture()
def factory(db: Session) -> sessionmaker[Session]:
    """Sessions inside the test's transaction, as the web app's are."""
    return sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def attempt(
    factory: sessionmaker[Session], settings: Settings, username: str, password: str, **extra: object
) -> signin.SignedIn:
    return signin.sign_in(
        factory=factory,
        security=settings.security,
        username=username,
        password=password,
        **extra,  # type: ignore[arg-type]
    )


def strict(settings: Settings) -> Settings:
    """The smallest limits the settings allow, so a test needs few (slow, argon2) attempts."""
    security = settings.security.model_copy(update={"lockout_threshold": 3, "address_failure_limit": 5})
    return settings.model_copy(update={"security": security})
