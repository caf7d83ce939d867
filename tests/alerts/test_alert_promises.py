"""What an officer and an auditor rely on in alerts: live alerts reach the push feed (in order, at most
the limit, with what the officer needs to act), retroactive ones do not; every verification step sets the
status the policy gives it; notes add up; every view is in the access log with its purpose and query."""

from __future__ import annotations

import dataclasses
import datetime as dt

import cv2
import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Justification
from plateguard.accounts.models import Agency
from plateguard.accounts.roles import Role
from plateguard.alerts import service as alert_service
from plateguard.alerts.models import Alert, AlertOutcome, AlertStatus, CletsResult
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind
from plateguard.database import run_after_rollback, utcnow
from plateguard.errors import Conflict, NotFound
from plateguard.hotlists.live import LiveMatcher
from plateguard.hotlists.models import HotlistSource
from plateguard.reads import partitions
from plateguard.reads.models import PlateRead
from plateguard.reads.stored import CandidateRow, StoredRead
from tests.conftest import TEST_ACTOR, Trained
from tests.hotlists.conftest import StoreRead, make_list, stolen

WHY = Justification("Alert verification")


def rows(*reads: PlateRead) -> list[StoredRead]:
    """What ingest hands to matching for a batch of stored reads."""
    return [StoredRead.of(r) for r in reads]


def last_record(db: Session) -> AccessRecord:
    return db.scalars(select(AccessRecord).order_by(AccessRecord.sequence.desc()).limit(1)).one()


@pytest.fixture()
def bolo(db: Session) -> None:
    make_list(
        db,
        "Department BOLO",
        HotlistSource.DEPARTMENT,
        stolen("7ABC123", vehicle_description="white Civic", case_number="26-0042"),
        stolen("5KX9000"),
        stolen("8XYZ999"),
        stolen("4LMN555"),
    )


def raise_live(db: Session, store_read: StoreRead, *plates: str) -> list[Alert]:
    reads = [store_read(p) for p in plates]
    return alert_service.process_new_reads(session=db, reads=rows(*reads), matcher=LiveMatcher())


def test_a_batch_raises_live_alerts_with_the_entry_snapshot_and_one_record(
    db: Session, store_read: StoreRead, bolo: None
) -> None:
    alerts = raise_live(db, store_read, "1NOPE11", "7ABC123", "5KX9000")
    assert [a.retroactive for a in alerts] == [False, False]
    first = alerts[0]
    assert first.entry == {
        "hotlist": "Department BOLO",
        "plate": "7ABC123",
        "state": "CA",
        "category": "stolen_vehicle",
        "reason": "Stolen vehicle",
        "vehicle_description": "white Civic",
        "case_number": "26-0042",
        "record_id": None,
        "expires_at": None,
        "is_wildcard": False,
    }
    assert (first.match_kind, first.score, first.state_mismatch, first.status) == (
        "exact",
        1.0,
        False,
        "unverified",
    )
    records = db.scalars(select(AccessRecord).where(AccessRecord.action == "alerts.raise")).all()
    assert [(r.query["retroactive"], r.result_count, len(r.query["alerts"])) for r in records] == [
        (False, 1, 1),
        (False, 1, 1),
    ]
    assert records[0].query["read_id"] == str(first.read_id)
    assert records[0].query["alerts"] == [str(first.id)]
    assert (records[0].username, records[0].organisation) == (
        "system:hotlist matching",
        "Test Police Department",
    )
    assert (
        alert_service.process_new_reads(session=db, reads=rows(store_read("1NOPE22")), matcher=LiveMatcher())
        == []
    )


def test_a_read_stored_alone_raises_a_live_alert_too(db: Session, store_read: StoreRead, bolo: None) -> None:
    (alert,) = alert_service.process_new_reads(
        session=db, reads=[StoredRead.of(store_read("8XYZ999"))], matcher=LiveMatcher()
    )
    assert (alert.retroactive, alert.entry["plate"]) == (False, "8XYZ999")
    assert (
        alert_service.process_new_reads(
            session=db, reads=[StoredRead.of(store_read("1NOPE33"))], matcher=LiveMatcher()
        )
        == []
    )


def test_an_alert_is_raised_once_per_read_and_entry(db: Session, store_read: StoreRead, bolo: None) -> None:
    read = store_read("7ABC123")
    (alert,) = alert_service.process_new_reads(session=db, reads=rows(read), matcher=LiveMatcher())
    again = alert_service.process_new_reads(session=db, reads=rows(read), matcher=LiveMatcher())
    assert again == []
    assert alert.read_id == read.id


def test_an_entry_removed_since_the_matcher_was_built_raises_nothing(
    db: Session, store_read: StoreRead, bolo: None
) -> None:
    from plateguard.hotlists.matching import Match, MatcherEntry

    gone = MatcherEntry(10**9, 1, "7ABC123", "CA", "stolen_vehicle", None)
    read = store_read("7ABC123")
    assert (
        alert_service.raise_alerts(
            session=db, read=read, matches=[Match(gone, "exact", 1.0, False)], retroactive=False
        )
        == []
    )


def test_the_readers_other_readings_are_matched_only_when_confident(
    db: Session, store_read: StoreRead, bolo: None
) -> None:
    read = store_read("7A8C123")
    row = dataclasses.replace(
        rows(read)[0],
        candidates=(
            {"plate": "7A8C123", "confidence": 0.9},
            {"plate": "8xyz-999", "confidence": 0.3},  # confident enough, normalised before matching
            {"plate": "4LMN555", "confidence": 0.29},  # below the floor
        ),
    )
    alerts = alert_service.process_new_reads(session=db, reads=[row], matcher=LiveMatcher())
    assert sorted((a.entry["plate"], a.match_kind) for a in alerts) == [
        ("7ABC123", "fuzzy"),
        ("8XYZ999", "candidate"),
    ]


def test_alternatives_are_the_best_few_distinct_other_readings() -> None:
    candidates: list[CandidateRow] = [
        {"plate": p, "confidence": 0.5} for p in ("7ABC123", "A1", "A2", "a-2", "A3", "A4", "A5")
    ]
    assert alert_service.alternatives("7ABC123", candidates) == ["A1", "A2", "A3", "A4"]
    assert (
        alert_service.alternatives(
            "7ABC123", [{"plate": "", "confidence": 1}, {"plate": "B1", "confidence": 0}]
        )
        == []
    )
    assert alert_service.alternatives("7ABC123", None) == []


def age(alert: Alert, seconds: int) -> None:
    alert.created_at = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def test_the_push_feed_holds_new_live_alerts_oldest_first_up_to_the_limit(
    db: Session, store_read: StoreRead, trained: Trained, bolo: None
) -> None:
    officer = trained("ofc.push", Role.OPERATOR)
    late, early, middle = raise_live(db, store_read, "7ABC123", "5KX9000", "8XYZ999")
    (before,) = raise_live(db, store_read, "4LMN555")
    for alert, seconds in ((early, 10), (middle, 20), (late, 30), (before, 0)):
        age(alert, seconds)
    retro_read = store_read("7ABC123")
    matches = [m for m in alert_service._match(LiveMatcher().ensure_fresh(db), "7ABC123", (), None, 0.0)]
    (retro,) = alert_service.raise_alerts(session=db, read=retro_read, matches=matches, retroactive=True)
    age(retro, 40)
    db.flush()
    since = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)  # strictly after: "before" was already sent
    feed = alert_service.recent_for_push(session=db, user=officer, since=since)
    assert [a.id for a in feed] == [early.id, middle.id, late.id]
    assert [a.id for a in alert_service.recent_for_push(session=db, user=officer, since=since, limit=2)] == [
        early.id,
        middle.id,
    ]
    with system_scope(db, "test"):
        payload = alert_service.push_payload(early)
        read = early.read
        assert payload == {
            "id": str(early.id),
            "url": f"/alerts/{early.id}",
            "plate": "5KX9000",
            "hotlist": "Department BOLO",
            "category": "stolen_vehicle",
            "entry_plate": "5KX9000",
            "camera": "Main St NB",
            "captured_at": read.captured_at.isoformat(),
            "match_kind": "exact",
            "state_mismatch": False,
            "created_at": "2026-05-01T12:00:10+00:00",
        }


@pytest.fixture()
def alert_id(db: Session, store_read: StoreRead, bolo: None) -> object:
    (alert,) = raise_live(db, store_read, "7ABC123")
    return alert.id


def step(db: Session, user, alert_id, **values):  # type: ignore[no-untyped-def]
    steps = {"visual_match": None, "clets_result": None, "outcome": None}
    return alert_service.verify(session=db, user=user, alert_id=alert_id, why=WHY, **(steps | values))


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ({"visual_match": False}, AlertStatus.NOT_CONFIRMED),
        ({"clets_result": CletsResult.NOT_ON_FILE}, AlertStatus.NOT_CONFIRMED),
        ({"clets_result": CletsResult.DIFFERENT_VEHICLE}, AlertStatus.NOT_CONFIRMED),
        ({"visual_match": True, "clets_result": CletsResult.DIFFERENT_VEHICLE}, AlertStatus.NOT_CONFIRMED),
        ({"visual_match": False, "clets_result": CletsResult.CONFIRMED}, AlertStatus.NOT_CONFIRMED),
        ({"clets_result": CletsResult.CONFIRMED}, AlertStatus.UNVERIFIED),
        ({"visual_match": True}, AlertStatus.UNVERIFIED),
        ({"visual_match": True, "clets_result": CletsResult.CONFIRMED}, AlertStatus.CONFIRMED),
    ],
)
def test_each_verification_step_sets_its_status(  # type: ignore[no-untyped-def]
    db: Session, trained: Trained, alert_id, values, status
) -> None:
    officer = trained("ofc.step", Role.OPERATOR)
    alert = step(db, officer, alert_id, notes="No plate image; plate seen on the vehicle.", **values)
    assert alert.status is status
    assert (alert.visual_match, alert.clets_result) == (
        values.get("visual_match"),
        values.get("clets_result"),
    )
    assert alert.outcome is None and alert.verified_by == "ofc.step" and alert.verified_at is not None


def test_earlier_steps_are_kept_and_notes_are_appended(db: Session, trained: Trained, alert_id) -> None:  # type: ignore[no-untyped-def]
    officer = trained("ofc.notes", Role.OPERATOR)
    step(db, officer, alert_id, visual_match=True, notes="  plate matches, white Civic  ")
    step(db, officer, alert_id, notes="   ")
    alert = step(db, officer, alert_id, clets_result=CletsResult.CONFIRMED, notes="CLETS: stolen 26-0042")
    assert alert.notes == "plate matches, white Civic\nCLETS: stolen 26-0042"
    assert (alert.visual_match, alert.clets_result, alert.status) == (
        True,
        "confirmed",
        AlertStatus.CONFIRMED,
    )
    record = last_record(db)
    assert (record.action, record.purpose, record.result_count) == ("alerts.verify", "Alert verification", 1)
    assert record.query == {
        "alert_id": str(alert_id),
        "visual_match": None,
        "clets_result": "confirmed",
        "outcome": None,
    }


def test_notes_are_kept_to_4000_characters(db: Session, trained: Trained, alert_id) -> None:  # type: ignore[no-untyped-def]
    officer = trained("ofc.long", Role.OPERATOR)
    alert = step(db, officer, alert_id, notes="x" * 5000)
    assert alert.notes == "x" * 4000


def test_enforcement_before_both_checks_is_refused_with_its_own_code(  # type: ignore[no-untyped-def]
    db: Session, trained: Trained, alert_id
) -> None:
    from plateguard.alerts.models import AlertOutcome

    officer = trained("ofc.early", Role.OPERATOR)
    with pytest.raises(alert_service.VerificationRefused) as refused:
        step(db, officer, alert_id, visual_match=True, outcome=AlertOutcome.ENFORCEMENT_TAKEN)
    assert (refused.value.code, refused.value.field) == ("verification_required", "outcome")


def test_viewing_and_listing_alerts_is_recorded_with_purpose_and_query(  # type: ignore[no-untyped-def]
    db: Session, trained: Trained, alert_id
) -> None:
    officer = trained("ofc.view", Role.OPERATOR)
    alert = alert_service.get_alert(session=db, user=officer, alert_id=alert_id, why=WHY)
    assert alert.id == alert_id
    record = last_record(db)
    assert (record.action, record.username, record.purpose, record.result_count) == (
        "alerts.view",
        "ofc.view",
        "Alert verification",
        1,
    )
    assert record.query == {"alert_id": str(alert_id)}
    listed = alert_service.list_alerts(session=db, user=officer, why=WHY, status="unverified", limit=5)
    assert [a.id for a in listed] == [alert_id]
    record = last_record(db)
    assert (record.action, record.purpose, record.result_count) == ("alerts.list", "Alert verification", 1)
    assert record.query == {"status": "unverified", "limit": 5}
    assert alert_service.list_alerts(session=db, user=officer, why=None, status="confirmed") == []
    assert last_record(db).query == {"status": "confirmed", "limit": 100}
    assert last_record(db).purpose is None
    alert_service.list_alerts(session=db, user=officer, why=None)
    assert last_record(db).query == {"status": "any", "limit": 100}


def test_a_missing_alert_is_not_found_and_the_look_is_still_recorded(  # type: ignore[no-untyped-def]
    db: Session, trained: Trained, alert_id
) -> None:
    import uuid

    officer = trained("ofc.missing", Role.OPERATOR)
    missing = uuid.uuid4()
    with pytest.raises(NotFound):
        alert_service.get_alert(session=db, user=officer, alert_id=missing, why=WHY)
    # A refused look is written in its own transaction once the request's work is rolled back.
    run_after_rollback(db, sessionmaker(bind=db.connection(), join_transaction_mode="create_savepoint"))
    record = last_record(db)
    assert (record.action, record.result_count, record.outcome, record.query) == (
        "alerts.view",
        0,
        "refused",
        {"alert_id": str(missing), "refused": f"no alert {missing}"},
    )


def test_a_refused_step_is_recorded_as_denied(db: Session, trained: Trained, alert_id) -> None:  # type: ignore[no-untyped-def]
    officer = trained("ofc.refused", Role.OPERATOR)
    with pytest.raises(alert_service.VerificationRefused):
        alert_service.verify(
            session=db,
            user=officer,
            alert_id=alert_id,
            visual_match=True,
            clets_result=None,
            outcome=AlertOutcome.ENFORCEMENT_TAKEN,
            why=WHY,
        )
    # Written in its own transaction once the refused step is rolled back.
    run_after_rollback(db, sessionmaker(bind=db.connection(), join_transaction_mode="create_savepoint"))
    record = last_record(db)
    assert (record.action, record.username, record.outcome) == ("alerts.verify", "ofc.refused", "denied")
    assert record.query["alert_id"] == str(alert_id) and record.query["outcome"] == "enforcement_taken"
    assert "CLETS confirms" in record.query["refused"]


def test_the_alert_list_narrows_by_list_camera_and_capture_time_newest_first(
    db: Session, store_read: StoreRead, trained: Trained, camera: Camera, agency: Agency, bolo: None
) -> None:
    officer = trained("ofc.filter", Role.OPERATOR)
    make_list(db, "Warrants", HotlistSource.DEPARTMENT, stolen("6WRT001"))
    second = camera_service.create(
        session=db, actor=TEST_ACTOR, agency=agency, name="Yosemite Ave EB", kind=CameraKind.FIXED
    )
    # A minute apart, an hour into the current month (whose partition holds the reads just stored).
    start = partitions.month_start(utcnow())
    first = dt.datetime(start.year, start.month, start.day, 1, 0, tzinfo=dt.UTC)
    plates = {"7ABC123": camera, "5KX9000": second, "6WRT001": camera, "8XYZ999": second}
    alerts = {}
    for minutes, (plate, where) in enumerate(plates.items()):
        read = store_read(plate)
        read.camera_id, read.captured_at = where.id, first + dt.timedelta(minutes=minutes)
        db.flush()
        (alerts[plate],) = alert_service.process_new_reads(
            session=db, reads=rows(read), matcher=LiveMatcher()
        )
        age(alerts[plate], minutes)
    db.flush()

    def listed(**narrowed: object) -> list[str]:
        found = alert_service.list_alerts(
            session=db,
            user=officer,
            why=WHY,
            where=alert_service.AlertFilter(**narrowed),  # type: ignore[arg-type]
        )
        return [alert.entry["plate"] for alert in found]

    minute, second_ = dt.timedelta(minutes=1), dt.timedelta(seconds=1)
    assert listed() == ["8XYZ999", "6WRT001", "5KX9000", "7ABC123"]  # newest first
    assert listed(hotlist_id=alerts["6WRT001"].hotlist_id) == ["6WRT001"]
    assert listed(hotlist_id=alerts["7ABC123"].hotlist_id) == ["8XYZ999", "5KX9000", "7ABC123"]
    assert listed(camera_id=second.id) == ["8XYZ999", "5KX9000"]
    # Capture times are inclusive at both ends: the reads at minute 0 and minute 1 are in.
    assert listed(since=first, until=first + minute) == ["5KX9000", "7ABC123"]
    assert listed(since=first + minute + second_) == ["8XYZ999", "6WRT001"]
    assert listed(until=first + minute - second_) == ["7ABC123"]
    assert listed(camera_id=camera.id, since=first + second_) == ["6WRT001"]


def plate_png() -> bytes:
    pixels = np.full((40, 120, 3), 235, dtype=np.uint8)
    cv2.putText(pixels, "7ABC123", (4, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (20, 20, 20), 2)
    ok, encoded = cv2.imencode(".png", pixels)
    assert ok
    return bytes(encoded)


def test_an_alerts_plate_image_is_shown_and_recorded_and_other_kinds_are_not_found(
    db: Session, store_read: StoreRead, trained: Trained, bolo: None
) -> None:
    officer = trained("ofc.image", Role.OPERATOR)
    read = store_read("7ABC123", image=plate_png())
    (alert,) = alert_service.process_new_reads(session=db, reads=rows(read), matcher=LiveMatcher())

    image = alert_service.alert_image(session=db, user=officer, alert_id=alert.id, which="plate", why=WHY)
    assert image.sha256 == read.plate_image_sha256 and image.sha256
    record = last_record(db)
    assert (record.action, record.username, record.purpose, record.result_count) == (
        "alerts.image",
        "ofc.image",
        "Alert verification",
        1,
    )
    assert record.query == {"alert_id": str(alert.id), "image": "plate", "sha256": image.sha256}
    with pytest.raises(NotFound, match="this read has no overview image"):
        alert_service.alert_image(session=db, user=officer, alert_id=alert.id, which="overview", why=WHY)
    with pytest.raises(NotFound, match="image is 'plate' or 'overview'"):
        alert_service.alert_image(session=db, user=officer, alert_id=alert.id, which="thumbnail", why=WHY)


def test_a_closed_alert_takes_no_further_step(db: Session, trained: Trained, alert_id) -> None:  # type: ignore[no-untyped-def]
    officer = trained("ofc.closed", Role.OPERATOR)
    closed = step(
        db,
        officer,
        alert_id,
        visual_match=True,
        clets_result=CletsResult.CONFIRMED,
        outcome=AlertOutcome.ENFORCEMENT_TAKEN,
        notes="Plate and state seen on the vehicle at the stop",
    )
    assert (closed.status, closed.outcome) == (AlertStatus.CLOSED, AlertOutcome.ENFORCEMENT_TAKEN)
    with pytest.raises(Conflict) as refused:
        step(db, officer, alert_id, visual_match=False)
    assert refused.value.field == "outcome" and "closed" in refused.value.message
    assert closed.visual_match is True  # the refused step changed nothing


def test_the_push_feed_sends_at_most_twenty_alerts_at_a_time(
    db: Session, store_read: StoreRead, trained: Trained
) -> None:
    plates = [f"7PSH{number:03d}" for number in range(21)]
    make_list(db, "Burglary series", HotlistSource.DEPARTMENT, *(stolen(plate) for plate in plates))
    alerts = raise_live(db, store_read, *plates)
    for seconds, alert in enumerate(alerts):
        age(alert, seconds + 1)
    db.flush()
    officer = trained("ofc.feed", Role.OPERATOR)
    since = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    feed = alert_service.recent_for_push(session=db, user=officer, since=since)
    assert [a.id for a in feed] == [
        a.id for a in alerts[:20]
    ]  # the oldest twenty; the next poll gets the rest
