"""An outsider at the sign-in page: CSRF, lockout of the Administrator, old sessions, weak passwords."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.accounts import service as account_service
from plateguard.accounts.passwords import verify_password
from plateguard.accounts.roles import Role
from plateguard.database import make_session_factory, transaction
from tests.conftest import TEST_PASSWORD, MakeUser, post_login, prepared_data_dir, sign_in
from tests.test_cli import PASSWORD, init, run_cli


def records(db: Session, action: str) -> list[AccessRecord]:
    return list(db.scalars(select(AccessRecord).where(AccessRecord.action == action)))


def lock_out(client: TestClient, username: str, times: int = 5) -> None:
    for _ in range(times):
        assert post_login(client, username, "an-outsider-guess-1").status_code == 401
    assert post_login(client, username).status_code == 429


def test_login_without_its_csrf_token_is_refused(client: TestClient, make_user: MakeUser) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    forged = client.post(
        "/login", data={"username": "ofc.chen", "password": TEST_PASSWORD}, follow_redirects=False
    )
    assert forged.status_code == 403 and "plateguard_session" not in forged.headers.get("set-cookie", "")
    client.get("/login")  # the cookie alone, with a token from elsewhere, is not enough either
    wrong = client.post(
        "/login",
        data={"username": "ofc.chen", "password": TEST_PASSWORD, "csrf_token": "attacker-token"},
        follow_redirects=False,
    )
    assert wrong.status_code == 403
    assert post_login(client, "ofc.chen").status_code == 303


def test_signing_in_again_ends_the_old_session(client: TestClient, make_user: MakeUser) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    sign_in(client, "ofc.chen")
    old_cookie = client.cookies.get("plateguard_session")
    sign_in(client, "ofc.chen")
    other = TestClient(client.app)
    other.cookies.set("plateguard_session", old_cookie or "")
    assert other.get("/").status_code == 401
    assert client.get("/").status_code == 200


def test_a_second_administrator_unlocks_the_first_in_the_console(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    chief = make_user("lt.alvarez", Role.ADMINISTRATOR)
    make_user("lt.ramos", Role.ADMINISTRATOR)
    lock_out(client, "lt.alvarez")
    csrf = sign_in(client, "lt.ramos")
    done = client.post(
        f"/admin/users/{chief.id}/unlock", data={"csrf_token": csrf, "reason": "locked by guesses"}
    )
    assert done.status_code == 200
    client.post("/logout", data={"csrf_token": csrf})
    assert post_login(client, "lt.alvarez").status_code == 303
    unlocked = records(db, "account.unlock")
    assert [(r.username, r.query["user"]) for r in unlocked] == [("lt.ramos", "lt.alvarez")]


def test_the_cli_unlocks_a_locked_administrator_and_logs_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert init(tmp_path, data_dir).returncode == 0
    prepared = prepared_data_dir(data_dir, {})
    from plateguard.main import create_app

    with TestClient(create_app(prepared.settings)) as outsider:
        lock_out(outsider, "lt.alvarez")
        result = run_cli("accounts", "unlock", "lt.alvarez", "--data-dir", str(data_dir), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "unlocked" in result.stdout
        assert post_login(outsider, "lt.alvarez", PASSWORD).status_code == 303
    with transaction(make_session_factory(prepared.engine)) as session:
        unlocked = list(session.scalars(select(AccessRecord).where(AccessRecord.action == "account.unlock")))
        assert len(unlocked) == 1 and unlocked[0].username.startswith("system:cli:")
    missing = run_cli("accounts", "unlock", "nobody", "--data-dir", str(data_dir), cwd=tmp_path)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1


def test_a_password_keeps_its_spaces_as_typed(client: TestClient, make_user: MakeUser) -> None:
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    csrf = sign_in(client, "lt.alvarez")
    typed = "  quiet harbor lantern  "
    created = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "username": "ofc.space",
            "full_name": "Ofc. Space",
            "password": typed,
            "roles": ["operator"],
        },
    )
    assert created.status_code == 200
    fresh = TestClient(client.app)
    assert post_login(fresh, "ofc.space", typed).status_code == 303
    assert post_login(TestClient(client.app), "ofc.space", typed.strip()).status_code == 401


def test_weak_passwords_are_refused_when_an_administrator_creates_an_account(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    csrf = sign_in(client, "lt.alvarez")
    for weak in (
        "aaaaaaaaaaaa",
        "123456789012",
        "passwordpassword",
        "Test Police Department",
        "ofc.weak-2026!",
    ):
        form = {"csrf_token": csrf, "username": "ofc.weak", "full_name": "Ofc. Weak", "password": weak}
        refused = client.post("/admin/users", data=form | {"roles": ["operator"]})
        assert refused.status_code == 422, weak
        assert refused.json()["error"]["field"] == "password"
    assert account_service.get_by_username(session=db, username="ofc.weak") is None
    long_and_strong = "cobalt heron " * 6 + "x" * 150  # past zxcvbn's 72 characters: scored on the start
    form = {"csrf_token": csrf, "username": "ofc.long", "full_name": "Ofc. Long", "password": long_and_strong}
    assert client.post("/admin/users", data=form | {"roles": ["operator"]}).status_code == 200


def test_a_user_cannot_change_to_the_password_they_have(client: TestClient, make_user: MakeUser) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "ofc.chen")
    same = client.post(
        "/account/password",
        data={"csrf_token": csrf, "current_password": TEST_PASSWORD, "new_password": TEST_PASSWORD},
    )
    assert same.status_code == 422 and "not used here before" in same.text
    changed = client.post(
        "/account/password",
        data={"csrf_token": csrf, "current_password": TEST_PASSWORD, "new_password": "velvet otter lamp 93"},
    )
    assert changed.status_code == 200 and "Your password was changed." in changed.text
    assert post_login(TestClient(client.app), "ofc.chen", "velvet otter lamp 93").status_code == 303


def test_guessing_the_current_password_on_the_change_form_is_throttled_like_signing_in(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    """Someone at an officer's unlocked workstation cannot learn the password by trying it as the current
    one: each wrong guess counts as a failed sign-in, and the fifth locks the form out."""
    make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "ofc.chen")

    def change(current: str) -> Response:
        form = {"csrf_token": csrf, "current_password": current, "new_password": "velvet otter lamp 93"}
        response: Response = client.post("/account/password", data=form)
        return response

    for guess in range(5):
        wrong = change(f"a colleague's guess {guess}")
        assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "current_password"
    paused = change(TEST_PASSWORD)
    assert paused.status_code == 429, paused.text
    assert "try again in" in paused.json()["error"]["message"]
    db.expire_all()
    user = account_service.get_by_username(session=db, username="ofc.chen")
    assert user is not None and verify_password(user.password_hash, TEST_PASSWORD)  # not changed
    guesses = records(db, "login.failure") + records(db, "login.lockout")
    assert [r.username for r in guesses] == ["ofc.chen"] * 5 and len(records(db, "login.lockout")) == 1
