"""Raising alerts from new reads, showing them, and the verification workflow of policy 460.3(f).

An alert starts unverified. The officer records the visual check (plate and state match: yes/no), the
CLETS check (confirmed / not on file / different vehicle) and an outcome. Recording "enforcement taken"
is refused unless the visual check said yes AND CLETS confirmed. Every step is in the access log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor, Justification
from plateguard.accounts.models import Agency, User
from plateguard.alerts.models import Alert, AlertOutcome, AlertStatus, CletsResult
from plateguard.config import ALERT_PURPOSE
from plateguard.database import utcnow
from plateguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.live import LiveMatcher
from plateguard.hotlists.matching import Match, Matcher, match_read
from plateguard.hotlists.models import Hotlist, HotlistEntry
from plateguard.hotlists.states import of_read
from plateguard.reads.models import PlateRead, StoredImage
from plateguard.reads.plates import normalize_plate
from plateguard.reads.stored import CandidateRow, StoredRead


class VerificationRefused(Forbidden):
    code = "verification_required"


def entry_snapshot(entry: HotlistEntry) -> dict[str, Any]:
    """What the alert keeps of the entry: lists are replaced, alerts must still say what they matched."""
    return {
        "hotlist": entry.hotlist.name,
        "plate": entry.plate,
        "state": entry.state,
        "category": entry.category,
        "reason": entry.reason,
        "vehicle_description": entry.vehicle_description,
        "case_number": entry.case_number,
        "record_id": entry.record_id,
        "expires_at": entry.expires_at.isoformat() if entry.expires_at else None,
        "is_wildcard": entry.is_wildcard,
    }


def process_new_reads(*, session: Session, reads: Sequence[StoredRead], matcher: LiveMatcher) -> list[Alert]:
    """Match reads just stored (or updated) against every live list; add their alerts in the caller's
    transaction. The one match path of ingest (every door), the demo and the tests. Only the reads that
    hit a list are loaded, so a batch without hits costs no extra query."""
    current = matcher.ensure_fresh(session)
    now = utcnow().timestamp()
    hits: dict[uuid.UUID, list[Match]] = {}
    for read in reads:
        matches = _match(current, read.plate_normalized, read.candidates, read.region, now)
        if matches:
            hits[read.id] = matches
    if not hits:
        return []
    with system_scope(session, "hotlist matching"):
        loaded = {r.id: r for r in session.scalars(select(PlateRead).where(PlateRead.id.in_(list(hits))))}
    alerts: list[Alert] = []
    for read_id, matches in hits.items():
        alerts += raise_alerts(session=session, read=loaded[read_id], matches=matches, retroactive=False)
    return alerts


ALTERNATIVES = 4  # alternative readings tried against the lists
ALTERNATIVE_FLOOR = 0.3  # ... when the reader gave them at least this confidence


def _match(
    current: Matcher, plate: str, candidates: Sequence[CandidateRow], region: str | None, now: float
) -> list[Match]:
    return match_read(current, plate, alternatives(plate, candidates), state=of_read(region), now=now)


def alternatives(plate: str, candidates: Sequence[CandidateRow] | None) -> list[str]:
    """The reader's other readings worth matching: the best few, not the long tail of guesses."""
    others = [c for c in candidates or () if float(c.get("confidence") or 0) >= ALTERNATIVE_FLOOR]
    plates = [normalize_plate(str(c.get("plate") or "")) for c in others]
    return [p for p in dict.fromkeys(plates) if p and p != plate][:ALTERNATIVES]


def _entries_held(session: Session, ids: list[int]) -> dict[int, HotlistEntry]:
    """The entries, held until this transaction ends. FOR KEY SHARE (PostgreSQL): an import deleting one
    of them waits for this transaction, or this one sees it gone, so an alert never points at a deleted
    entry; edits of an entry and refreshes of its list go on (SQLite's writer lock serialises all)."""
    wanted = (
        select(HotlistEntry)
        .where(HotlistEntry.id.in_(ids))
        .with_for_update(read=True, key_share=True, of=HotlistEntry)  # not the joined list's row
    )
    with system_scope(session, "hotlist matching"):
        return {entry.id: entry for entry in session.scalars(wanted)}


def raise_alerts(*, session: Session, read: PlateRead, matches: list[Any], retroactive: bool) -> list[Alert]:
    ids = [match.entry.entry_id for match in matches]
    entries = _entries_held(session, ids)
    with system_scope(session, "hotlist matching"):
        already = set(
            session.scalars(select(Alert.entry_id).where(Alert.read_id == read.id, Alert.entry_id.in_(ids)))
        )
    alerts = []
    for match in matches:
        entry = entries.get(match.entry.entry_id)
        if entry is None or entry.id in already:  # removed since the matcher was built, or raised before
            continue
        alert = Alert(
            read_id=read.id,
            camera_id=read.camera_id,
            hotlist_id=entry.hotlist_id,
            entry_id=entry.id,
            entry=entry_snapshot(entry),
            match_kind=match.kind,
            score=match.score,
            state_mismatch=match.state_mismatch,
            retroactive=retroactive,
            created_at=utcnow(),
        )
        session.add(alert)
        alerts.append(alert)
    if alerts:
        session.flush()
        agency = session.get(Agency, read.camera.agency_id)
        access_log.append(
            session=session,
            actor=Actor.system(agency.name if agency else "", "hotlist matching"),
            action="alerts.raise",
            query={
                "read_id": str(read.id),
                "alerts": [str(a.id) for a in alerts],
                "retroactive": retroactive,
            },
            result_count=len(alerts),
        )
    return alerts


def justification() -> Justification:
    """Alert pages are used for one purpose, which the settings keep on the department's purpose list."""
    return Justification(ALERT_PURPOSE)


@dataclass(frozen=True)
class AlertFilter:
    """What the alert list is narrowed to; times (when the vehicle was read) are UTC."""

    status: str = ""
    hotlist_id: int | None = None
    camera_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def as_query(self) -> dict[str, Any]:
        """The filters for the access record: the status always, the others when set."""
        chosen = {
            "hotlist_id": self.hotlist_id,
            "camera_id": self.camera_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {"status": self.status or "any", **{k: v for k, v in chosen.items() if v is not None}}


def list_alerts(
    *,
    session: Session,
    user: User,
    why: Justification | None,
    status: str = "",
    where: AlertFilter | None = None,
    limit: int = 100,
) -> list[Alert]:
    where = where or AlertFilter(status=status)
    visible = hotlist_service.visible_ids(session=session, user=user)
    query = select(Alert).where(Alert.hotlist_id.in_(visible))
    if where.status:
        query = query.where(Alert.status == where.status)
    if where.hotlist_id:
        query = query.where(Alert.hotlist_id == where.hotlist_id)
    if where.camera_id:
        query = query.where(Alert.camera_id == where.camera_id)
    if where.since or where.until:
        query = query.join(PlateRead, PlateRead.id == Alert.read_id)
    if where.since:
        query = query.where(PlateRead.captured_at >= where.since)
    if where.until:
        query = query.where(PlateRead.captured_at <= where.until)
    exact = {**where.as_query(), "limit": limit}
    with access_log.audited_access(
        session=session, actor=Actor.of(user), action="alerts.list", query=exact, justification=why
    ) as result:
        alerts = list(session.scalars(query.order_by(Alert.created_at.desc()).limit(limit)))
        result.count = len(alerts)
    return alerts


def get_alert(*, session: Session, user: User, alert_id: uuid.UUID, why: Justification | None) -> Alert:
    with access_log.audited_access(
        session=session,
        actor=Actor.of(user),
        action="alerts.view",
        query={"alert_id": str(alert_id)},
        justification=why,
    ) as result:
        alert = session.get(Alert, alert_id)
        result.count = 0 if alert is None else 1
        return _visible(session=session, user=user, alert=alert, alert_id=alert_id)


def alert_image(
    *, session: Session, user: User, alert_id: uuid.UUID, which: str, why: Justification | None
) -> StoredImage:
    """The plate crop or the overview image of an alert's read, for a user who may see the alert; the
    look is one access record (``alerts.image``), written too when it is refused."""
    if which not in ("plate", "overview"):
        raise NotFound("image is 'plate' or 'overview'")
    query = {"alert_id": str(alert_id), "image": which}
    with access_log.audited_access(
        session=session, actor=Actor.of(user), action="alerts.image", query=query, justification=why
    ) as result:
        alert = _visible(session=session, user=user, alert=session.get(Alert, alert_id), alert_id=alert_id)
        sha = alert.read.plate_image_sha256 if which == "plate" else alert.read.overview_image_sha256
        image = session.get(StoredImage, sha) if sha else None
        if image is None:
            raise NotFound(f"this read has no {which} image")
        result.query["sha256"], result.count = image.sha256, 1
    return image


def _visible(*, session: Session, user: User, alert: Alert | None, alert_id: uuid.UUID) -> Alert:
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    hotlist = session.get(Hotlist, alert.hotlist_id)
    if hotlist is not None:
        hotlist_service.require_visible(session=session, user=user, hotlist=hotlist)
    return alert


def status_after(visual_match: bool | None, clets: CletsResult | None) -> AlertStatus:
    if visual_match is False or clets in (CletsResult.NOT_ON_FILE, CletsResult.DIFFERENT_VEHICLE):
        return AlertStatus.NOT_CONFIRMED
    if visual_match is True and clets is CletsResult.CONFIRMED:
        return AlertStatus.CONFIRMED
    return AlertStatus.UNVERIFIED


def check_outcome(visual_match: bool | None, clets: CletsResult | None, outcome: AlertOutcome | None) -> None:
    """460.3(f): no enforcement on an ALPR alert alone."""
    if outcome is AlertOutcome.ENFORCEMENT_TAKEN and not (
        visual_match is True and clets is CletsResult.CONFIRMED
    ):
        raise VerificationRefused(
            "enforcement cannot be recorded until the plate and state are confirmed visually (yes) "
            "and CLETS confirms the hit (policy 460.3(f))",
            field="outcome",
        )


def verify(
    *,
    session: Session,
    user: User,
    alert_id: uuid.UUID,
    visual_match: bool | None,
    clets_result: CletsResult | None,
    outcome: AlertOutcome | None,
    notes: str = "",
    why: Justification | None,
) -> Alert:
    """Record one verification step (or several at once); each call is one access record.

    A visual match on a read without a plate image needs a note in the same step: there was no image
    to compare, so the record must say what the officer did see."""
    query = {
        "alert_id": str(alert_id),
        "visual_match": visual_match,
        "clets_result": clets_result.value if clets_result else None,
        "outcome": outcome.value if outcome else None,
    }
    with access_log.audited_access(
        session=session, actor=Actor.of(user), action="alerts.verify", query=query, justification=why
    ) as result:
        alert = _visible(session=session, user=user, alert=session.get(Alert, alert_id), alert_id=alert_id)
        result.count = 1
    if alert.status is AlertStatus.CLOSED or alert.outcome is not None:
        raise Conflict("this alert is closed; its outcome was recorded", field="outcome")
    visual = visual_match if visual_match is not None else alert.visual_match
    clets = clets_result or (CletsResult(alert.clets_result) if alert.clets_result else None)
    try:
        check_outcome(visual, clets, outcome)
    except VerificationRefused as refused:
        # Nothing of the refused step is kept; the refusal itself is recorded once it is rolled back.
        actor = Actor.of(user)
        reason = refused.message
        access_log.record_refusal(
            session=session, actor=actor, action="alerts.verify", query=query, reason=reason, outcome="denied"
        )
        raise
    if visual_match is True and alert.read.plate_image_sha256 is None and not notes.strip():
        raise InvalidInput(
            "this read has no plate image: say in the notes how the plate and state were confirmed "
            "(for example, seen on the vehicle itself) before recording a visual match",
            field="notes",
        )
    alert.visual_match, alert.clets_result = visual, clets
    alert.status = AlertStatus.CLOSED if outcome else status_after(visual, clets)
    alert.outcome = outcome
    if notes.strip():
        alert.notes = (alert.notes + "\n" + notes.strip()).strip()[:4000]
    alert.verified_by, alert.verified_at = user.username, utcnow()
    session.flush()
    return alert


PUSH_PAGE = 20
"""Alerts one look of an alert stream fetches at most; the rest follow on the next tick."""


def recent_for_push(
    *,
    session: Session,
    user: User,
    since: dt.datetime,
    sent: Collection[uuid.UUID] = (),
    limit: int = PUSH_PAGE,
) -> list[Alert]:
    """New live (not retroactive) alerts on lists the user may see, other than those already `sent`,
    oldest first, checked by the system."""
    visible = hotlist_service.visible_ids(session=session, user=user)
    query = (
        select(Alert)
        .where(Alert.created_at > since, Alert.retroactive.is_(False), Alert.hotlist_id.in_(visible))
        .order_by(Alert.created_at, Alert.id)
        .limit(limit)
    )
    if sent:
        query = query.where(Alert.id.not_in(sent))
    with system_scope(session, "alert notification"):
        return list(session.scalars(query))


Signature = tuple[int, dt.datetime | None]
"""How many alerts were raised in a window, and when the newest was (None: none)."""


def recent_signature(*, session: Session, since: dt.datetime) -> Signature:
    """How many alerts were raised after `since`, and when the newest was: it changes whenever an alert in
    that window is committed, also one whose transaction commits after a newer alert's. It says nothing
    of any plate, list or user."""
    query = select(func.count(Alert.id), func.max(Alert.created_at)).where(Alert.created_at > since)
    with system_scope(session, "alert notification"):
        count, newest = session.execute(query).one()
    return int(count), newest


def alert_summary(alert: Alert) -> dict[str, Any]:
    """What every notice of an alert says (the live alerts page, webhooks, e-mail): one definition."""
    read = alert.read
    return {
        "id": str(alert.id),
        "plate": read.plate_text,
        "camera": read.camera.name,
        "captured_at": read.captured_at.isoformat(),
        "hotlist": alert.entry.get("hotlist"),
        "category": alert.entry.get("category"),
        "entry_plate": alert.entry.get("plate"),
        "match_kind": alert.match_kind,
        "state_mismatch": alert.state_mismatch,
    }


def push_payload(alert: Alert) -> dict[str, Any]:
    """The live alerts page's notice: the summary, a link within the console and when it was raised."""
    return alert_summary(alert) | {"url": f"/alerts/{alert.id}", "created_at": alert.created_at.isoformat()}
