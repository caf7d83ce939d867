"""The console's main menu: each entry shows only to users holding its permission."""

from __future__ import annotations

from dataclasses import dataclass

from plateguard.accounts.roles import TRAINING_GATED, Permission


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    permission: Permission | None  # None: every signed-in user


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Dashboard", "/", None),
    NavItem("Access log", "/audit/access-log", Permission.AUDIT_READ),
    NavItem("Training", "/training", Permission.TRAINING_MANAGE),
    NavItem("Accounts", "/admin/users", Permission.ACCOUNTS_MANAGE),
    NavItem("My training", "/training/me", None),
    NavItem("Cameras", "/cameras", Permission.CAMERAS_VIEW),
    NavItem("Search reads", "/reads/search", Permission.READS_SEARCH),
)
NAV_ITEMS += (
    NavItem("Alerts", "/alerts", Permission.ALERTS_VIEW),
    NavItem("Hotlists", "/hotlists", Permission.HOTLISTS_VIEW),
)
NAV_ITEMS += (
    NavItem("Retention", "/retention", Permission.RETENTION_MANAGE),
    NavItem("Legal holds", "/holds", Permission.EVIDENCE_HOLD),
    NavItem("Evidence", "/evidence", Permission.EVIDENCE_EXPORT),
    NavItem("Releases", "/releases", Permission.SHARING_REVIEW),
)
NAV_ITEMS += (
    NavItem("Audits", "/audits", Permission.AUDIT_READ),
    NavItem("Operations", "/dashboards/operations", Permission.DASHBOARD_OPERATIONS),
)


def visible_items(permissions: frozenset[Permission], *, trained: bool = True) -> list[NavItem]:
    """The entries the user may open now: an untrained user sees none that training closes."""
    usable = permissions if trained else permissions - TRAINING_GATED
    return [item for item in NAV_ITEMS if item.permission is None or item.permission in usable]
