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
    ("GET", "/alerts"): Permission.ALERTS_VIEW,
    ("GET", "/alerts/stream"): Permission.ALERTS_VIEW,
    ("GET", "/alerts/{alert_id}"): Permission.ALERTS_VIEW,
    ("GET", "/alerts/{alert_id}/images/{which}"): Permission.ALERTS_VIEW,
    ("POST", "/alerts/{alert_id}/verify"): Permission.ALERTS_VERIFY,
}


def rule_for(method: str, path: str) -> Rule | None:
    return ROUTE_RULES.get((method, path))
