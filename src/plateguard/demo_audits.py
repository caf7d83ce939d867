"""Demo data for audits: two weeks of searches by the demo users, a refused search for a prohibited
purpose, two verified alerts, a signed-off audit of the last seven days, an open one of the week before, and
a security incident."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor, Justification
from plateguard.accounts import service as account_service
from plateguard.alerts import service as alert_service
from plateguard.alerts.models import Alert, AlertOutcome, CletsResult
from plateguard.audits import incidents
from plateguard.audits import service as audits
from plateguard.audits.models import Finding
from plateguard.config import Settings
from plateguard.database import utcnow

SEARCHES = (  # user, purpose, case (on a hotlist entry or a legal hold, but one), plate, local hour
    ("detective", "Criminal investigation", "26-004601", "7ABC123", 10),
    ("detective", "Criminal investigation", "26-004711", "8DEM711", 14),
    ("detective", "Stolen vehicle or plate recovery", "26-004711", "8DEM711", 11),
    ("officer", "Stolen vehicle or plate recovery", "26-004655", "6TRK442", 23),
    ("detective", "Wanted person or warrant", "26-004602", None, 9),
    ("officer", "Criminal investigation", "26-004601", "7ABC123", 16),
    ("detective", "Missing person or AMBER alert", "26-004602", None, 13),
    ("officer", "Criminal investigation", "26-004602", "7ABC123", 15),
)


def add_audits(session: Session, settings: Settings) -> None:
    zone = ZoneInfo(settings.agency.timezone)
    today = utcnow().astimezone(zone).date()
    _add_searches(session, zone, today - dt.timedelta(days=13))
    _verify_two_alerts(session)
    auditor = _actor(session, "auditor")
    done = audits.open_audit(
        session=session,
        actor=auditor,
        settings=settings,
        start=today - dt.timedelta(days=6),
        end=today,
        sample_size=5,
        seed=460,
    )
    for item in done.items:
        finding, note = _finding_for(item.rule)
        audits.record_finding(
            session=session, actor=auditor, audit_id=done.id, item_id=item.id, finding=finding, note=note
        )
    tally = audits.counts(done)
    refused = sum(1 for item in done.items if item.rule == "prohibited_refused")
    summary = (
        f"Audit of the last seven days: {len(done.items)} items reviewed, {tally['justified']} justified, "
        f"{tally['needs_follow_up']} referred to the watch commander for follow-up, "
        f"{tally['violation']} violations. Searches refused for a prohibited purpose: {refused} "
        "(the system refused them; no data was returned)."
    )
    audits.sign_off(session=session, actor=auditor, audit_id=done.id, summary=summary)
    audits.open_audit(
        session=session,
        actor=auditor,
        settings=settings,
        start=today - dt.timedelta(days=13),
        end=today - dt.timedelta(days=7),
        sample_size=5,
        seed=461,
    )
    _add_incident(session, settings)


def _actor(session: Session, username: str) -> Actor:
    user = account_service.get_by_username(session=session, username=username)
    assert user is not None
    return Actor.of(user)


def _add_searches(session: Session, zone: ZoneInfo, first_day: dt.date) -> None:
    rng = random.Random(460)
    for offset in range(14):
        day = first_day + dt.timedelta(days=offset)
        for user, purpose, case, plate, hour in rng.sample(SEARCHES, 3):
            moment = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), zone).astimezone(dt.UTC)
            query = {"plate": plate, "match": "exact"} if plate else {"camera_group": "Downtown"}
            access_log.append(
                session=session,
                actor=_actor(session, user),
                action="reads.search",
                query=query,
                result_count=rng.randrange(1, 40),
                justification=Justification(purpose, "", case),
                now=moment,
            )
    purge = Actor.system("Manteca Police Department", "retention purge")
    for offset in range(14):
        if offset != 4:  # one night the server was down for maintenance: the audit shows the gap
            ran = dt.datetime.combine(first_day + dt.timedelta(days=offset), dt.time(3, 0), zone)
            access_log.append(
                session=session,
                actor=purge,
                action="retention.purged",
                query={"reads": {"expired": 0, "held": 0, "deleted": 0}},
                result_count=0,
                now=ran.astimezone(dt.UTC),
            )
    refused_at = dt.datetime.combine(first_day + dt.timedelta(days=9), dt.time(15, 5), zone).astimezone(
        dt.UTC
    )
    access_log.append(
        session=session,
        actor=_actor(session, "officer"),
        action="reads.search",
        query={
            "prohibited_purpose": "Immigration enforcement",
            "refused": "refused: immigration enforcement is a prohibited purpose",
        },
        result_count=0,
        justification=Justification("Criminal investigation", "request from immigration agents", "26-004790"),
        outcome="refused",
        now=refused_at,
    )


def _verify_two_alerts(session: Session) -> None:
    officer = account_service.get_by_username(session=session, username="officer")
    with system_scope(session, "demo data"):
        alerts = list(session.scalars(select(Alert).order_by(Alert.created_at).limit(4)))
    if officer is None or len(alerts) < 4:
        return
    why = Justification("Alert verification")
    alert_service.verify(
        session=session,
        user=officer,
        alert_id=alerts[0].id,
        visual_match=False,
        clets_result=None,
        outcome=AlertOutcome.MISREAD,
        notes="Plate reads 7A8C123 on the image",
        why=why,
    )
    alert_service.verify(
        session=session,
        user=officer,
        alert_id=alerts[1].id,
        visual_match=True,
        clets_result=CletsResult.CONFIRMED,
        outcome=AlertOutcome.UNABLE_TO_LOCATE,
        why=why,
    )


def _finding_for(rule: str) -> tuple[str, str]:
    if rule == "repeat_plate":
        return (
            Finding.NEEDS_FOLLOW_UP.value,
            "Several cases on one plate; asked the watch commander to confirm.",
        )
    if rule == "prohibited_refused":
        return Finding.JUSTIFIED.value, "Refused by the system as it should be; officer reminded of SB 54."
    if rule == "outside_hours":
        return Finding.JUSTIFIED.value, "Called in on a day off for the case; overtime slip checked."
    if rule == "purge_missed":
        return Finding.JUSTIFIED.value, "Server down for maintenance that night; the next run caught up."
    if rule == "plate_without_link":
        return (
            Finding.NEEDS_FOLLOW_UP.value,
            "No hotlist or case record for this plate; asked for the case file.",
        )
    return Finding.JUSTIFIED.value, ""


def _add_incident(session: Session, settings: Settings) -> None:
    admin = _actor(session, "admin")
    found = utcnow() - dt.timedelta(days=3)
    incidents.record_incident(
        session=session,
        actor=admin,
        discovered_at=found,
        discovered_by="IT security analyst",
        data_involved="CSV export of 1,240 plate reads (Downtown cameras, one week)",
        persons_affected="Registered owners of the vehicles read; about 1,100 California residents",
        residents_affected=1100,
        description="An export was e-mailed to a personal address; the provider was asked to delete it.",
    )
