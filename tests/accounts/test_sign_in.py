"""Sign-in rules: lockout with back-off, two-factor codes, inactivity suspension, and their access records."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.accounts import administration, totp
from plateguard.accounts.models import AccountStatus, SignInFailure
from plateguard.accounts.passwords import check_password_rules
from plateguard.accounts.roles import Role
from plateguard.config import Settings
from plateguard.errors import InvalidInput, NotAuthenticated, TooManyAttempts
from tests.accounts.conftest import actions_for, attempt, strict
from tests.conftest import TEST_PASSWORD, MakeUser, Train, sign_in


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short-pass1", False),
        ("password123456", False),
        ("qwertyuiop123", False),
        ("ofc.chen-is-me-2026", False),
        ("aaaaaaaaaaaa", False),
        ("123456789012", False),
        ("passwordpassword", False),
        ("Manteca Police Department", False),
        ("mantecapolicedepartment1", False),
        ("Officer Sam Chen 1", False),
        ("long enough plain words", True),
        ("correct-horse-battery-staple", True),
    ],
)
def test_password_rules(password: str, accepted: bool) -> None:
    rules = {"min_length": 12, "username": "ofc.chen", "agency": "Manteca Police Department"}
    rules["full_name"] = "Officer Sam Chen"
    if accepted:
        check_password_rules(password, **rules)  # type: ignore[arg-type]
    else:
        with pytest.raises(InvalidInput):
            check_password_rules(password, **rules)  # type: ignore[arg-type]


def test_five_failures_from_one_address_lock_that_address_with_a_capped_back_off(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    start = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            attempt(factory, settings, "ofc.chen", "wrong-password-here", address="10.9.9.9", now=start)
    with pytest.raises(TooManyAttempts):
        attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.9.9.9", now=start)
    # The officer at her own workstation is not locked out by someone else's guesses.
    attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.1.1.1", now=start)
    later = start + dt.timedelta(seconds=61)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            attempt(factory, settings, "ofc.chen", "wrong-password-here", address="10.9.9.9", now=later)
    with pytest.raises(TooManyAttempts):  # second lock: 120 s
        attempt(
            factory,
            settings,
            "ofc.chen",
            TEST_PASSWORD,
            address="10.9.9.9",
            now=later + dt.timedelta(seconds=100),
        )
    attempt(
        factory,
        settings,
        "ofc.chen",
        TEST_PASSWORD,
        address="10.9.9.9",
        now=later + dt.timedelta(seconds=121),
    )
    actions = actions_for(db, "ofc.chen")
    assert actions.count("login.lockout") == 2 and actions.count("login.failure") == 8
    assert actions[-1] == "login.success"


def test_back_off_stops_doubling_at_the_maximum(
    factory: sessionmaker[Session], settings: Settings, make_user: MakeUser
) -> None:
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    settings = strict(settings)
    now = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
    for _ in range(5):  # five locks in a row: 60 s doubling would reach 16 minutes
        for _ in range(3):
            with pytest.raises(NotAuthenticated):
                attempt(factory, settings, "lt.alvarez", "guess-guess-guess", address="203.0.113.5", now=now)
        now += dt.timedelta(seconds=settings.security.lockout_max_seconds + 1)
    attempt(factory, settings, "lt.alvarez", TEST_PASSWORD, address="203.0.113.5", now=now)


def test_an_address_spraying_many_usernames_is_paused(
    factory: sessionmaker[Session], settings: Settings, make_user: MakeUser
) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    settings = strict(settings)
    now = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
    for number in range(settings.security.address_failure_limit):
        with pytest.raises(NotAuthenticated):
            attempt(factory, settings, f"user{number}", "spray-password-1", address="198.51.100.7", now=now)
    with pytest.raises(TooManyAttempts):
        attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="198.51.100.7", now=now)
    attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.1.1.1", now=now)


def test_unknown_suspended_and_locked_accounts_read_the_same(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    make_user("ofc.gone", Role.OPERATOR).status = AccountStatus.SUSPENDED
    make_user("ofc.chen", Role.OPERATOR)
    db.flush()
    settings = strict(settings)
    messages = set()
    for username, password in (
        ("nobody.here", "x" * 14),
        ("ofc.gone", TEST_PASSWORD),
        ("ofc.chen", "x" * 14),
    ):
        with pytest.raises(NotAuthenticated) as refused:
            attempt(factory, settings, username, password, address="10.2.2.2")
        messages.add(refused.value.message)
    assert len(messages) == 1
    waits = set()
    for username, address in (("nobody.here", "10.3.3.3"), ("ofc.chen", "10.4.4.4")):
        for _ in range(settings.security.lockout_threshold):
            with pytest.raises(NotAuthenticated):
                attempt(factory, settings, username, "x" * 14, address=address)
        with pytest.raises(TooManyAttempts) as paused:
            attempt(factory, settings, username, TEST_PASSWORD, address=address)
        waits.add(paused.value.message)
    assert len(waits) == 1


def test_unknown_user_failures_are_logged(
    factory: sessionmaker[Session], db: Session, settings: Settings
) -> None:
    with pytest.raises(NotAuthenticated, match="wrong username, password"):
        attempt(factory, settings, "Nobody.Here", "whatever-password")
    assert actions_for(db, "nobody.here") == ["login.failure"]


def test_two_factor_code_is_required_once_enrolled_and_used_once(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    user = make_user("det.nair", Role.INVESTIGATOR)
    secret = administration.new_totp_secret()
    with pytest.raises(InvalidInput, match="does not match"):
        administration.enrol_totp(session=db, user=user, secret=secret, code="000000")
    enrolled_at = dt.datetime.now(dt.UTC)
    administration.enrol_totp(session=db, user=user, secret=secret, code=pyotp.TOTP(secret).at(enrolled_at))
    with pytest.raises(NotAuthenticated, match="authenticator code"):
        attempt(factory, settings, "det.nair", TEST_PASSWORD)
    later = enrolled_at + dt.timedelta(seconds=31)
    code = pyotp.TOTP(secret).at(later)
    attempt(factory, settings, "det.nair", TEST_PASSWORD, totp_code=code, now=later)
    with pytest.raises(NotAuthenticated):  # the same code a second time: a replay
        attempt(factory, settings, "det.nair", TEST_PASSWORD, totp_code=code, now=later)
    assert "account.totp_enrolled" in actions_for(db, "det.nair")


@pytest.mark.parametrize(("offset", "accepted"), [(-60, False), (-30, True), (0, True), (30, False)])
def test_two_factor_window_takes_the_previous_step_only(offset: int, accepted: bool) -> None:
    secret = pyotp.random_base32()
    now = dt.datetime(2026, 11, 1, 8, 0, 15, tzinfo=dt.UTC)
    code = pyotp.TOTP(secret).at(now + dt.timedelta(seconds=offset))
    step = totp.accepted_step(secret, code, last_step=None, now=now)
    assert (step is not None) is accepted


def test_a_wrong_code_and_a_wrong_password_read_the_same(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    user = make_user("det.nair", Role.INVESTIGATOR)
    secret = administration.new_totp_secret()
    administration.enrol_totp(session=db, user=user, secret=secret, code=pyotp.TOTP(secret).now())
    with pytest.raises(NotAuthenticated) as wrong_code:
        attempt(factory, settings, "det.nair", TEST_PASSWORD, totp_code="123456")
    with pytest.raises(NotAuthenticated) as wrong_password:
        attempt(factory, settings, "det.nair", "not-the-password-1", totp_code="123456")
    assert wrong_code.value.message == wrong_password.value.message


def test_mandatory_two_factor_closes_alpr_functions_until_enrolled(
    client: TestClient,
    db: Session,
    make_user: MakeUser,
    train: Train,
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    train(make_user("auditor", Role.AUDITOR))
    administration.set_totp_required(session=db, actor=admin, role=Role.AUDITOR, required=True)
    sign_in(client, "auditor")
    refused = client.get("/audit/access-log")
    assert refused.status_code == 403 and "two-factor" in refused.json()["error"]["message"]
    assert client.get("/account/two-factor").status_code == 200


def test_unused_accounts_are_suspended(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    user = make_user("ofc.idle", Role.OPERATOR)
    user.last_login_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=91)
    db.flush()
    with pytest.raises(NotAuthenticated):
        attempt(factory, settings, "ofc.idle", TEST_PASSWORD)
    db.refresh(user)
    assert user.status == AccountStatus.SUSPENDED
    assert actions_for(db, "system:inactivity") == ["account.status"]


def test_suspend_inactive_sweep(db: Session, make_user: MakeUser) -> None:
    idle, busy = make_user("ofc.idle", Role.OPERATOR), make_user("ofc.busy", Role.OPERATOR)
    idle.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=100)
    busy.last_login_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    db.flush()
    assert administration.suspend_inactive(session=db, days=90) == ["ofc.idle"]
    assert busy.status == AccountStatus.ACTIVE


def test_a_failure_older_than_a_day_no_longer_counts_towards_the_back_off(
    factory: sessionmaker[Session], settings: Settings, make_user: MakeUser
) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    settings = strict(settings)  # locked at every third failure: 60 s, then 120 s
    start = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
    next_day = start + dt.timedelta(hours=25)
    for moment in (start, next_day):
        for _ in range(3):
            with pytest.raises(NotAuthenticated):
                attempt(factory, settings, "ofc.chen", "wrong-password-here", address="10.9.9.9", now=moment)
    # Counted with yesterday's three this would be the second lock (120 s); alone it is a first (60 s).
    after = next_day + dt.timedelta(seconds=90)
    attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.9.9.9", now=after)


def test_an_overlong_username_and_a_missing_address_are_recorded_cut_and_named(
    factory: sessionmaker[Session], db: Session, settings: Settings
) -> None:
    with pytest.raises(NotAuthenticated):
        attempt(factory, settings, "x" * 300, "whatever-password", address="")
    with pytest.raises(NotAuthenticated):
        attempt(factory, settings, "ofc.nobody", "whatever-password", address="2001:db8::" + "f" * 300)
    failures = db.scalars(select(SignInFailure).order_by(SignInFailure.id)).all()
    assert [(f.username, f.address) for f in failures] == [
        ("x" * 64, "unknown"),
        ("ofc.nobody", ("2001:db8::" + "f" * 300)[:64]),
    ]
