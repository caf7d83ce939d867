"""Two-factor sign-in for a lost phone and at an unlocked workstation: another Administrator (or the
server's console) turns it off and the user is signed out everywhere; turning it on needs the password,
so whoever sits at a signed-in screen cannot tie the account to their own authenticator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyotp
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.accounts import administration
from plateguard.accounts import service as account_service
from plateguard.accounts.models import LoginSession, User
from plateguard.accounts.roles import Role
from plateguard.database import make_session_factory, transaction
from tests.conftest import TEST_PASSWORD, MakeUser, post_login, prepared_data_dir, sign_in
from tests.test_cli import PASSWORD, init, run_cli


def records(db: Session, action: str) -> list[AccessRecord]:
    return list(db.scalars(select(AccessRecord).where(AccessRecord.action == action)))


def enrolled(db: Session, user: User) -> str:
    """Two-factor sign-in on for `user` with a code of the previous step (the current one stays unused)."""
    secret = administration.new_totp_secret()
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)
    administration.enrol_totp(session=db, user=user, secret=secret, code=pyotp.TOTP(secret).at(earlier))
    db.commit()
    return secret


def test_another_administrator_turns_off_a_lost_authenticator_and_signs_the_user_out(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    make_user("lt.ramos", Role.ADMINISTRATOR)
    detective = make_user("det.chen", Role.INVESTIGATOR)
    enrolled(db, detective)
    _, open_session = account_service.start_session(session=db, user=detective)  # e.g. on the lost phone
    db.commit()
    assert post_login(client, "det.chen").status_code == 401  # the password alone is not enough now
    csrf = sign_in(client, "lt.ramos")
    reason = "phone lost on patrol; identity checked in person"
    done = client.post(
        f"/admin/users/{detective.id}/two-factor/reset", data={"csrf_token": csrf, "reason": reason}
    )
    assert done.status_code == 200 and "Two-factor sign-in turned off for det.chen" in done.text
    db.expire_all()
    assert db.get(LoginSession, open_session.id).ended_at is not None  # type: ignore[union-attr]
    assert db.get(User, detective.id).totp_secret is None  # type: ignore[union-attr]
    (record,) = records(db, "account.totp_reset")
    assert (record.username, record.query) == ("lt.ramos", {"user": "det.chen", "reason": reason})
    client.post("/logout", data={"csrf_token": csrf})
    assert post_login(client, "det.chen").status_code == 303  # signs in, to set up a new authenticator


def test_an_administrator_cannot_turn_off_their_own_two_factor_sign_in(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    chief = make_user("lt.alvarez", Role.ADMINISTRATOR)
    secret = enrolled(db, chief)
    post_login(client, "lt.alvarez", totp_code=pyotp.TOTP(secret).now())
    page = client.get("/", headers={"Accept": "text/html"})
    marker = 'name="csrf_token" value="'
    csrf = page.text[page.text.index(marker) + len(marker) :].split('"', 1)[0]
    refused = client.post(
        f"/admin/users/{chief.id}/two-factor/reset", data={"csrf_token": csrf, "reason": "mine"}
    )
    assert refused.status_code == 403 and "another Administrator" in refused.json()["error"]["message"]
    db.expire_all()
    assert db.get(User, chief.id).totp_secret == secret  # type: ignore[union-attr]
    assert records(db, "account.totp_reset") == []


def test_turning_off_two_factor_that_is_not_on_is_refused(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    make_user("lt.ramos", Role.ADMINISTRATOR)
    officer = make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "lt.ramos")
    refused = client.post(
        f"/admin/users/{officer.id}/two-factor/reset", data={"csrf_token": csrf, "reason": "why"}
    )
    assert refused.status_code == 409 and "not on for ofc.chen" in refused.json()["error"]["message"]
    assert records(db, "account.totp_reset") == []


def test_turning_two_factor_on_needs_the_password_and_wrong_guesses_are_throttled(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    officer = make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "ofc.chen")
    secret = pyotp.random_base32()  # the authenticator of whoever sits at the unlocked workstation

    def enrol(password: str) -> int:
        form = {
            "csrf_token": csrf,
            "secret": secret,
            "code": pyotp.TOTP(secret).now(),
            "current_password": password,
        }
        response: Response = client.post("/account/two-factor", data=form, follow_redirects=False)
        return response.status_code

    assert enrol("") == 422
    for guess in range(4):
        assert enrol(f"a passer-by's guess {guess}") == 422
    assert enrol(TEST_PASSWORD) == 429  # five wrong: paused like the sign-in form, even for the right one
    db.expire_all()
    assert db.get(User, officer.id).totp_secret is None  # type: ignore[union-attr]
    assert len(records(db, "login.failure")) + len(records(db, "login.lockout")) == 5
    assert records(db, "account.totp_enrolled") == []


def test_the_owner_turns_two_factor_on_with_their_password(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    officer = make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "ofc.chen")
    page = client.get("/account/two-factor")
    assert 'name="current_password"' in page.text
    secret = pyotp.random_base32()
    form = {
        "csrf_token": csrf,
        "secret": secret,
        "code": pyotp.TOTP(secret).now(),
        "current_password": TEST_PASSWORD,
    }
    assert client.post("/account/two-factor", data=form, follow_redirects=False).status_code == 303
    db.expire_all()
    assert db.get(User, officer.id).totp_secret == secret  # type: ignore[union-attr]


def test_the_console_turns_off_a_locked_out_administrators_two_factor(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert init(tmp_path, data_dir).returncode == 0
    prepared = prepared_data_dir(data_dir, {})
    factory = make_session_factory(prepared.engine)
    with transaction(factory) as session:
        chief = account_service.get_by_username(session=session, username="lt.alvarez")
        assert chief is not None
        secret = administration.new_totp_secret()
        administration.enrol_totp(session=session, user=chief, secret=secret, code=pyotp.TOTP(secret).now())
    from plateguard.main import create_app

    with TestClient(create_app(prepared.settings)) as client:
        assert post_login(client, "lt.alvarez", PASSWORD).status_code == 401
        args = (
            "accounts",
            "reset-two-factor",
            "lt.alvarez",
            "--reason",
            "phone lost",
            "--data-dir",
            str(data_dir),
        )
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "two-factor sign-in turned off" in result.stdout
        assert post_login(client, "lt.alvarez", PASSWORD).status_code == 303
    with transaction(factory) as session:
        (record,) = session.scalars(select(AccessRecord).where(AccessRecord.action == "account.totp_reset"))
        assert record.username.startswith("system:cli:") and record.query["user"] == "lt.alvarez"
    again = run_cli(*args, cwd=tmp_path)
    assert again.returncode == 1 and "not on for lt.alvarez" in again.stderr
