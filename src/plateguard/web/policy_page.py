"""The facts of the public policy page, read from the live configuration and database (Civil Code
1798.90.51(b)): what the system does is what the page says, because the page is built from the same
settings and tables the code enforces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.checkpoints import published_key
from plateguard.accounts import administration, training
from plateguard.accounts.models import AccountStatus, User, UserRole
from plateguard.accounts.roles import ROLE_LABELS, ROLE_PERMISSIONS, Role
from plateguard.config import Settings
from plateguard.retention import service as retention_service
from plateguard.retention.models import DataKind


@dataclass(frozen=True)
class PurposeLine:
    purpose: str
    roles: str  # who may give it ("" for anyone authorised)
    waived_for: tuple[str, ...]  # actions that need no case number with this purpose
    alert_reads_only: bool


ACTION_WORDS = {
    "reads.view": "viewing a read",
    "reads.image": "viewing a read's images",
    "reads.search": "searching",
    "reads.timeline": "a plate's timeline",
    "reads.seen_near": "vehicles seen near a read",
}


def purposes(settings: Settings) -> list[PurposeLine]:
    lines = []
    for purpose in settings.access.purposes:
        rule = settings.access.purpose_rules.get(purpose)
        roles = ", ".join(ROLE_LABELS[Role(r)] for r in rule.roles) if rule else ""
        waived = tuple(ACTION_WORDS.get(a, a) for a in rule.waives_case_number_for) if rule else ()
        lines.append(PurposeLine(purpose, roles, waived, bool(rule and rule.alert_reads_only)))
    return lines


def holders(session: Session, role: Role) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == role.value, User.status == AccountStatus.ACTIVE)
            .order_by(User.full_name)
        )
    )


RETENTION_LABELS = {
    DataKind.READS: "Plate reads and their images",
    DataKind.ALERTS: "Alerts",
    DataKind.HOTLIST_HISTORY: "Hotlist history",
    DataKind.ACCESS_LOG: "Access log",
    DataKind.RELEASE_REQUESTS: "Release requests",
}


def retention_in_force(session: Session) -> dict[str, str]:
    """Each kind of data with the period of its approved schedule, or that none is approved yet."""
    periods = {}
    for kind, label in RETENTION_LABELS.items():
        schedule = retention_service.in_force(session=session, kind=kind)
        periods[label] = (
            f"{schedule.days} days, then destroyed unless held (approved by {schedule.decided_by})"
            if schedule is not None
            else "no approved schedule yet: kept, nothing destroyed"
        )
    return periods


def sharing_rules(settings: Settings) -> dict[str, str]:
    sharing = settings.sharing
    partners = ", ".join(f"{p.name} ({p.state})" for p in sharing.partners) or "none"
    return {
        "May receive data": " or ".join(k.replace("_", " ") for k in sharing.allowed_kinds)
        + " agencies of "
        + ", ".join(sharing.allowed_states),
        "Refused": "federal, out-of-state and private requesters (Civil Code 1798.90.55)",
        "How": "a written request approved by the ALPR Administrator or designee, kept on file",
        "Approved partners for alerts": partners,
    }


def facts(session: Session, settings: Settings) -> dict[str, Any]:
    roles = [(ROLE_LABELS[role], sorted(p.value for p in ROLE_PERMISSIONS[role])) for role in Role]
    return {
        "agency": settings.agency,
        "purposes": purposes(settings),
        "prohibited": settings.access.prohibited_purposes,
        "job_titles": administration.job_titles(session=session),
        "role_labels": {role.value: label for role, label in ROLE_LABELS.items()},
        "roles": roles,
        "courses": [c for c in training.courses(session=session) if c.required],
        "designees": holders(session, Role.ADMINISTRATOR),
        "custodians": holders(session, Role.RECORDS_CUSTODIAN),
        "auditors": holders(session, Role.AUDITOR),
        "checkpoint_minutes": settings.audit.checkpoint_minutes,
        "checkpoint_key": published_key(settings.data_dir),
        "entry_max_days": settings.access.hotlist_entry_max_days,
        "retention": retention_in_force(session),
        "sharing": sharing_rules(settings),
    }
