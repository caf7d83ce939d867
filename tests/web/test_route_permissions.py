"""Every route, walked with every role, with no session and with an untrained user.

The expected outcome of each request comes from the one permission table (web/access_rules.py); a route
that is not in the table fails this test.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from plateguard.accounts.roles import ROLE_PERMISSIONS, TRAINING_GATED, Permission, Role
from plateguard.web.access_rules import ROUTE_RULES, Gate
from tests.conftest import MakeUser, Train, sign_in
from tests.web.routes import app_routes as find_routes

DENIED = {401, 403}


def app_routes(client: TestClient) -> list[tuple[str, str]]:
    return find_routes(client.app)


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def call(client: TestClient, method: str, path: str, csrf: str = "") -> int:
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    return client.request(  # type: ignore[no-any-return]
        method, concrete(path).replace("{path:path}", "plateguard.css"), headers=headers
    ).status_code


def test_every_route_has_an_access_rule(client: TestClient) -> None:
    found = app_routes(client)
    libraries = {"/static/leaflet/{path:path}", "/static/leaflet/markercluster/{path:path}"}
    missing = [route for route in found if route not in ROUTE_RULES and route[1] not in libraries]
    assert missing == [], f"routes without a rule in web/access_rules.py: {missing}"
    assert len(found) >= len(ROUTE_RULES), "the walk must find every route of every included router"


def test_without_a_session_only_public_routes_answer(client: TestClient) -> None:
    wrong = []
    for (method, path), rule in ROUTE_RULES.items():
        status = call(client, method, path)
        if (rule is Gate.PUBLIC) == (status in DENIED):
            wrong.append((method, path, rule, status))
    assert wrong == []


def expected_denied(rule: object, role: Role | None, trained: bool) -> bool:
    if rule is Gate.PUBLIC:
        return False
    if role is None or rule in (Gate.METRICS_TOKEN, Gate.DEVICE_TOKEN):
        return True
    if rule is Gate.SIGNED_IN:
        return False
    assert isinstance(rule, Permission)
    if rule not in ROLE_PERMISSIONS[role]:
        return True
    return not trained and rule in TRAINING_GATED


def walk(client: TestClient, role: Role, trained: bool) -> list[tuple[str, str, int]]:
    csrf = sign_in(client, f"{role.value.replace('_', '-')}-{'t' if trained else 'u'}")
    wrong = []
    for (method, path), rule in sorted(ROUTE_RULES.items(), key=lambda item: item[0][1] == "/logout"):
        status = call(client, method, path, csrf)
        if expected_denied(rule, role, trained) != (status in DENIED):
            wrong.append((method, path, status))
    return wrong


def test_every_role_trained_and_untrained_gets_what_the_table_says(
    client: TestClient, make_user: MakeUser, train: Train
) -> None:
    for role in Role:
        train(make_user(f"{role.value.replace('_', '-')}-t", role))
        make_user(f"{role.value.replace('_', '-')}-u", role)
    wrong = {}
    for role in Role:
        for trained in (True, False):
            client.cookies.clear()
            mismatches = walk(client, role, trained)
            if mismatches:
                wrong[(role.value, trained)] = mismatches
    assert wrong == {}


def test_untrained_user_is_told_which_course_is_missing(client: TestClient, make_user: MakeUser) -> None:
    make_user("auditor-u", Role.AUDITOR)
    sign_in(client, "auditor-u")
    response = client.get("/audit/access-log")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "training_required"
    assert "ALPR system use and Policy 460" in error["message"]
    assert client.get("/training/me").status_code == 200
