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


def optional_section(settings: Settings, name: str) -> dict[str, Any] | None:
    """A settings section another part of the system may add (retention, sharing), shown as configured,
    or None so the page says plainly that it is not configured."""
    section = getattr(settings, name, None)
    return section.model_dump(mode="json") if section is not None else None


def facts(session: Session, settings: Settings) -> dict[str, Any]:
    roles = [(ROLE_LABELS[role], sorted(p.value for p in ROLE_PERMISSIONS[role])) for role in Role]
    return {
        "agency": settings.agency,
        "purposes": purposes(settings),
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
        "retention": optional_section(settings, "retention"),
        "sharing": optional_section(settings, "sharing"),
    }
