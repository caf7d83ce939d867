"""Database value errors: the sender's mistake is a 4xx naming it, a server bug stays a 500."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import DataError

from plateguard.accounts.roles import Role
from plateguard.web.errors import install_error_handlers
from tests.conftest import Trained, sign_in


@dataclass
class DriverError(Exception):
    sqlstate: str


def app_raising(error: Exception) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/things/{thing_id}")
    def thing(thing_id: int) -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


def test_a_value_the_sender_chose_is_a_422_and_a_server_bug_a_500() -> None:
    out_of_range = DataError("UPDATE thing SET n = %s", {}, DriverError("22003"))
    assert app_raising(out_of_range).get("/things/1").status_code == 422
    assert app_raising(OverflowError("Python int too large")).get("/things/1").status_code == 422
    division_by_zero = DataError("SELECT 1 / 0", {}, DriverError("22012"))
    broken = app_raising(division_by_zero).get("/things/1")
    assert broken.status_code == 500 and broken.json()["error"]["code"] == "internal_error"


def test_an_id_no_column_can_hold_is_a_404_naming_it() -> None:
    response = app_raising(OverflowError("Python int too large")).get(f"/things/{2**64}")
    assert response.status_code == 404 and response.json()["error"]["field"] == "thing_id"


def test_a_huge_list_id_on_the_real_console_is_a_404(client: TestClient, trained: Trained) -> None:
    trained("lt.alvarez", Role.ADMINISTRATOR)
    sign_in(client, "lt.alvarez")
    response = client.get(f"/hotlists/{2**64}", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json()["error"]["field"] == "hotlist_id"


def test_a_nul_character_in_a_form_or_a_query_is_a_422_naming_its_field(
    client: TestClient, trained: Trained
) -> None:
    """PostgreSQL stores no NUL in text (and SQLite would store it silently): refused on both, by field."""
    trained("lt.admin", Role.ADMINISTRATOR)
    csrf = sign_in(client, "lt.admin")
    account = {"username": "ofc.nul", "password": "cobalt heron lamp 77", "roles": ["operator"]}
    refused = [
        client.post("/admin/users", data={"csrf_token": csrf, "full_name": "Ofc.\x00 Nul", **account}),
        client.post(
            "/admin/job-titles", data={"csrf_token": csrf, "title": "Detective\x00", "roles": "investigator"}
        ),
        client.post("/training/courses", data={"csrf_token": csrf, "name": "ALPR\x00 basics"}),
        client.get("/audit/access-log", params={"username": "lt.admin\x00"}),
    ]
    fields = [(response.status_code, response.json()["error"]["field"]) for response in refused]
    assert fields == [(422, "full_name"), (422, "title"), (422, "name"), (422, "username")]
    assert "NUL" in refused[0].json()["error"]["message"]
    assert "ofc.nul" not in client.get("/admin/users").text  # nothing was created
