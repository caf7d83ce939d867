"""The app shell: health, the one error shape, metrics, and server-side sessions."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.accounts.models import LoginSession
from plateguard.accounts.roles import Role
from plateguard.config import Settings
from tests.conftest import MakeUser, login_form_token, post_login, sign_in


def test_health_is_public(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_public_policy_page_shows_the_policy_and_the_designee(
    client: TestClient, make_user: MakeUser
) -> None:
    make_user("lt.alvarez", Role.ADMINISTRATOR, full_name="Lt. Maria Alvarez")
    page = client.get("/policy")
    assert page.status_code == 200
    assert "460.5 ACCOUNTABILITY" in page.text
    assert "Lt. Maria Alvarez" in page.text


def test_errors_share_one_shape(client: TestClient) -> None:
    missing = client.get("/api/no-such-thing")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "Not Found", "field": None}}
    anonymous = client.get("/")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"


def test_bad_form_input_is_a_clear_4xx(client: TestClient) -> None:
    response = client.post("/login", data={"username": "x", "csrf_token": login_form_token(client)})
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_input",
        "message": "password: Field required",
        "field": "password",
    }


def test_browsers_are_sent_to_the_login_page(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"


def test_metrics_need_the_scrape_token(client: TestClient, settings: Settings) -> None:
    assert client.get("/metrics").status_code == 401
    client.get("/healthz")
    token = settings.secret("metrics_token")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert 'plateguard_http_requests_total{route="/healthz",status="200"}' in response.text
    not_ascii = client.get("/metrics", headers={"Authorization": "Bearer \u00e9t\u00e9".encode("latin-1")})
    assert not_ascii.status_code == 401  # a header of any bytes is a refusal, never a server error


def test_a_csrf_header_of_any_bytes_is_a_refusal_not_a_server_error(client: TestClient, trained) -> None:  # type: ignore[no-untyped-def]
    trained("ofc.chen", Role.OPERATOR)
    sign_in(client, "ofc.chen")
    response = client.post("/logout", headers={"X-CSRF-Token": "\u00e9".encode("latin-1") * 43})
    assert response.status_code == 403 and "CSRF" in response.json()["error"]["message"]


def test_login_sets_a_hardened_cookie(client: TestClient, make_user: MakeUser) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    response = post_login(client, "ofc.chen")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_wrong_password_is_refused(client: TestClient, make_user: MakeUser) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    response = post_login(client, "ofc.chen", "wrong-password-entirely")
    assert response.status_code == 401
    assert "Wrong username, password or authenticator code" in response.text


def test_logout_ends_the_session_on_the_server(client: TestClient, make_user: MakeUser) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "ofc.chen")
    stolen_cookie = dict(client.cookies)
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    client.cookies.update(stolen_cookie)
    assert client.get("/").status_code == 401


def test_logout_without_csrf_token_is_refused(client: TestClient, make_user: MakeUser) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    sign_in(client, "ofc.chen")
    response = client.post("/logout", data={})
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert client.get("/").status_code == 200


def test_idle_session_expires(client: TestClient, make_user: MakeUser, db: Session) -> None:
    make_user("ofc.chen", Role.OPERATOR)
    sign_in(client, "ofc.chen")
    login = db.scalars(select(LoginSession)).one()
    login.last_seen_at = login.last_seen_at - dt.timedelta(minutes=31)
    db.flush()
    assert client.get("/").status_code == 401
    db.refresh(login)
    assert login.end_reason == "idle timeout"
