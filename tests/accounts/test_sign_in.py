"""Sign-in rules: lockout with back-off, two-factor codes, inactivity suspension, and their access records."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.accounts import administration, service
from plateguard.accounts.models import AccountStatus
from plateguard.accounts.passwords import check_password_rules
from plateguard.accounts.roles import Role
from plateguard.config import Settings
from plateguard.errors import InvalidInput, NotAuthenticated
from tests.conftest import TEST_PASSWORD, sign_in


def actions_for(db: Session, username: str) -> list[str]:
    rows = db.scalars(
        select(AccessRecord).where(AccessRecord.username == username).order_by(AccessRecord.sequence)
    )
    return [row.action for row in rows]


def attempt(db: Session, settings: Settings, username: str, password: str, **extra: object) -> None:
    service.authenticate(
        session=db, security=settings.security, username=username, password=password, **extra
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short-pass1", False),
        ("password123456", False),
        ("qwertyuiop123", False),
        ("ofc.chen-is-me-2026", False),
        ("long enough plain words", True),
        ("correct-horse-battery-staple", True),
    ],
)
def test_password_rules(password: str, accepted: bool) -> None:
    if accepted:
        check_password_rules(password, min_length=12, username="ofc.chen")
    else:
        with pytest.raises(InvalidInput):
            check_password_rules(password, min_length=12, username="ofc.chen")


def test_five_failures_lock_the_account_with_doubling_back_off(
    db: Session, settings: Settings, make_user
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("ofc.chen", Role.OPERATOR)
    start = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            attempt(db, settings, "ofc.chen", "wrong-password-here", now=start)
    assert user.locked_until == start + dt.timedelta(seconds=60)
    with pytest.raises(NotAuthenticated, match="locked"):
        attempt(db, settings, "ofc.chen", TEST_PASSWORD, now=start + dt.timedelta(seconds=30))
    later = start + dt.timedelta(seconds=61)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            attempt(db, settings, "ofc.chen", "wrong-password-here", now=later)
    assert user.locked_until == later + dt.timedelta(seconds=120)
    attempt(db, settings, "ofc.chen", TEST_PASSWORD, now=later + dt.timedelta(seconds=121))
    actions = actions_for(db, "ofc.chen")
    assert actions.count("login.lockout") == 2 and actions.count("login.failure") == 9
    assert actions[-1] == "login.success"


def test_unknown_user_failures_are_logged(db: Session, settings: Settings) -> None:
    with pytest.raises(NotAuthenticated, match="wrong username or password"):
        attempt(db, settings, "Nobody.Here", "whatever-password")
    assert actions_for(db, "nobody.here") == ["login.failure"]


def test_two_factor_code_is_required_once_enrolled(db: Session, settings: Settings, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("det.nair", Role.INVESTIGATOR)
    secret = administration.new_totp_secret()
    with pytest.raises(InvalidInput, match="does not match"):
        administration.enrol_totp(session=db, user=user, secret=secret, code="000000")
    administration.enrol_totp(session=db, user=user, secret=secret, code=pyotp.TOTP(secret).now())
    with pytest.raises(NotAuthenticated, match="6-digit code"):
        attempt(db, settings, "det.nair", TEST_PASSWORD)
    attempt(db, settings, "det.nair", TEST_PASSWORD, totp_code=pyotp.TOTP(secret).now())
    assert "account.totp_enrolled" in actions_for(db, "det.nair")


def test_mandatory_two_factor_closes_alpr_functions_until_enrolled(
    client: TestClient,
    db: Session,
    make_user,
    train,  # type: ignore[no-untyped-def]
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    train(make_user("auditor", Role.AUDITOR))
    administration.set_totp_required(session=db, actor=admin, role=Role.AUDITOR, required=True)
    sign_in(client, "auditor")
    refused = client.get("/audit/access-log")
    assert refused.status_code == 403 and "two-factor" in refused.json()["error"]["message"]
    assert client.get("/account/two-factor").status_code == 200


def test_unused_accounts_are_suspended(db: Session, settings: Settings, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("ofc.idle", Role.OPERATOR)
    user.last_login_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=91)
    db.flush()
    with pytest.raises(NotAuthenticated, match="suspended"):
        attempt(db, settings, "ofc.idle", TEST_PASSWORD)
    assert user.status == AccountStatus.SUSPENDED
    assert actions_for(db, "system:inactivity") == ["account.status"]


def test_suspend_inactive_sweep(db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    idle, busy = make_user("ofc.idle", Role.OPERATOR), make_user("ofc.busy", Role.OPERATOR)
    idle.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=100)
    busy.last_login_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    db.flush()
    assert administration.suspend_inactive(session=db, days=90) == ["ofc.idle"]
    assert busy.status == AccountStatus.ACTIVE
