"""The figures of the dashboards, the audit report and the public transparency page, counted by hand.

Each test stores a few records at chosen local times around a period's edges and states, from the
definitions in the auditors' guide, what each figure must be."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from plateguard.access_log.service import Actor
from plateguard.accounts.models import Agency, User
from plateguard.accounts.roles import Role
from plateguard.alerts.models import Alert, AlertOutcome, AlertStatus, CletsResult, MatchKind
from plateguard.audits import service as audits
from plateguard.audits import statistics, transparency
from plateguard.audits.statistics import Window
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind, CameraStatus
from plateguard.config import Settings
from plateguard.hotlists.models import Hotlist, HotlistSource
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.retention import service as retention
from plateguard.retention.models import DataKind
from plateguard.retention.schemas import ScheduleCreate
from plateguard.sharing.models import ReleaseRequest, RequesterKind, RequestStatus
from tests.audits.conftest import Log, run
from tests.conftest import TEST_ACTOR, MakeUser

LA = ZoneInfo("America/Los_Angeles")
YEAR = dt.timedelta(days=365)
OCTOBER_WEEK = Window.of_days(dt.date(2026, 10, 5), dt.date(2026, 10, 11), LA)  # Monday to Sunday


def local(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """A moment of 2026 on the agency's clock, as the UTC time it is stored as."""
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=LA).astimezone(dt.UTC)


def test_a_period_of_days_runs_from_local_midnight_to_local_midnight_across_a_clock_change() -> None:
    assert OCTOBER_WEEK.since == dt.datetime(2026, 10, 5, 7, tzinfo=dt.UTC)  # midnight PDT
    assert OCTOBER_WEEK.until == dt.datetime(2026, 10, 12, 7, tzinfo=dt.UTC)
    assert OCTOBER_WEEK.days() == [dt.date(2026, 10, d) for d in range(5, 12)]
    fall_back = Window.of_days(dt.date(2026, 11, 1), dt.date(2026, 11, 1), LA)  # 25 hours long
    assert (fall_back.since, fall_back.until) == (
        dt.datetime(2026, 11, 1, 7, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 2, 8, tzinfo=dt.UTC),
    )
    assert fall_back.days() == [dt.date(2026, 11, 1)]


@pytest.fixture()
def searchers(make_user: MakeUser) -> dict[str, User]:
    return {
        name: make_user(name, Role.INVESTIGATOR, full_name=name.title())
        for name in ("det.nair", "det.ortiz", "det.park")
    }


def test_searches_count_only_completed_searches_by_people_inside_the_period(
    searchers: dict[str, User], log: Log, db: Session
) -> None:
    nair, ortiz = searchers["det.nair"], searchers["det.ortiz"]
    log(nair, "reads.search", local(10, 5, 0, 0, 0))  # the first second of the period
    log(nair, "reads.search", local(10, 11, 23, 59, 59))  # the last second
    log(nair, "reads.search", local(10, 4, 23, 59, 59))  # before it
    log(nair, "reads.search", local(10, 12, 0, 0, 0))  # after it
    log(nair, "reads.search", local(10, 6, 9), outcome="refused")
    log(nair, "hotlists.entry_added", local(10, 6, 9))  # not a search
    log(ortiz, "reads.search", local(10, 7, 9), purpose="Stolen vehicle")
    log(ortiz, "reads.view", local(10, 7, 10), purpose="Stolen vehicle")  # viewing a read is no search
    log(ortiz, "reads.timeline", local(10, 7, 11), purpose="Stolen vehicle")
    log(ortiz, "reads.seen_near", local(10, 8, 8), purpose=None)
    log(ortiz, "reads.export", local(10, 8, 9), purpose="Criminal investigation")
    by_purpose = statistics.searches_by_purpose(db, OCTOBER_WEEK)
    assert by_purpose.labels == ["Criminal investigation", "Stolen vehicle", "none given"]
    assert by_purpose.values == {"Searches": [3.0, 2.0, 1.0]}
    by_user = statistics.searches_by_user(db, OCTOBER_WEEK)
    assert by_user.labels == ["det.ortiz", "det.nair"] and by_user.values == {"Searches": [4.0, 2.0]}


def test_searches_by_user_list_the_25_busiest_most_first_then_by_name(
    make_user: MakeUser, log: Log, db: Session
) -> None:
    for n in range(27):
        user = make_user(f"ofc.u{n:02d}", Role.INVESTIGATOR)
        for _ in range(1 + n // 10):  # u00-u09 once, u10-u19 twice, u20-u26 three times
            log(user, "reads.search", local(10, 6, 12))
    series = statistics.searches_by_user(db, OCTOBER_WEEK)
    expected = [f"ofc.u{n:02d}" for n in range(20, 27)] + [f"ofc.u{n:02d}" for n in range(10, 20)]
    expected += [f"ofc.u{n:02d}" for n in range(0, 8)]
    assert series.labels == expected
    assert series.values["Searches"] == [3.0] * 7 + [2.0] * 10 + [1.0] * 8


def test_searches_per_week_start_on_the_agencys_monday(
    searchers: dict[str, User], log: Log, db: Session
) -> None:
    nair = searchers["det.nair"]
    window = Window.of_days(dt.date(2026, 10, 4), dt.date(2026, 10, 19), LA)
    log(nair, "reads.search", local(10, 4, 23, 30))  # Sunday night here, Monday in UTC: week of 9-28
    log(nair, "reads.search", local(10, 5, 0, 30))  # Monday: week of 10-05
    log(nair, "reads.search", local(10, 11, 23, 59), purpose="Stolen vehicle")  # still week of 10-05
    log(nair, "reads.search", local(10, 19, 8))  # week of 10-19; the week of 10-12 had none
    series = statistics.searches_per_week_by_purpose(db, window)
    assert series.labels == ["week of 2026-09-28", "week of 2026-10-05", "week of 2026-10-19"]
    assert series.values == {"Criminal investigation": [1.0, 1.0, 1.0], "Stolen vehicle": [0.0, 1.0, 0.0]}


def test_only_searches_refused_for_a_prohibited_purpose_are_counted_as_such(
    searchers: dict[str, User], log: Log, db: Session
) -> None:
    nair = searchers["det.nair"]
    banned = {"prohibited_purpose": "Immigration enforcement"}
    log(nair, "reads.search", local(10, 6, 9), outcome="refused", query=banned)
    log(nair, "reads.search", local(10, 11, 23, 59, 59), outcome="refused", query=banned)
    log(nair, "reads.search", local(10, 12, 0, 0, 1), outcome="refused", query=banned)  # after the period
    log(nair, "reads.search", local(10, 6, 10), outcome="refused", query={"plate": "7ABC123"})  # no training
    log(
        nair, "reads.search", local(10, 6, 11), query={"note": "prohibited_purpose"}
    )  # a value, not a refusal
    assert statistics.prohibited_refusals(db, OCTOBER_WEEK) == 2


@pytest.fixture()
def two_cameras(db: Session, agency: Agency) -> tuple[Camera, Camera]:
    made = [
        camera_service.create(session=db, actor=TEST_ACTOR, agency=agency, name=name, kind=CameraKind.FIXED)
        for name in ("Main St", "Airport Rd")
    ]
    return made[0], made[1]


def store(db: Session, camera: Camera, when: dt.datetime, tmp_path: Path, plate: str = "7ABC123") -> object:
    read = ReadSubmission(plate=plate, confidence=0.9, captured_at=when)
    return ingest_service.store_read(session=db, camera=camera, read=read, images_dir=tmp_path)


def test_reads_per_camera_and_day_follow_the_local_day_and_leave_out_idle_cameras(
    db: Session, agency: Agency, two_cameras: tuple[Camera, Camera], tmp_path: Path
) -> None:
    main_st, _ = two_cameras
    camera_service.create(session=db, actor=TEST_ACTOR, agency=agency, name="Idle Ave", kind=CameraKind.FIXED)
    window = Window.of_days(dt.date(2026, 10, 5), dt.date(2026, 10, 7), LA)
    for when in (local(10, 5, 0, 0), local(10, 5, 23, 59, 59), local(10, 7, 17), local(10, 8, 0, 0)):
        store(db, main_st, when, tmp_path)
    store(db, two_cameras[1], local(10, 6, 20), tmp_path)  # 03:00 UTC on the 7th, the 6th here
    series = statistics.reads_per_camera_and_day(db, window)
    assert series.labels == ["2026-10-05", "2026-10-06", "2026-10-07"]
    assert series.values == {"Airport Rd": [0.0, 1.0, 0.0], "Main St": [2.0, 0.0, 1.0]}


def alert(
    db: Session,
    camera: Camera,
    when: dt.datetime,
    tmp_path: Path,
    *,
    status: AlertStatus = AlertStatus.UNVERIFIED,
    outcome: AlertOutcome | None = None,
    visual: bool | None = None,
    clets: CletsResult | None = None,
) -> None:
    hotlist = db.query(Hotlist).first()
    if hotlist is None:
        hotlist = Hotlist(name="BOLO", source=HotlistSource.DEPARTMENT)
        db.add(hotlist)
        db.flush()
    read = store(db, camera, when, tmp_path)
    db.add(
        Alert(
            read_id=read.id,  # type: ignore[attr-defined]
            camera_id=camera.id,
            hotlist_id=hotlist.id,
            match_kind=MatchKind.EXACT,
            score=1.0,
            created_at=when,
            status=status,
            outcome=outcome,
            visual_match=visual,
            clets_result=clets,
        )
    )
    db.flush()


def test_hotlist_hits_their_outcomes_and_misreads(
    db: Session, two_cameras: tuple[Camera, Camera], tmp_path: Path
) -> None:
    main_st, airport = two_cameras
    day = local(10, 6, 12)
    alert(db, main_st, day, tmp_path)  # not checked yet
    alert(db, main_st, day, tmp_path, status=AlertStatus.CONFIRMED, visual=True, clets=CletsResult.CONFIRMED)
    alert(db, main_st, day, tmp_path, status=AlertStatus.NOT_CONFIRMED, visual=False)
    alert(db, main_st, day, tmp_path, status=AlertStatus.CLOSED, outcome=AlertOutcome.MISREAD)
    alert(db, main_st, day, tmp_path, status=AlertStatus.CLOSED, outcome=AlertOutcome.ENFORCEMENT_TAKEN)
    alert(
        db,
        airport,
        day,
        tmp_path,
        status=AlertStatus.NOT_CONFIRMED,
        visual=True,
        clets=CletsResult.NOT_ON_FILE,
    )
    alert(db, airport, day, tmp_path, status=AlertStatus.CLOSED, outcome=AlertOutcome.UNABLE_TO_LOCATE)
    alert(
        db, airport, local(10, 4, 23, 59), tmp_path, status=AlertStatus.CLOSED, outcome=AlertOutcome.MISREAD
    )
    alert(db, airport, local(10, 12, 0, 0), tmp_path, status=AlertStatus.CLOSED, outcome=AlertOutcome.MISREAD)

    outcomes = statistics.alerts_by_outcome(db, OCTOBER_WEEK)
    assert dict(zip(outcomes.labels, outcomes.values["Alerts"], strict=True)) == {
        "confirmed": 1.0,
        "enforcement taken": 1.0,
        "misread": 1.0,
        "not confirmed": 2.0,
        "unable to locate": 1.0,
        "unverified": 1.0,
    }
    # hits 7; confirmed: CLETS confirmed or enforcement taken; misread: outcome misread, a failed visual
    # check or a hit not confirmed (the airport's hit not on file)
    assert statistics.misread_counts(db, OCTOBER_WEEK) == (7, 2, 3)
    rates = statistics.misreads_per_camera(db, OCTOBER_WEEK)
    # Main St: 4 checked (the unchecked hit is left out), 2 misreads; Airport Rd: 2 checked, none misread
    assert rates.labels == ["Airport Rd", "Main St"]
    assert rates.values == {"Misreads (% of checked alerts)": [0.0, 50.0]}


def test_a_misread_rate_is_rounded_to_one_decimal(
    db: Session, two_cameras: tuple[Camera, Camera], tmp_path: Path
) -> None:
    main_st = two_cameras[0]
    alert(db, main_st, local(10, 6, 12), tmp_path, status=AlertStatus.NOT_CONFIRMED, visual=False)
    for _ in range(2):
        alert(db, main_st, local(10, 6, 13), tmp_path, status=AlertStatus.CONFIRMED, visual=True)
    assert statistics.misreads_per_camera(db, OCTOBER_WEEK).values["Misreads (% of checked alerts)"] == [33.3]


def request(db: Session, agency: str, kind: RequesterKind, status: RequestStatus, when: dt.datetime) -> None:
    db.add(
        ReleaseRequest(
            agency_name=agency,
            agency_state="CA",
            requester_kind=kind,
            requester_name="Requesting Officer",
            contact="555-0100",
            purpose="a robbery investigation",
            data_requested="reads of one plate",
            case_number="R-1",
            legal_basis="search warrant",
            document_name="request.pdf",
            document_sha256="0" * 64,
            status=status,
            recorded_by="ms.okafor",
            received_at=when,
        )
    )
    db.flush()


@pytest.fixture()
def release_requests(db: Session) -> None:
    day = local(10, 6, 12)
    police, private, federal = RequesterKind.LAW_ENFORCEMENT, RequesterKind.PRIVATE, RequesterKind.FEDERAL
    request(db, "Stockton PD", police, RequestStatus.FULFILLED, day)
    request(db, "Stockton PD", police, RequestStatus.APPROVED, day)
    request(db, "Stockton PD", police, RequestStatus.DENIED, day)
    request(db, "Stockton PD", police, RequestStatus.SUBMITTED, day)
    request(db, "Stockton PD", police, RequestStatus.FULFILLED, local(10, 12, 0, 0))  # after the period
    request(db, "U.S. Immigration and Customs Enforcement", federal, RequestStatus.REFUSED, day)
    request(db, "Jordan Reyes", private, RequestStatus.REFUSED, day)
    request(db, "Ace Repossession LLC", private, RequestStatus.REFUSED, local(10, 5, 0, 0))
    request(
        db, "Manteca Unified School District", RequesterKind.OTHER_PUBLIC, RequestStatus.PUBLIC_RECORDS, day
    )


def test_release_requests_by_agency_received_approved_and_refused(
    db: Session, release_requests: None
) -> None:
    series = statistics.sharing_by_recipient(db, OCTOBER_WEEK, name_private=True)
    assert series.rows() == [
        ("Ace Repossession LLC", [1.0, 0.0, 1.0]),
        ("Jordan Reyes", [1.0, 0.0, 1.0]),
        ("Manteca Unified School District", [1.0, 0.0, 0.0]),
        ("Stockton PD", [4.0, 2.0, 1.0]),
        ("U.S. Immigration and Customs Enforcement", [1.0, 0.0, 1.0]),
    ]
    assert list(series.values) == ["Received", "Approved", "Refused"]


def test_the_public_figures_count_private_requesters_together_never_by_name(
    db: Session, release_requests: None
) -> None:
    series = statistics.sharing_by_recipient(db, OCTOBER_WEEK, name_private=False)
    assert series.rows() == [
        ("Manteca Unified School District", [1.0, 0.0, 0.0]),
        ("Private persons or companies", [2.0, 0.0, 2.0]),
        ("Stockton PD", [4.0, 2.0, 1.0]),
        ("U.S. Immigration and Customs Enforcement", [1.0, 0.0, 1.0]),
    ]


def test_the_transparency_figures_cover_the_last_30_days_and_releases_the_last_365(
    db: Session,
    agency: Agency,
    settings: Settings,
    two_cameras: tuple[Camera, Camera],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(transparency, "utcnow", lambda: local(10, 31, 12))  # 30 days: October 2 to 31
    main_st, airport = two_cameras
    retired = camera_service.create(
        session=db, actor=TEST_ACTOR, agency=agency, name="Old Rd", kind=CameraKind.FIXED
    )
    camera_service.set_status(session=db, camera=retired, status=CameraStatus.RETIRED)
    lens_cleaning = camera_service.create(
        session=db, actor=TEST_ACTOR, agency=agency, name="Elm Ave", kind=CameraKind.FIXED
    )
    camera_service.set_status(session=db, camera=lens_cleaning, status=CameraStatus.MAINTENANCE)
    for when in (local(10, 2, 0, 0), local(10, 31, 11), local(10, 1, 23, 59, 59)):
        store(db, main_st, when, tmp_path)
    store(db, retired, local(10, 20, 9), tmp_path)  # a retired camera's reads still count as reads
    alert(db, airport, local(10, 2, 0, 0), tmp_path, status=AlertStatus.CLOSED, outcome=AlertOutcome.MISREAD)
    alert(
        db, airport, local(10, 1, 23, 59), tmp_path, status=AlertStatus.CLOSED, outcome=AlertOutcome.MISREAD
    )
    # 365 days up to October 31, 2026 begin on November 1, 2025
    request(
        db, "Stockton PD", RequesterKind.LAW_ENFORCEMENT, RequestStatus.FULFILLED, local(11, 1, 0, 0) - YEAR
    )
    request(
        db, "Lodi PD", RequesterKind.LAW_ENFORCEMENT, RequestStatus.FULFILLED, local(10, 31, 23, 59) - YEAR
    )
    request(db, "Jordan Reyes", RequesterKind.PRIVATE, RequestStatus.REFUSED, local(10, 30, 9))

    facts = transparency.figures(session=db, settings=settings)

    assert facts.figures == {
        "Cameras in service": 2,  # Main St and Airport: not the retired one, not the one in maintenance
        "Cameras under maintenance": 1,
        "Plate reads in the last 30 days": 4,  # Main St on the 2nd and 31st, Old Rd, the hit of the 2nd
        "Hotlist hits in the last 30 days": 1,
        "of which confirmed": 0,
        "of which misreads or not confirmed": 1,
        "Searches refused for a prohibited purpose (30 days)": 0,
    }
    assert facts.releases.rows() == [
        ("Private persons or companies", [1.0, 0.0, 1.0]),
        ("Stockton PD", [1.0, 1.0, 0.0]),
    ]
    assert facts.last_audit is None


def signed_audit(
    db: Session, settings: Settings, auditor: User, monkeypatch: pytest.MonkeyPatch, *, signed_at: dt.datetime
) -> int:
    """An audit of October 5-11 whose first item is a violation, second needs follow-up, the rest
    justified, signed off at ``signed_at``; returns how many items it has."""
    audit = run(db, settings, auditor)
    findings = ["violation", "needs_follow_up"] + ["justified"] * (len(audit.items) - 2)
    for item, finding in zip(audit.items, findings, strict=True):
        audits.record_finding(
            session=db,
            actor=Actor.of(auditor),
            audit_id=audit.id,
            item_id=item.id,
            finding=finding,
            note="ok",
        )
    monkeypatch.setattr(audits, "utcnow", lambda: signed_at)
    audits.sign_off(session=db, actor=Actor.of(auditor), audit_id=audit.id, summary="Det. Nair: 7ABC123")
    return len(audit.items)


def test_the_last_signed_audit_and_the_retention_in_force_are_shown(
    db: Session,
    settings: Settings,
    searchers: dict[str, User],
    make_user: MakeUser,
    log: Log,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    auditor, nair = make_user("sgt.brooks", Role.AUDITOR), searchers["det.nair"]
    assert transparency.figures(session=db, settings=settings).last_audit is None  # none signed yet
    for hour in range(9, 14):
        log(nair, "reads.search", local(10, 6, hour), plate="7ABC123")
    items = signed_audit(db, settings, auditor, monkeypatch, signed_at=local(10, 31, 23))
    signed_audit(db, settings, auditor, monkeypatch, signed_at=local(10, 20, 9))  # signed earlier
    assert items >= 5  # the five searches are drawn in the sample

    facts = transparency.figures(session=db, settings=settings)

    assert facts.last_audit == transparency.LastAudit(
        period="2026-10-05 to 2026-10-11",
        signed_off_on="2026-10-31",  # 06:00 UTC on November 1st, still October 31st here
        items=items,
        justified=items - 2,
        follow_up=1,
        violations=1,
    )
    assert facts.retention["Plate reads and their images"] == "no approved schedule yet: nothing destroyed"
    admin, lieutenant = make_user("lt.alvarez", Role.ADMINISTRATOR), make_user("lt.diaz", Role.ADMINISTRATOR)
    form = ScheduleCreate(data_kind=DataKind.READS, days=400)
    proposed = retention.propose(session=db, actor=Actor.of(admin), form=form)
    assert transparency.figures(session=db, settings=settings).retention["Plate reads and their images"] == (
        "no approved schedule yet: nothing destroyed"  # proposed is not in force
    )
    retention.decide(session=db, actor=Actor.of(lieutenant), schedule_id=proposed.id, approve=True)
    shown = transparency.figures(session=db, settings=settings).retention
    assert shown["Plate reads and their images"] == "400 days"
    assert shown["Access log"] == "no approved schedule yet: nothing destroyed"
    assert list(shown) == [
        "Plate reads and their images",
        "Alerts",
        "Hotlist history",
        "Access log",
        "Release requests",
    ]
