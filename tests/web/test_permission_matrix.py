"""Who may call the sensitive routes, written down from docs/roles.md and Policy 460 by hand.

Nothing here is computed from ROUTE_RULES or ROLE_PERMISSIONS: the expectations are the written policy,
so a widened or narrowed rule in either table fails a test. The table checks run in microseconds; the
same matrix is then walked through the running application.
"""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from plateguard.accounts.roles import Role, permissions_for
from plateguard.web.access_rules import Gate, rule_for
from plateguard.web.dependencies import authorize
from tests.conftest import AppFactory, Trained, sign_in
from tests.web.routes import app_routes

ADMIN, OPERATOR, INVESTIGATOR = Role.ADMINISTRATOR, Role.OPERATOR, Role.INVESTIGATOR
AUDITOR, CUSTODIAN, TRAINER = Role.AUDITOR, Role.RECORDS_CUSTODIAN, Role.TRAINING_MANAGER
EVERYONE = frozenset(Role)
PATROL_AND_INVESTIGATION = frozenset({ADMIN, OPERATOR, INVESTIGATOR})

# Route -> the roles that may use it (trained). Written from docs/roles.md's table and its role notes.
MATRIX: dict[tuple[str, str], frozenset[Role]] = {
    # Accounts (460.2.1): the ALPR Administrator alone.
    ("GET", "/admin/users"): frozenset({ADMIN}),
    ("POST", "/admin/users"): frozenset({ADMIN}),
    ("POST", "/admin/users/{user_id}/status"): frozenset({ADMIN}),
    ("POST", "/admin/users/{user_id}/roles"): frozenset({ADMIN}),
    ("POST", "/admin/users/{user_id}/shift"): frozenset({ADMIN}),
    ("POST", "/admin/job-titles"): frozenset({ADMIN}),
    ("POST", "/admin/two-factor-policy"): frozenset({ADMIN}),
    # Training records (460.8): the Training Manager and the Administrator.
    ("GET", "/training"): frozenset({ADMIN, TRAINER}),
    ("POST", "/training/records"): frozenset({ADMIN, TRAINER}),
    ("POST", "/training/courses"): frozenset({ADMIN, TRAINER}),
    # Audits (460.5): auditors and the records custodian read the access log.
    ("GET", "/audit/access-log"): frozenset({ADMIN, AUDITOR, CUSTODIAN}),
    ("GET", "/audit/access-log/export"): frozenset({ADMIN, AUDITOR, CUSTODIAN}),
    # Audits are read by the same roles; only Auditors (and the Administrator) open, find and sign off.
    ("GET", "/audits"): frozenset({ADMIN, AUDITOR, CUSTODIAN}),
    ("GET", "/audits/{audit_id}"): frozenset({ADMIN, AUDITOR, CUSTODIAN}),
    ("GET", "/audits/{audit_id}/report.html"): frozenset({ADMIN, AUDITOR, CUSTODIAN}),
    ("GET", "/audits/{audit_id}/report.pdf"): frozenset({ADMIN, AUDITOR, CUSTODIAN}),
    ("POST", "/audits"): frozenset({ADMIN, AUDITOR}),
    ("POST", "/audits/{audit_id}/items/{item_id}"): frozenset({ADMIN, AUDITOR}),
    ("POST", "/audits/{audit_id}/sign-off"): frozenset({ADMIN, AUDITOR}),
    ("GET", "/dashboards/audit"): frozenset({ADMIN, AUDITOR, CUSTODIAN}),
    ("GET", "/dashboards/operations"): frozenset({ADMIN}),
    # Security incidents: reviewed with the audits; recorded and their notices logged by the Administrator.
    ("GET", "/incidents"): frozenset({ADMIN, AUDITOR, CUSTODIAN}),
    ("POST", "/incidents"): frozenset({ADMIN}),
    ("POST", "/incidents/{incident_id}/notice"): frozenset({ADMIN}),
    # Cameras (460.2): investigators and auditors may look; only the Administrator changes or mints tokens.
    ("GET", "/cameras"): frozenset({ADMIN, INVESTIGATOR, AUDITOR}),
    ("GET", "/cameras/{camera_id}"): frozenset({ADMIN, INVESTIGATOR, AUDITOR}),
    ("POST", "/cameras"): frozenset({ADMIN}),
    ("POST", "/cameras/{camera_id}/log"): frozenset({ADMIN}),
    ("POST", "/cameras/{camera_id}/tokens"): frozenset({ADMIN}),
    ("POST", "/cameras/{camera_id}/tokens/{token_id}/revoke"): frozenset({ADMIN}),
    # Searching stored reads and their images: patrol and investigators, never custodian or auditor.
    ("GET", "/reads/search"): PATROL_AND_INVESTIGATION,
    ("POST", "/api/reads/search"): PATROL_AND_INVESTIGATION,
    ("GET", "/reads/timeline"): PATROL_AND_INVESTIGATION,
    ("GET", "/reads/seen-near"): PATROL_AND_INVESTIGATION,
    ("POST", "/api/reads/seen-near"): PATROL_AND_INVESTIGATION,
    ("GET", "/api/places/address-points"): PATROL_AND_INVESTIGATION,
    ("GET", "/reads/{read_id}"): PATROL_AND_INVESTIGATION,
    ("GET", "/reads/{read_id}/images/{kind}"): PATROL_AND_INVESTIGATION,
    # Evidence exports: investigators (and the Administrator), not everyone who may search.
    ("POST", "/reads/export"): frozenset({ADMIN, INVESTIGATOR}),
    ("POST", "/api/reads/export"): frozenset({ADMIN, INVESTIGATOR}),
    # Hotlists: patrol and investigators see them; only the Administrator manages lists and access.
    ("GET", "/hotlists"): PATROL_AND_INVESTIGATION,
    ("GET", "/hotlists/{hotlist_id}"): PATROL_AND_INVESTIGATION,
    ("POST", "/hotlists"): frozenset({ADMIN}),
    ("POST", "/hotlists/{hotlist_id}/import"): frozenset({ADMIN}),
    ("POST", "/hotlists/{hotlist_id}/grants"): frozenset({ADMIN}),
    ("POST", "/hotlists/{hotlist_id}/grants/revoke"): frozenset({ADMIN}),
    # Alerts (460.3(f)): patrol and investigators see them; patrol verifies.
    ("GET", "/alerts"): PATROL_AND_INVESTIGATION,
    ("GET", "/alerts/stream"): PATROL_AND_INVESTIGATION,
    ("GET", "/alerts/{alert_id}"): PATROL_AND_INVESTIGATION,
    ("GET", "/alerts/{alert_id}/images/{which}"): PATROL_AND_INVESTIGATION,
    ("POST", "/alerts/{alert_id}/verify"): frozenset({ADMIN, OPERATOR}),
    # Any signed-in user, trained or not: their own training, two-factor setup, the start page, sign-out.
    ("GET", "/"): EVERYONE,
    ("GET", "/training/me"): EVERYONE,
    ("GET", "/account/two-factor"): EVERYONE,
    ("POST", "/account/two-factor"): EVERYONE,
    # Machines only: a device token or the metrics token, never a person's session.
    ("POST", "/api/v1/reads"): frozenset(),
    ("POST", "/api/v1/images"): frozenset(),
    ("POST", "/api/v1/adapters/openalpr"): frozenset(),
    ("POST", "/api/v1/adapters/platerecognizer"): frozenset(),
    ("GET", "/metrics"): frozenset(),
}
# Hand-made hotlist entries: which roles besides the Administrator may add or end them is being reworked
# (partial plates only), so only the roles that must never touch them are pinned here.
ENTRY_ROUTES = (
    ("POST", "/hotlists/{hotlist_id}/entries"),
    ("POST", "/hotlists/{hotlist_id}/entries/{entry_id}/remove"),
)
NEVER_ENTRIES = frozenset({OPERATOR, AUDITOR, CUSTODIAN, TRAINER})
PUBLIC = (("GET", "/healthz"), ("GET", "/policy"), ("GET", "/transparency"), ("GET", "/login"))
PUBLIC_TOO = (("POST", "/login"), ("GET", "/static/{path:path}"))
# The names stored with each account and written in docs/roles.md; a rename would orphan stored data.
ROLE_NAMES = {
    "administrator": "ALPR Administrator",
    "operator": "Operator",
    "investigator": "Investigator",
    "auditor": "Auditor",
    "records_custodian": "Records Custodian",
    "training_manager": "Training Manager",
}
PERMISSION_NAMES = {
    "reads:search",
    "reads:view",
    "alerts:view",
    "alerts:verify",
    "hotlists:view",
    "hotlists:manage",
    "hotlists:partial",
    "cameras:view",
    "cameras:manage",
    "accounts:manage",
    "training:manage",
    "audit:read",
    "audit:conduct",
    "incidents:manage",
    "dashboard:operations",
    "retention:manage",
    "retention:approve",
    "evidence:hold",
    "evidence:export",
    "sharing:review",
    "config:manage",
}
# Open without current training (460.3(d) gates ALPR data, not setting the system up).
UNGATED = {("GET", "/admin/users"): ADMIN, ("GET", "/training"): TRAINER, ("GET", "/training/me"): AUDITOR}


def allowed_by_tables(role: Role, method: str, path: str, *, trained: bool = True) -> bool:
    """What the permission tables grant, evaluated the way the gate evaluates them."""
    from plateguard.accounts.roles import TRAINING_GATED, Permission

    rule = rule_for(method, path)
    if rule is None or rule in (Gate.METRICS_TOKEN, Gate.DEVICE_TOKEN):
        return False
    if rule in (Gate.PUBLIC, Gate.SIGNED_IN):
        return True
    assert isinstance(rule, Permission)
    return rule in permissions_for({role}) and (trained or rule not in TRAINING_GATED)


def test_the_tables_grant_exactly_the_written_matrix() -> None:
    wrong = [
        (method, path, role.value)
        for (method, path), roles in MATRIX.items()
        for role in Role
        if allowed_by_tables(role, method, path) != (role in roles)
    ]
    assert wrong == []


def test_hotlist_entries_stay_closed_to_roles_without_hotlist_rights() -> None:
    for method, path in ENTRY_ROUTES:
        assert allowed_by_tables(ADMIN, method, path)
        assert not any(allowed_by_tables(role, method, path) for role in NEVER_ENTRIES)


def test_roles_and_permissions_keep_their_names() -> None:
    assert {role.value: role.label for role in Role} == ROLE_NAMES
    from plateguard.accounts.roles import Permission

    assert {permission.value for permission in Permission} == PERMISSION_NAMES
    assert permissions_for({ADMIN}) == frozenset(Permission)


def test_public_pages_are_public_and_training_gates_only_alpr_data() -> None:
    assert all(allowed_by_tables(role, *route) for route in PUBLIC + PUBLIC_TOO for role in Role)
    assert rule_for("GET", "/healthz") is Gate.PUBLIC and rule_for("POST", "/logout") is Gate.SIGNED_IN
    for route, role in UNGATED.items():
        assert allowed_by_tables(role, *route, trained=False), route
    closed = [r for r, roles in MATRIX.items() if roles and r not in UNGATED and roles != EVERYONE]
    closed = [r for r in closed if not r[1].startswith(("/admin", "/training"))]
    opened = [
        (r, role.value) for r in closed for role in MATRIX[r] if allowed_by_tables(role, *r, trained=False)
    ]
    assert opened == []


def test_a_user_with_two_roles_holds_both_roles_permissions() -> None:
    both = permissions_for({AUDITOR, OPERATOR})
    assert {"audit:read", "cameras:view", "alerts:verify", "reads:search"} <= {p.value for p in both}
    assert "accounts:manage" not in {p.value for p in both}
    assert permissions_for(set()) == frozenset()


def test_a_route_missing_from_the_table_is_refused_by_it() -> None:
    assert rule_for("GET", "/admin/users/export-everything") is None
    assert rule_for("DELETE", "/admin/users") is None


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
