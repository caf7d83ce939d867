"""The rules that look beyond the access log: prohibited purposes named in hotlist entries and release
requests, plate searches linked by a legal hold or a release request, evidence exports; and what an item
says and keeps (docs/auditors-guide.md, "The audit rules")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from plateguard.accounts.models import User
from plateguard.config import Settings
from plateguard.hotlists.models import Hotlist, HotlistCategory, HotlistEntry, HotlistSource
from plateguard.retention.models import HoldReason, LegalHold
from plateguard.sharing.models import ReleaseRequest, RequesterKind
from tests.audits.conftest import Log, at, flagged, run, sequences


def hotlist_entry(db: Session, plate: str, when: dt.datetime, *, purpose: str = "", reason: str = "") -> int:
    hotlist = db.query(Hotlist).filter_by(name="BOLO").one_or_none()
    if hotlist is None:
        hotlist = Hotlist(name="BOLO", source=HotlistSource.DEPARTMENT)
        db.add(hotlist)
        db.flush()
    entry = HotlistEntry(
        hotlist_id=hotlist.id,
        plate=plate,
        plate_normalized=plate,
        category=HotlistCategory.BOLO,
        entered_by="Sgt. Park",
        entered_at=when,
        purpose=purpose,
        reason=reason,
        case_number="26-900",
    )
    db.add(entry)
    db.flush()
    return entry.id


def release_request(db: Session, when: dt.datetime, *, purpose: str, case: str = "26-700") -> int:
    request = ReleaseRequest(
        agency_name="Stockton Police Department",
        agency_state="CA",
        requester_kind=RequesterKind.LAW_ENFORCEMENT,
        requester_name="Det. Lowe",
        contact="lowe@stockton.example",
        purpose=purpose,
        data_requested="reads of 4LONE44",
        case_number=case,
        legal_basis="Civil Code 1798.90.55",
        document_name="request.pdf",
        document_sha256="0" * 64,
        recorded_by="Records",
        received_at=when,
    )
    db.add(request)
    db.flush()
    return request.id


def test_hotlist_entries_and_release_requests_of_the_period_that_name_a_prohibited_purpose_are_flagged(
    db: Session, settings: Settings, people: dict[str, User]
) -> None:
    by_purpose = hotlist_entry(
        db, "1AAA111", at(5, 0, 0), purpose="ICE detainer follow-up on immigration status"
    )
    by_reason = hotlist_entry(db, "2BBB222", at(11, 23, 59), reason="my neighbor's boyfriend")
    hotlist_entry(db, "3CCC333", at(4, 23, 59), reason="deportation case")  # the day before the period
    hotlist_entry(db, "4DDD444", at(12, 0, 0), purpose="abortion clinic visitor")  # the day after
    hotlist_entry(db, "5EEE555", at(6, 10), purpose="Criminal investigation", reason="armed robbery")
    asked = release_request(db, at(7, 10), purpose="Assist Border Patrol with a removal")
    release_request(db, at(12, 0, 0), purpose="undocumented worker sweep")  # after the period
    release_request(db, at(7, 11), purpose="Homicide investigation 26-700")
    audit = run(db, settings, people["ruiz"])
    assert flagged(audit, "prohibited_text") == [
        f"hotlist entry {by_purpose} by Sgt. Park; names immigration enforcement",
        f"hotlist entry {by_reason} by Sgt. Park; names personal use",
        f"release request {asked} from Stockton Police Department; names immigration enforcement",
    ]
    details = [item.detail for item in audit.items if item.rule == "prohibited_text"]
    assert details == [
        {"hotlist_entry": by_purpose},
        {"hotlist_entry": by_reason},
        {"release_request": asked},
    ]


def test_a_case_on_a_legal_hold_or_a_release_request_links_a_plate_search(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    db.add(LegalHold(case_number="26-300", reason=HoldReason.EVIDENCE, requester="DA", created_by="Records"))
    release_request(db, at(5, 9), purpose="Robbery investigation", case="26-700")
    log(people["nair"], "reads.search", at(6, 9), plate="4LONE44", case="26-300")
    log(people["nair"], "reads.search", at(6, 10), plate="4LONE44", case="26-700")
    lone = log(people["nair"], "reads.search", at(6, 11), plate="4LONE44", case="26-301")
    audit = run(db, settings, people["ruiz"])
    assert sequences(audit, "plate_without_link") == [lone]
    assert flagged(audit, "plate_without_link") == [
        "Det. Priya Nair (det.nair): reads.search of 4LONE44 at 2026-10-06 11:00; case 26-301"
    ]


def test_an_evidence_export_of_many_reads_is_a_bulk_export(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    big = log(people["nair"], "evidence.exported", at(6, 10), plate=None, count=500)
    log(people["nair"], "evidence.exported", at(6, 11), plate=None, count=20)
    audit = run(db, settings, people["ruiz"], bulk_export_reads=500)
    assert sequences(audit, "bulk_export") == [big]
    assert flagged(audit, "bulk_export") == [
        "Det. Priya Nair (det.nair): evidence.exported at 2026-10-06 10:00; 500 reads"
    ]


def test_an_item_names_who_did_what_to_which_plate_when_and_keeps_the_record_it_is_about(
    db: Session, settings: Settings, people: dict[str, User], log: Log
) -> None:
    search = log(people["cole"], "reads.timeline", at(8, 14, 5), plate="6TRK222", case=None)
    audit = run(db, settings, people["ruiz"])
    assert flagged(audit, "sample") == [
        "Ofc. Sam Cole (ofc.cole): reads.timeline of 6TRK222 at 2026-10-08 14:05"
    ]
    assert flagged(audit, "no_case_number") == [
        "Ofc. Sam Cole (ofc.cole): reads.timeline of 6TRK222 at 2026-10-08 14:05;"
        " purpose Criminal investigation"
    ]
    sampled = next(item for item in audit.items if item.rule == "sample")
    assert (sampled.access_sequence, sampled.detail) == (search, {"action": "reads.timeline"})
