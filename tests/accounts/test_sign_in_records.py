"""What a sign-in leaves behind and tells the user: the access records an auditor reads, the failures kept
for the back-off (and when they are forgotten), the time a paused user is told to come back, and a
two-factor code raced by two sign-ins at once."""

from __future__ import annotations

import datetime as dt
import time

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor
from plateguard.accounts import administration, service, signin
from plateguard.accounts.models import AccountStatus, LoginSession, SignInFailure
from plateguard.accounts.roles import Role
from plateguard.config import Settings
from plateguard.database import read_only, transaction
from plateguard.errors import NotAuthenticated, TooManyAttempts
from tests.accounts.conftest import attempt, strict
from tests.conftest import TEST_PASSWORD, MakeUser

START = dt.datetime(2026, 11, 2, 22, 0, tzinfo=dt.UTC)
WRONG = "not-the-password-1"


def records(db: Session, username: str) -> list[AccessRecord]:
    query = select(AccessRecord).where(AccessRecord.username == username).order_by(AccessRecord.sequence)
    return list(db.scalars(query))


def failures(db: Session) -> list[tuple[str, str, dt.datetime]]:
    rows = db.scalars(select(SignInFailure).order_by(SignInFailure.at, SignInFailure.id))
    return [(row.username, row.address, row.at) for row in rows]


def fail(
    factory: sessionmaker[Session], settings: Settings, username: str, address: str, at: dt.datetime
) -> None:
    with pytest.raises(NotAuthenticated):
        attempt(factory, settings, username, WRONG, address=address, now=at)


def with_security(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update={"security": settings.security.model_copy(update=changes)})


def test_a_paused_user_is_told_when_to_come_back(
    factory: sessionmaker[Session], settings: Settings, make_user: MakeUser
) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    settings = with_security(strict(settings), lockout_base_seconds=61)  # locked at the third failure
    for _ in range(3):
        fail(factory, settings, "ofc.chen", "10.9.9.9", START)
    expected = START + dt.timedelta(seconds=61)
    for now, minutes in ((START, 2), (START + dt.timedelta(seconds=31), 1)):  # 61 s and 30 s to wait
        with pytest.raises(TooManyAttempts) as paused:
            attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.9.9.9", now=now)
        assert paused.value.retry_at == expected
        assert f"try again in {minutes} minute(s)" in paused.value.message
    attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.9.9.9", now=expected)


def test_each_failure_is_recorded_with_its_reason_its_address_and_who_was_tried(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    chen = make_user("ofc.chen", Role.OPERATOR, full_name="Officer James Chen")
    make_user("ofc.gone", Role.OPERATOR).status = AccountStatus.SUSPENDED
    db.flush()
    fail(factory, settings, "ofc.chen", "10.9.9.9", START)
    fail(factory, settings, "nobody.here", "10.8.8.8", START)
    with pytest.raises(NotAuthenticated):  # the right password on a suspended account
        attempt(factory, settings, "ofc.gone", TEST_PASSWORD, address="10.7.7.7", now=START)
    [tried] = records(db, "ofc.chen")
    assert (tried.action, tried.outcome, tried.occurred_at) == ("login.failure", "denied", START)
    assert tried.query == {"reason": "wrong password", "address": "10.9.9.9"}
    assert (tried.user_id, tried.full_name, tried.organisation) == (
        chen.id,
        "Officer James Chen",
        "Test Police Department",
    )
    [unknown] = records(db, "nobody.here")
    assert (unknown.user_id, unknown.full_name, unknown.outcome) == (None, "(no such user)", "denied")
    assert unknown.query == {"reason": "no such user", "address": "10.8.8.8"}
    [closed] = records(db, "ofc.gone")
    assert closed.query == {"reason": "account is suspended", "address": "10.7.7.7"}


def test_a_sign_in_is_recorded_as_it_happened(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    chen = make_user("ofc.chen", Role.OPERATOR)
    signed_in = attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.1.1.1", now=START)
    [record] = records(db, "ofc.chen")
    assert (record.action, record.outcome, record.occurred_at, record.user_id) == (
        "login.success",
        "ok",
        START,
        chen.id,
    )
    db.refresh(chen)
    assert signed_in.user_id == chen.id and chen.last_login_at == START


def test_signing_in_forgets_the_failures_from_that_address_only(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    settings = strict(settings)  # three failures of one username from one address lock that address
    for username, address in (("ofc.chen", "10.1.1.1"), ("ofc.chen", "10.9.9.9"), ("ofc.diaz", "10.1.1.1")):
        for _ in range(2):
            fail(factory, settings, username, address, START)
    attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.1.1.1", now=START)
    assert failures(db) == [("ofc.chen", "10.9.9.9", START)] * 2 + [("ofc.diaz", "10.1.1.1", START)] * 2
    # Two more typing mistakes at her own desk lock nothing: the earlier two there were forgiven.
    for _ in range(2):
        fail(factory, settings, "ofc.chen", "10.1.1.1", START)
    attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.1.1.1", now=START)


def test_unlocking_clears_one_username_from_every_address_and_says_how_many(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    chen = make_user("ofc.chen", Role.OPERATOR)
    settings = strict(settings)
    for username, address in (("ofc.chen", "10.1.1.1"), ("ofc.chen", "10.9.9.9"), ("ofc.diaz", "10.1.1.1")):
        db.add_all(SignInFailure(username=username, address=address, at=START) for _ in range(3))
    db.flush()
    with pytest.raises(TooManyAttempts):
        attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.9.9.9", now=START)
    cleared = signin.unlock(session=db, user=chen, actor=Actor.of(admin), reason="called the desk")
    assert cleared == 6
    assert failures(db) == [("ofc.diaz", "10.1.1.1", START)] * 3
    [record] = [r for r in records(db, "lt.alvarez") if r.action == "account.unlock"]
    assert record.query == {"user": "ofc.chen", "failures_cleared": 6, "reason": "called the desk"}
    for address in ("10.1.1.1", "10.9.9.9"):
        attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address=address, now=START)


def test_a_password_reset_ends_the_back_off_of_a_user_who_forgot_it(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    chen = make_user("ofc.chen", Role.OPERATOR)
    settings = strict(settings)
    for _ in range(3):
        fail(factory, settings, "ofc.chen", "10.1.1.1", START)
    temporary = "amber-kettle-orbit-42"
    service.reset_password(
        session=db, security=settings.security, actor=admin, user=chen, new=temporary, reason="forgot it"
    )
    attempt(factory, settings, "ofc.chen", temporary, address="10.1.1.1", now=START)
    [record] = [r for r in records(db, "lt.alvarez") if r.action == "account.password_reset"]
    assert record.query == {"user": "ofc.chen", "reason": "forgot it", "failures_cleared": 3}


def test_reactivating_an_account_forgives_the_tries_made_while_it_was_closed(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    chen = make_user("ofc.chen", Role.OPERATOR)
    settings = strict(settings)
    administration.set_status(
        session=db, actor=admin, user=chen, status=AccountStatus.SUSPENDED, reason="on leave"
    )
    for _ in range(3):  # her own password, refused while the account is suspended
        with pytest.raises(NotAuthenticated):
            attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.1.1.1", now=START)
    administration.set_status(
        session=db, actor=admin, user=chen, status=AccountStatus.ACTIVE, reason="back from leave"
    )
    attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.1.1.1", now=START)
    changes = [r.query for r in records(db, "lt.alvarez") if r.action == "account.status"]
    assert changes[-1]["failures_cleared"] == 3 and "failures_cleared" not in changes[0]


def test_failures_are_kept_one_day_to_the_second_then_deleted(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    settings = strict(settings)
    one_day = dt.timedelta(days=1)
    for _ in range(2):
        fail(factory, settings, "ofc.chen", "10.9.9.9", START)
    fail(factory, settings, "ofc.diaz", "10.5.5.5", START + dt.timedelta(hours=20))
    # Exactly a day later the two still count: this third failure locks the address.
    fail(factory, settings, "ofc.chen", "10.9.9.9", START + one_day)
    assert records(db, "ofc.chen")[-1].action == "login.lockout"
    with pytest.raises(TooManyAttempts):
        attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.9.9.9", now=START + one_day)
    # Any later failure deletes every one older than a day; younger ones stay.
    later = START + one_day + dt.timedelta(seconds=1)
    fail(factory, settings, "nobody.here", "10.4.4.4", later)
    assert failures(db) == [
        ("ofc.diaz", "10.5.5.5", START + dt.timedelta(hours=20)),
        ("ofc.chen", "10.9.9.9", START + one_day),
        ("nobody.here", "10.4.4.4", later),
    ]


def add_failures(db: Session, username: str, times: list[dt.datetime]) -> None:
    """Failures of one username, each from its own address (so no address is locked or paused)."""
    for number, at in enumerate(times):
        db.add(SignInFailure(username=username, address=f"198.51.100.{number}", at=at))
    db.flush()


def test_a_username_tried_from_many_addresses_is_paused_for_the_window(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    make_user("ofc.diaz", Role.OPERATOR)
    settings = with_security(settings, account_failure_limit=10, throttle_window_minutes=15)
    minute = dt.timedelta(minutes=1)
    add_failures(db, "ofc.chen", [START - 30 * minute + n * minute for n in range(10)])  # outside window
    add_failures(db, "ofc.other", [START + n * minute for n in range(12)])  # someone else's
    attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.1.1.1", now=START + 12 * minute)
    add_failures(db, "ofc.chen", [START + n * minute for n in range(12)])
    # The ten latest are at minutes 2 to 11: the pause lasts until the oldest of them leaves the window.
    now = START + 12 * minute
    with pytest.raises(TooManyAttempts) as paused:
        attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.1.1.1", now=now)
    assert paused.value.retry_at == START + 17 * minute
    attempt(factory, settings, "ofc.diaz", TEST_PASSWORD, address="10.1.1.1", now=now)
    attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.1.1.1", now=START + 17 * minute)


def test_two_sign_ins_racing_with_one_code_let_only_one_in(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    user = make_user("det.nair", Role.INVESTIGATOR)
    secret = administration.new_totp_secret()
    enrolled_at = dt.datetime.now(dt.UTC)  # enrolment checks the code against the clock
    administration.enrol_totp(session=db, user=user, secret=secret, code=pyotp.TOTP(secret).at(enrolled_at))
    now = enrolled_at + dt.timedelta(seconds=60)
    code = pyotp.TOTP(secret).at(now)
    # The second sign-in has read the account and checked the code before the first one wrote its claim.
    with read_only(factory) as session:
        stale = signin._candidate(session, "det.nair")
    verdict = signin._check_secret(stale, TEST_PASSWORD, code, now)
    attempt(factory, settings, "det.nair", TEST_PASSWORD, totp_code=code, address="10.1.1.1", now=now)
    with transaction(factory) as session:
        second = signin._record(session, settings.security, stale, verdict, "det.nair", "10.2.2.2", now)
    assert verdict.ok and second is None
    assert records(db, "det.nair")[-1].query == {
        "reason": "two-factor code already used",
        "address": "10.2.2.2",
    }


def test_an_unknown_username_is_refused_no_faster_than_a_wrong_password(
    factory: sessionmaker[Session], settings: Settings, make_user: MakeUser
) -> None:
    # Otherwise the time of the refusal tells an outsider which usernames exist. A password check takes
    # tens of milliseconds and the rest of a sign-in a few: far enough apart for a ratio on a busy machine.
    make_user("ofc.chen", Role.OPERATOR)

    def refusal_seconds(username: str, address: str) -> float:
        started = time.perf_counter()
        fail(factory, settings, username, address, START)
        return time.perf_counter() - started

    known = min(refusal_seconds("ofc.chen", f"10.0.0.{n}") for n in range(3))
    unknown = min(refusal_seconds("nobody.here", f"10.0.1.{n}") for n in range(3))
    assert unknown > 0.5 * known


def test_signing_in_again_ends_the_earlier_session_at_that_moment(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    chen = make_user("ofc.chen", Role.OPERATOR)
    make_user("ofc.diaz", Role.OPERATOR)
    attempt(factory, settings, "ofc.diaz", TEST_PASSWORD, address="10.2.2.2", now=START)
    attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.1.1.1", now=START)
    later = START + dt.timedelta(hours=3)
    attempt(factory, settings, "ofc.chen", TEST_PASSWORD, address="10.1.1.1", now=later)
    rows = db.scalars(select(LoginSession).order_by(LoginSession.id)).all()
    ended = [(row.user_id == chen.id, row.ended_at, row.end_reason) for row in rows]
    assert ended == [(False, None, None), (True, later, "signed in again"), (True, None, None)]


def test_the_failure_that_locks_is_recorded_as_the_lockout_even_for_a_one_second_lock(
    factory: sessionmaker[Session], db: Session, settings: Settings, make_user: MakeUser
) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    settings = with_security(strict(settings), lockout_base_seconds=1)
    for _ in range(3):
        fail(factory, settings, "ofc.chen", "10.9.9.9", START)
    assert [record.action for record in records(db, "ofc.chen")] == [
        "login.failure",
        "login.failure",
        "login.lockout",
    ]


def test_a_failure_for_an_unknown_username_is_credited_to_nobody(
    factory: sessionmaker[Session], db: Session, settings: Settings
) -> None:
    fail(factory, settings, "nobody.here", "10.8.8.8", START)
    [record] = records(db, "nobody.here")
    assert (record.full_name, record.organisation, record.roles, record.user_id) == (
        "(no such user)",
        "",
        "",
        None,
    )


def test_unlocking_a_username_with_nothing_to_forget_says_none_were_cleared(
    db: Session, make_user: MakeUser
) -> None:
    admin, chen = make_user("lt.alvarez", Role.ADMINISTRATOR), make_user("ofc.chen", Role.OPERATOR)
    db.add(SignInFailure(username="ofc.diaz", address="10.1.1.1", at=START))
    db.flush()
    assert signin.unlock(session=db, user=chen, actor=Actor.of(admin), reason="asked twice") == 0
    assert failures(db) == [("ofc.diaz", "10.1.1.1", START)]
