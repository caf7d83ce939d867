"""Security incidents: a suspected breach of ALPR data and the notices it calls for.

Civil Code 1798.29 (agencies) and 1798.82 (others) count ALPR data as personal information: a breach
must be told to the California residents whose data was acquired, and when more than 500 are affected a
sample notice goes to the Attorney General. The deadlines are settings (``incidents.*``). Each incident,
and each notice given is written to the access log, so the record is kept with the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.audits.models import SecurityIncident
from plateguard.config import IncidentSettings
from plateguard.database import utcnow
from plateguard.errors import Conflict, InvalidInput, NotFound

NOTICES = {"residents": "residents_notified_at", "attorney_general": "attorney_general_notified_at"}


@dataclass(frozen=True)
class Duty:
    name: str
    law: str
    due: dt.datetime | None  # None: due once an earlier notice is given
    done_at: dt.datetime | None

    def overdue(self, now: dt.datetime) -> bool:
        return self.done_at is None and self.due is not None and now > self.due


def record_incident(
    *,
    session: Session,
    actor: Actor,
    discovered_at: dt.datetime,
    discovered_by: str,
    data_involved: str,
    persons_affected: str,
    residents_affected: int,
    description: str,
    encrypted_with_key_safe: bool = False,
) -> SecurityIncident:
    for name, value in (
        ("discovered_by", discovered_by),
        ("data_involved", data_involved),
        ("persons_affected", persons_affected),
    ):
        if not value.strip():
            raise InvalidInput(f"{name.replace('_', ' ')} is required", field=name)
    if residents_affected < 0:
        raise InvalidInput("the number of residents affected cannot be negative", field="residents_affected")
    if discovered_at > utcnow() + dt.timedelta(minutes=5):
        raise InvalidInput("the discovery cannot be in the future", field="discovered_at")
    incident = SecurityIncident(
        discovered_at=discovered_at,
        discovered_by=discovered_by.strip()[:200],
        data_involved=data_involved.strip()[:4000],
        persons_affected=persons_affected.strip()[:4000],
        residents_affected=residents_affected,
        description=description.strip()[:8000],
        encrypted_with_key_safe=encrypted_with_key_safe,
        recorded_by=actor.username,
    )
    session.add(incident)
    session.flush()
    access_log.append(
        session=session,
        actor=actor,
        action="incident.recorded",
        query={
            "incident": incident.id,
            "discovered": discovered_at.isoformat(),
            "residents": residents_affected,
        },
    )
    return incident


def duties(incident: SecurityIncident, settings: IncidentSettings) -> list[Duty]:
    """The notices this incident calls for, each with its deadline and when it was given."""
    if incident.encrypted_with_key_safe:
        return []  # encrypted data whose key was not taken: no notice duty under 1798.29(a) / 1798.82(a)
    residents_due = incident.discovered_at + dt.timedelta(days=settings.residents_notice_days)
    found = [
        Duty(
            "Notify affected California residents",
            "Civil Code 1798.29(a) / 1798.82(a)",
            residents_due,
            incident.residents_notified_at,
        )
    ]
    if incident.residents_affected > settings.attorney_general_threshold:
        notified = incident.residents_notified_at
        due = notified + dt.timedelta(days=settings.attorney_general_days) if notified else None
        found.append(
            Duty(
                "Send a sample notice to the Attorney General",
                "Civil Code 1798.29(e) / 1798.82(f)",
                due,
                incident.attorney_general_notified_at,
            )
        )
    return found


def record_notice(
    *, session: Session, actor: Actor, incident_id: int, notice: str, given_on: dt.date, zone: ZoneInfo
) -> SecurityIncident:
    """The day a notice was given (in the agency's zone), between the discovery and today."""
    incident = get_incident(session=session, incident_id=incident_id)
    column = NOTICES.get(notice)
    if column is None:
        raise InvalidInput(f"notice must be one of: {', '.join(NOTICES)}", field="notice")
    if getattr(incident, column) is not None:
        raise Conflict(f"the {notice.replace('_', ' ')} notice of incident {incident.id} is already recorded")
    now = utcnow()
    if not incident.discovered_at.astimezone(zone).date() <= given_on <= now.astimezone(zone).date():
        raise InvalidInput("the notice date must be between the discovery and today", field="given_on")
    if notice == "attorney_general" and incident.residents_notified_at is None:
        raise InvalidInput("record the residents' notice first", field="notice")
    end_of_day = dt.datetime.combine(given_on + dt.timedelta(days=1), dt.time(), zone) - dt.timedelta(
        seconds=1
    )
    setattr(incident, column, max(min(end_of_day.astimezone(dt.UTC), now), incident.discovered_at))
    access_log.append(
        session=session,
        actor=actor,
        action="incident.notice",
        query={"incident": incident.id, "notice": notice, "given_on": given_on.isoformat()},
    )
    session.flush()
    return incident


def get_incident(*, session: Session, incident_id: int) -> SecurityIncident:
    incident = session.get(SecurityIncident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return incident


def list_incidents(*, session: Session) -> list[SecurityIncident]:
    return list(session.scalars(select(SecurityIncident).order_by(SecurityIncident.discovered_at.desc())))


def view_incidents(*, session: Session, actor: Actor) -> list[SecurityIncident]:
    """The incidents as their page shows them: "data involved" is free text that may quote plates, so
    looking at it is an access record, as looking at an audit is."""
    found = list_incidents(session=session)
    access_log.append(
        session=session, actor=actor, action="audit.incidents_viewed", query={}, result_count=len(found)
    )
    return found
