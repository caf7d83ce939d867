"""The written permission matrix (tests/web/test_permission_tables.py) walked through the running
application: the gate enforces what the tables grant, for one role and for two, and refuses a route that
has no rule."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from plateguard.accounts.roles import Role
from plateguard.web.dependencies import authorize
from tests.conftest import AppFactory, Trained, sign_in
from tests.web.routes import app_routes
from tests.web.test_permission_tables import (
    ADMIN,
    AUDITOR,
    ENTRY_ROUTES,
    INVESTIGATOR,
    MATRIX,
    NEVER_ENTRIES,
    OPERATOR,
    PUBLIC,
)


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def walk(client: TestClient, routes: list[tuple[str, str]], csrf: str) -> dict[tuple[str, str], int]:
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    return {(m, p): client.request(m, concrete(p), headers=headers).status_code for m, p in routes}


DENIED = {401, 403}


@pytest.mark.slow
def test_the_running_app_enforces_the_written_matrix(client: TestClient, trained: Trained) -> None:
    routes = sorted(MATRIX) + list(ENTRY_ROUTES)
    wrong = []
    for role in Role:
        trained(f"matrix-{role.value}", role)
        client.cookies.clear()
        statuses = walk(client, routes, sign_in(client, f"matrix-{role.value}"))
        for route, status in statuses.items():
            expected_open = role in MATRIX[route] if route in MATRIX else role not in NEVER_ENTRIES
            if route in ENTRY_ROUTES and role is INVESTIGATOR:
                continue
            if expected_open == (status in DENIED):
                wrong.append((role.value, *route, status))
    assert wrong == []


def test_a_user_with_two_roles_can_use_both_in_the_app(client: TestClient, trained: Trained) -> None:
    trained("two-hats", AUDITOR, OPERATOR)
    sign_in(client, "two-hats")
    assert client.get("/audit/access-log").status_code == 200
    assert client.get("/alerts", headers={"Accept": "text/html"}).status_code == 200
    assert client.get("/admin/users").status_code == 403


def test_without_a_session_nothing_but_public_pages_answers(client: TestClient) -> None:
    statuses = walk(client, sorted(MATRIX), "")
    assert {route for route, status in statuses.items() if status not in DENIED} == set()
    assert all(client.get(path).status_code == 200 for _, path in PUBLIC)


def test_a_form_post_without_the_csrf_token_is_refused(client: TestClient, trained: Trained) -> None:
    trained("lt.csrf", ADMIN)
    sign_in(client, "lt.csrf")
    response = client.post("/hotlists", headers={"Accept": "application/json"}, data={"name": "x"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_a_route_without_a_rule_is_refused_to_every_role(app_factory: AppFactory, trained: Trained) -> None:
    app = app_factory()
    inner = APIRouter(prefix="/inner")
    inner.add_api_route("/unlisted", lambda: {"leak": True}, methods=["GET"])
    outer = APIRouter(prefix="/outer")
    outer.include_router(inner)
    outer.add_api_route("/also-unlisted", lambda: {"leak": True}, methods=["POST"])
    app.include_router(outer, dependencies=[Depends(authorize)])
    assert {("GET", "/outer/inner/unlisted"), ("POST", "/outer/also-unlisted")} <= set(app_routes(app))
    with TestClient(app, raise_server_exceptions=False) as client:
        for role in Role:
            trained(f"unlisted-{role.value}", role)
            client.cookies.clear()
            csrf = sign_in(client, f"unlisted-{role.value}")
            statuses = walk(
                client, [("GET", "/outer/inner/unlisted"), ("POST", "/outer/also-unlisted")], csrf
            )
            assert set(statuses.values()) == {403}, (role, statuses)
