"""The one pattern for form feedback, tried by a curious insider and an outsider: the refusal goes back
only to a page of this server, carries no password, and a forged or foreign message is never shown."""

from __future__ import annotations

import base64
import json

from fastapi.testclient import TestClient

from plateguard.accounts.roles import Role
from tests.conftest import TEST_PASSWORD, sign_in

HTML = {"Accept": "text/html"}
PAGE = "http://testserver/admin/users"


def weak_account(csrf: str) -> dict[str, object]:
    return {
        "csrf_token": csrf,
        "username": "ofc.weak",
        "full_name": "Ofc. Weak",
        "password": "password1234",
        "roles": ["operator"],
    }


def test_a_refused_form_returns_to_its_page_with_the_message_and_input_but_no_password(  # type: ignore[no-untyped-def]
    client: TestClient, make_user
) -> None:
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    csrf = sign_in(client, "lt.alvarez")
    refused = client.post(
        "/admin/users", data=weak_account(csrf), headers=HTML | {"Referer": PAGE}, follow_redirects=False
    )
    assert refused.status_code == 303 and refused.headers["location"] == "/admin/users"
    flash = refused.cookies["plateguard_flash"]
    payload = json.loads(base64.urlsafe_b64decode(flash.split(".")[0].strip('"')))
    assert payload["field"] == "password" and payload["values"]["username"] == ["ofc.weak"]
    assert "password" not in payload["values"] and "csrf_token" not in payload["values"]
    page = client.get("/admin/users", headers=HTML)
    assert 'id="form-refusal"' in page.text and "Password is on the list" in page.text
    assert "form-refusal" not in client.get("/admin/users", headers=HTML).text  # shown once


def test_a_refusal_never_sends_the_browser_to_another_site(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    csrf = sign_in(client, "lt.alvarez")
    for referer in ("https://evil.example/admin/users", "http://testserver//evil.example/x"):
        refused = client.post(
            "/admin/users",
            data=weak_account(csrf),
            headers=HTML | {"Referer": referer},
            follow_redirects=False,
        )
        assert refused.status_code == 422, referer  # the error page, no redirect
        assert "Password is on the list" in refused.text


def test_a_forged_or_another_sessions_message_is_not_shown(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "lt.alvarez")
    client.post(
        "/admin/users", data=weak_account(csrf), headers=HTML | {"Referer": PAGE}, follow_redirects=False
    )
    stolen = client.cookies["plateguard_flash"]

    other = TestClient(client.app)
    sign_in(other, "ofc.chen", TEST_PASSWORD)
    other.cookies.set("plateguard_flash", stolen)
    assert "form-refusal" not in other.get("/", headers=HTML).text  # signed for another session
    body = base64.urlsafe_b64encode(json.dumps({"kind": "success", "message": "Call 555-0100"}).encode())
    other.cookies.set("plateguard_flash", body.decode() + ".0000")
    assert "555-0100" not in other.get("/", headers=HTML).text
