"""Who may call which route: the one table every protected route is checked against.

A route missing from this table is refused to everyone (and the route-permission test fails), so a
new page cannot be reachable by accident. Public routes are listed too, so the test can tell an
intended public page from a forgotten one.
"""

from __future__ import annotations

from enum import StrEnum

from plateguard.accounts.roles import Permission


class Gate(StrEnum):
    PUBLIC = "public"  # on the public router: policy, transparency, health, login
    SIGNED_IN = "signed-in"  # any live session, even without current training (training status, logout)
    METRICS_TOKEN = "metrics-token"  # noqa: S105 - Prometheus scraper with the bearer token from the secrets folder
    DEVICE_TOKEN = "device-token"  # noqa: S105 - a camera or mobile unit with a live token of its own (460.2)


Rule = Gate | Permission

ROUTE_RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): Gate.PUBLIC,
    ("GET", "/policy"): Gate.PUBLIC,
    ("GET", "/transparency"): Gate.PUBLIC,
    ("GET", "/login"): Gate.PUBLIC,
    ("POST", "/login"): Gate.PUBLIC,
    ("GET", "/static/{path:path}"): Gate.PUBLIC,
    ("GET", "/metrics"): Gate.METRICS_TOKEN,
    ("POST", "/logout"): Gate.SIGNED_IN,
    ("GET", "/"): Gate.SIGNED_IN,
    ("GET", "/openapi.json"): Gate.SIGNED_IN,
    ("GET", "/training/me"): Gate.SIGNED_IN,
    ("GET", "/account/two-factor"): Gate.SIGNED_IN,
    ("POST", "/account/two-factor"): Gate.SIGNED_IN,
    ("POST", "/account/password"): Gate.SIGNED_IN,
    ("GET", "/account"): Gate.SIGNED_IN,
    ("GET", "/favicon.ico"): Gate.PUBLIC,
    ("GET", "/training"): Permission.TRAINING_MANAGE,
    ("POST", "/training/records"): Permission.TRAINING_MANAGE,
    ("POST", "/training/courses"): Permission.TRAINING_MANAGE,
    ("GET", "/admin/users"): Permission.ACCOUNTS_MANAGE,
    ("POST", "/admin/users"): Permission.ACCOUNTS_MANAGE,
    ("POST", "/admin/users/{user_id}/status"): Permission.ACCOUNTS_MANAGE,
    ("POST", "/admin/users/{user_id}/roles"): Permission.ACCOUNTS_MANAGE,
    ("POST", "/admin/users/{user_id}/unlock"): Permission.ACCOUNTS_MANAGE,
    ("POST", "/admin/users/{user_id}/two-factor/reset"): Permission.ACCOUNTS_MANAGE,
    ("GET", "/admin/users/{user_id}"): Permission.ACCOUNTS_MANAGE,
    ("POST", "/admin/users/{user_id}/password"): Permission.ACCOUNTS_MANAGE,
    ("POST", "/admin/users/{user_id}/shift"): Permission.ACCOUNTS_MANAGE,
    ("POST", "/admin/job-titles"): Permission.ACCOUNTS_MANAGE,
    ("POST", "/admin/two-factor-policy"): Permission.ACCOUNTS_MANAGE,
    ("GET", "/audit/access-log"): Permission.AUDIT_READ,
    ("GET", "/audit/access-log/export"): Permission.AUDIT_READ,
    # Ingest doors for cameras, mobile units and existing recognisers (docs/connecting-cameras.md).
    ("POST", "/api/v1/reads"): Gate.DEVICE_TOKEN,
    ("POST", "/api/v1/images"): Gate.DEVICE_TOKEN,
    ("POST", "/api/v1/adapters/openalpr"): Gate.DEVICE_TOKEN,
    ("POST", "/api/v1/adapters/platerecognizer"): Gate.DEVICE_TOKEN,
    ("POST", "/api/v1/adapters/hikvision"): Gate.DEVICE_TOKEN,
    ("POST", "/api/v1/adapters/dahua"): Gate.DEVICE_TOKEN,
    ("POST", "/api/v1/adapters/genetec"): Gate.DEVICE_TOKEN,
    ("POST", "/api/v1/adapters/survision"): Gate.DEVICE_TOKEN,
    # Camera management (460.2).
    ("GET", "/cameras"): Permission.CAMERAS_VIEW,
    ("POST", "/cameras"): Permission.CAMERAS_MANAGE,
    ("GET", "/cameras/{camera_id}"): Permission.CAMERAS_VIEW,
    ("POST", "/cameras/{camera_id}/log"): Permission.CAMERAS_MANAGE,
    ("POST", "/cameras/{camera_id}/tokens"): Permission.CAMERAS_MANAGE,
    ("POST", "/cameras/{camera_id}/tokens/{token_id}/revoke"): Permission.CAMERAS_MANAGE,
    # Investigations (reads/search): every one of these writes an access record.
    ("GET", "/reads/search"): Permission.READS_SEARCH,
    ("POST", "/api/reads/search"): Permission.READS_SEARCH,
    ("GET", "/reads/timeline"): Permission.READS_SEARCH,
    ("POST", "/api/reads/seen-near"): Permission.READS_SEARCH,
    ("GET", "/reads/seen-near"): Permission.READS_SEARCH,
    ("GET", "/api/places/address-points"): Permission.READS_SEARCH,
    ("GET", "/reads/{read_id}"): Permission.READS_VIEW,
    ("GET", "/reads/{read_id}/images/{kind}"): Permission.READS_VIEW,
    ("POST", "/reads/export"): Permission.EVIDENCE_EXPORT,
    ("POST", "/api/reads/export"): Permission.EVIDENCE_EXPORT,
}
# Hotlists and alerts
ROUTE_RULES |= {
    ("GET", "/hotlists"): Permission.HOTLISTS_VIEW,
    ("POST", "/hotlists"): Permission.HOTLISTS_MANAGE,
    ("GET", "/hotlists/{hotlist_id}"): Permission.HOTLISTS_VIEW,
    ("POST", "/hotlists/{hotlist_id}/entries"): Permission.HOTLISTS_PARTIAL,
    ("POST", "/hotlists/{hotlist_id}/entries/{entry_id}/remove"): Permission.HOTLISTS_PARTIAL,
    ("POST", "/hotlists/{hotlist_id}/import"): Permission.HOTLISTS_MANAGE,
    ("POST", "/hotlists/{hotlist_id}/grants"): Permission.HOTLISTS_MANAGE,
    ("POST", "/hotlists/{hotlist_id}/grants/revoke"): Permission.HOTLISTS_MANAGE,
    ("GET", "/alerts"): Permission.ALERTS_VIEW,
    ("GET", "/alerts/stream"): Permission.ALERTS_VIEW,
    ("GET", "/alerts/{alert_id}"): Permission.ALERTS_VIEW,
    ("GET", "/alerts/{alert_id}/images/{which}"): Permission.ALERTS_VIEW,
    ("POST", "/alerts/{alert_id}/verify"): Permission.ALERTS_VERIFY,
}
# Records: retention, legal holds, evidence packages and release requests (460.4, 460.7).
ROUTE_RULES |= {
    ("GET", "/retention"): Permission.RETENTION_MANAGE,
    ("POST", "/retention/schedules"): Permission.RETENTION_MANAGE,
    ("POST", "/retention/schedules/{schedule_id}/decision"): Permission.RETENTION_APPROVE,
    ("GET", "/holds"): Permission.EVIDENCE_HOLD,
    ("POST", "/holds"): Permission.EVIDENCE_HOLD,
    ("POST", "/holds/{hold_id}/release"): Permission.EVIDENCE_HOLD,
    ("GET", "/evidence"): Permission.EVIDENCE_EXPORT,
    ("POST", "/evidence/export"): Permission.EVIDENCE_EXPORT,
    ("GET", "/releases"): Permission.SHARING_REVIEW,
    ("POST", "/releases"): Permission.SHARING_REVIEW,
    ("GET", "/releases/{request_id}"): Permission.SHARING_REVIEW,
    ("GET", "/releases/{request_id}/document"): Permission.SHARING_REVIEW,
    ("POST", "/releases/{request_id}/decision"): Permission.SHARING_REVIEW,
    ("POST", "/releases/{request_id}/fulfil"): Permission.SHARING_REVIEW,
}

# Audits, dashboards and security incidents (460.5(c), 460.2.1(c); Civil Code 1798.29 / 1798.82).
ROUTE_RULES |= {
    ("GET", "/audits"): Permission.AUDIT_READ,
    ("POST", "/audits"): Permission.AUDIT_CONDUCT,
    ("GET", "/audits/{audit_id}"): Permission.AUDIT_READ,
    ("POST", "/audits/{audit_id}/items/{item_id}"): Permission.AUDIT_CONDUCT,
    ("POST", "/audits/{audit_id}/sign-off"): Permission.AUDIT_CONDUCT,
    ("GET", "/audits/{audit_id}/report.html"): Permission.AUDIT_READ,
    ("GET", "/audits/{audit_id}/report.pdf"): Permission.AUDIT_READ,
    ("GET", "/dashboards/audit"): Permission.AUDIT_READ,
    ("GET", "/dashboards/operations"): Permission.DASHBOARD_OPERATIONS,
    ("GET", "/incidents"): Permission.AUDIT_READ,
    ("POST", "/incidents"): Permission.INCIDENTS_MANAGE,
    ("POST", "/incidents/{incident_id}/notice"): Permission.INCIDENTS_MANAGE,
}


def rule_for(method: str, path: str) -> Rule | None:
    return ROUTE_RULES.get((method, path))
