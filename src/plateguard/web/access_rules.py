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
    # Investigations (reads/search): every one of these writes an access record.
    ("GET", "/reads/search"): Permission.READS_SEARCH,
    ("POST", "/api/reads/search"): Permission.READS_SEARCH,
    ("GET", "/reads/timeline"): Permission.READS_SEARCH,
    ("POST", "/api/reads/seen-near"): Permission.READS_SEARCH,
    ("GET", "/reads/seen-near"): Permission.READS_SEARCH,
    ("GET", "/reads/{read_id}"): Permission.READS_VIEW,
    ("GET", "/reads/{read_id}/images/{kind}"): Permission.READS_VIEW,
    ("POST", "/reads/export"): Permission.EVIDENCE_EXPORT,
    ("POST", "/api/reads/export"): Permission.EVIDENCE_EXPORT,
}


def rule_for(method: str, path: str) -> Rule | None:
    return ROUTE_RULES.get((method, path))
