"""Who may call each route, written down from docs/roles.md and Policy 460 by hand: the tables alone.

Nothing here is computed from ROUTE_RULES or ROLE_PERMISSIONS: the expectations are the written policy,
so a widened or narrowed rule in either table fails a test. Pure (no database, no application): these
run with ``--noconftest`` in the mutation bench; tests/web/test_permission_matrix.py walks the same
matrix through the running application.
"""

from __future__ import annotations

from plateguard.accounts.roles import Role, permissions_for
from plateguard.web.access_rules import Gate, rule_for

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
# The rest of the routes: records (docs/roles.md's table), one's own account, the remaining account
# administration, and the other recognisers' ingest doors. Not walked through the application (the
# route walk in tests/web/test_route_permissions.py covers them there).
RECORDS_CUSTODY = frozenset({ADMIN, CUSTODIAN})
HOLDERS = frozenset({ADMIN, INVESTIGATOR, CUSTODIAN})
MORE_ROUTES: dict[tuple[str, str], frozenset[Role]] = {
    ("GET", "/retention"): RECORDS_CUSTODY,
    ("POST", "/retention/schedules"): RECORDS_CUSTODY,
    # The second step on a retention schedule: the Administrator only, never its proposer's role.
    ("POST", "/retention/schedules/{schedule_id}/decision"): frozenset({ADMIN}),
    ("GET", "/holds"): HOLDERS,
    ("POST", "/holds"): HOLDERS,
    ("POST", "/holds/{hold_id}/release"): HOLDERS,
    ("GET", "/evidence"): frozenset({ADMIN, INVESTIGATOR}),
    ("POST", "/evidence/export"): frozenset({ADMIN, INVESTIGATOR}),
    ("GET", "/releases"): RECORDS_CUSTODY,
    ("POST", "/releases"): RECORDS_CUSTODY,
    ("GET", "/releases/{request_id}"): RECORDS_CUSTODY,
    ("GET", "/releases/{request_id}/document"): RECORDS_CUSTODY,
    ("POST", "/releases/{request_id}/decision"): RECORDS_CUSTODY,
    ("POST", "/releases/{request_id}/fulfil"): RECORDS_CUSTODY,
    ("GET", "/admin/users/{user_id}"): frozenset({ADMIN}),
    ("POST", "/admin/users/{user_id}/unlock"): frozenset({ADMIN}),
    ("POST", "/admin/users/{user_id}/two-factor/reset"): frozenset({ADMIN}),
    ("POST", "/admin/users/{user_id}/password"): frozenset({ADMIN}),
    ("GET", "/account"): EVERYONE,
    ("POST", "/account/password"): EVERYONE,
    ("POST", "/logout"): EVERYONE,
    ("GET", "/openapi.json"): EVERYONE,
    ("POST", "/api/v1/adapters/hikvision"): frozenset(),
    ("POST", "/api/v1/adapters/dahua"): frozenset(),
    ("POST", "/api/v1/adapters/genetec"): frozenset(),
    ("POST", "/api/v1/adapters/survision"): frozenset(),
}
DEVICE_DOORS = {
    route for route, roles in {**MATRIX, **MORE_ROUTES}.items() if not roles and route != ("GET", "/metrics")
}
# Hand-made hotlist entries: which roles besides the Administrator may add or end them is being reworked
# (partial plates only), so only the roles that must never touch them are pinned here.
ENTRY_ROUTES = (
    ("POST", "/hotlists/{hotlist_id}/entries"),
    ("POST", "/hotlists/{hotlist_id}/entries/{entry_id}/remove"),
)
NEVER_ENTRIES = frozenset({OPERATOR, AUDITOR, CUSTODIAN, TRAINER})
PUBLIC = (("GET", "/healthz"), ("GET", "/policy"), ("GET", "/transparency"), ("GET", "/login"))
PUBLIC_TOO = (("POST", "/login"), ("GET", "/static/{path:path}"), ("GET", "/favicon.ico"))
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


def test_the_other_routes_grant_exactly_the_written_matrix() -> None:
    wrong = [
        (method, path, role.value)
        for (method, path), roles in MORE_ROUTES.items()
        for role in Role
        if allowed_by_tables(role, method, path) != (role in roles)
    ]
    assert wrong == []


def test_every_route_in_the_table_is_written_here() -> None:
    from plateguard.web.access_rules import ROUTE_RULES

    written = {*MATRIX, *MORE_ROUTES, *ENTRY_ROUTES, *PUBLIC, *PUBLIC_TOO}
    assert set(ROUTE_RULES) == written


def test_machines_pass_only_with_their_own_tokens() -> None:
    assert len(DEVICE_DOORS) == 8
    assert {route: rule_for(*route) for route in DEVICE_DOORS} == dict.fromkeys(
        DEVICE_DOORS, Gate.DEVICE_TOKEN
    )
    assert rule_for("GET", "/metrics") is Gate.METRICS_TOKEN
    assert [gate.value for gate in Gate] == ["public", "signed-in", "metrics-token", "device-token"]


def test_training_gates_every_power_but_accounts_training_and_configuration() -> None:
    from plateguard.accounts.roles import TRAINING_GATED

    assert sorted(p.value for p in TRAINING_GATED) == sorted(
        PERMISSION_NAMES - {"accounts:manage", "training:manage", "config:manage"}
    )


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


# docs/roles.md's table, role by role.
ROLE_TABLE = {
    OPERATOR: {"reads:search", "reads:view", "alerts:view", "alerts:verify", "hotlists:view"},
    INVESTIGATOR: {
        "reads:search",
        "reads:view",
        "alerts:view",
        "hotlists:view",
        "hotlists:partial",
        "cameras:view",
        "evidence:hold",
        "evidence:export",
    },
    AUDITOR: {"cameras:view", "audit:read", "audit:conduct"},
    CUSTODIAN: {"audit:read", "retention:manage", "evidence:hold", "sharing:review"},
    TRAINER: {"training:manage"},
}


def test_each_role_holds_exactly_the_permissions_docs_roles_md_gives_it() -> None:
    for role, names in ROLE_TABLE.items():
        assert {p.value for p in permissions_for({role})} == names, role
    assert {p.value for p in permissions_for({ADMIN})} == PERMISSION_NAMES


def test_a_user_with_two_roles_holds_both_roles_permissions() -> None:
    both = permissions_for({AUDITOR, OPERATOR})
    assert {"audit:read", "cameras:view", "alerts:verify", "reads:search"} <= {p.value for p in both}
    assert "accounts:manage" not in {p.value for p in both}
    assert permissions_for(set()) == frozenset()


def test_a_route_missing_from_the_table_is_refused_by_it() -> None:
    assert rule_for("GET", "/admin/users/export-everything") is None
    assert rule_for("DELETE", "/admin/users") is None
