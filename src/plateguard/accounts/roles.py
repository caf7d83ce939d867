"""Built-in roles and the permissions each holds (policy 460.2.1(a), 460.3(e)).

This table is the single place where a role's powers are written down; docs/roles.md describes it and
the route-permission test checks every route against it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    OPERATOR = "operator"
    INVESTIGATOR = "investigator"
    AUDITOR = "auditor"
    RECORDS_CUSTODIAN = "records_custodian"
    TRAINING_MANAGER = "training_manager"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


class Permission(StrEnum):
    READS_SEARCH = "reads:search"
    READS_VIEW = "reads:view"
    ALERTS_VIEW = "alerts:view"
    ALERTS_VERIFY = "alerts:verify"
    HOTLISTS_VIEW = "hotlists:view"
    HOTLISTS_MANAGE = "hotlists:manage"
    HOTLISTS_PARTIAL = "hotlists:partial"
    CAMERAS_VIEW = "cameras:view"
    CAMERAS_MANAGE = "cameras:manage"
    ACCOUNTS_MANAGE = "accounts:manage"
    TRAINING_MANAGE = "training:manage"
    AUDIT_READ = "audit:read"
    AUDIT_CONDUCT = "audit:conduct"  # open audits, record findings, sign off (460.5(c))
    INCIDENTS_MANAGE = "incidents:manage"  # record security incidents and their notices
    DASHBOARD_OPERATIONS = "dashboard:operations"  # the Administrator's dashboard of the system at work
    RETENTION_MANAGE = "retention:manage"
    RETENTION_APPROVE = "retention:approve"  # the Administrator's second step on a retention schedule
    EVIDENCE_HOLD = "evidence:hold"
    EVIDENCE_EXPORT = "evidence:export"
    SHARING_REVIEW = "sharing:review"
    CONFIG_MANAGE = "config:manage"


ROLE_LABELS = {
    Role.ADMINISTRATOR: "ALPR Administrator",
    Role.OPERATOR: "Operator",
    Role.INVESTIGATOR: "Investigator",
    Role.AUDITOR: "Auditor",
    Role.RECORDS_CUSTODIAN: "Records Custodian",
    Role.TRAINING_MANAGER: "Training Manager",
}

P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.OPERATOR: frozenset({P.ALERTS_VIEW, P.ALERTS_VERIFY, P.READS_SEARCH, P.READS_VIEW, P.HOTLISTS_VIEW}),
    Role.INVESTIGATOR: frozenset(
        {
            P.READS_SEARCH,
            P.READS_VIEW,
            P.ALERTS_VIEW,
            P.HOTLISTS_VIEW,
            P.HOTLISTS_PARTIAL,
            P.EVIDENCE_HOLD,
            P.EVIDENCE_EXPORT,
            P.CAMERAS_VIEW,
        }
    ),
    Role.AUDITOR: frozenset({P.AUDIT_READ, P.AUDIT_CONDUCT, P.CAMERAS_VIEW}),
    Role.RECORDS_CUSTODIAN: frozenset({P.RETENTION_MANAGE, P.EVIDENCE_HOLD, P.SHARING_REVIEW, P.AUDIT_READ}),
    Role.TRAINING_MANAGER: frozenset({P.TRAINING_MANAGE}),
}


def permissions_for(roles: set[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


# Everything that touches ALPR data or equipment needs current training (460.3(d)); managing accounts,
# training records and configuration does not, so that an untrained system can be set up.
TRAINING_GATED: frozenset[Permission] = frozenset(Permission) - {
    Permission.ACCOUNTS_MANAGE,
    Permission.TRAINING_MANAGE,
    Permission.CONFIG_MANAGE,
}
