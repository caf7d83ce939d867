"""Prohibited purposes (immigration enforcement, lawful reproductive health care, personal use) are
refused at search time naming the rule, also when only the free text names one; every refusal is kept."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.accounts.models import User
from plateguard.config import AccessSettings, ProhibitedPurpose
from tests.conftest import sign_in
from tests.search.conftest import Scene

CASE = {"case_number": "26-000777"}


def refusals(db: Session) -> list[AccessRecord]:
    query = select(AccessRecord).where(AccessRecord.outcome == "refused").order_by(AccessRecord.sequence)
    return [r for r in db.scalars(query) if "prohibited_purpose" in r.query]


@pytest.mark.parametrize(
    ("purpose", "detail", "named"),
    [
        ("Immigration enforcement", "", "immigration enforcement"),
        ("Criminal investigation", "possible visa overstay, ask DHS", "immigration enforcement"),
        ("Criminal investigation", "who drove to the ABORTION clinic on 3rd", "reproductive health care"),
        ("Criminal investigation", "my ex-girlfriend's new car", "personal use"),
    ],
)
def test_a_prohibited_purpose_is_refused_naming_the_rule_and_the_refusal_is_recorded(
    client: TestClient, db: Session, investigator: User, scene: Scene, purpose: str, detail: str, named: str
) -> None:
    csrf = sign_in(client, investigator.username)
    response = client.post(
        "/api/reads/search",
        json={"query": {"plate": "7ABC123"}, "purpose": purpose, "detail": detail} | CASE,
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert named in error["message"] and "prohibited purpose" in error["message"]
    assert error["field"] == "purpose"
    assert "7ABC123" not in response.text  # no data leaves a refused search
    [refused] = refusals(db)
    assert refused.action == "reads.search" and refused.username == investigator.username
    assert refused.result_count == 0 and refused.case_number == "26-000777"
    assert refused.purpose_detail == detail


@pytest.mark.parametrize(
    ("detail", "named"),
    [
        ("\u0456mmigration hold", "immigration enforcement"),  # a Cyrillic i
        ("d\u0435portation case", "immigration enforcement"),  # a Cyrillic e
        ("imm\u00adigration", "immigration enforcement"),  # a soft hyphen, invisible on the page
        ("imm\u200bigration", "immigration enforcement"),  # a zero-width space
        ("IMMIGRATI\u00d3N status", "immigration enforcement"),  # an accent on a listed term
        ("\uff41\uff42\uff4f\uff52\uff54\uff49\uff4f\uff4e clinic", "reproductive health care"),  # full width
        ("p\u0435rs\u03bfnal matter", "personal use"),  # Cyrillic e, Greek o
        ("i m m i g r a t i o n hold", "immigration enforcement"),  # spelled out, letter by letter
        ("D.E.P.O.R.T", "immigration enforcement"),
        ("follow-up: a-b-o-r-t-i-o-n clinic", "reproductive health care"),
        ("just c u r i o u s", "personal use"),
    ],
)
def test_a_prohibited_term_disguised_with_look_alike_or_invisible_characters_is_refused(
    client: TestClient, db: Session, investigator: User, scene: Scene, detail: str, named: str
) -> None:
    csrf = sign_in(client, investigator.username)
    response = client.post(
        "/api/reads/search",
        json={"query": {"plate": "7ABC123"}, "purpose": "Criminal investigation", "detail": detail} | CASE,
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 403, response.text
    assert named in response.json()["error"]["message"]
    assert "7ABC123" not in response.text
    [refused] = refusals(db)
    assert refused.purpose_detail == detail  # kept as typed, for the Auditor


@pytest.mark.parametrize(
    "detail",
    [
        "personnel van",
        "witness saw 7 A B C 1 2 3 leave the lot",  # a plate spelled out is no term
        "unit 4 A 12, deportment hearing",  # a word that merely starts like a term
    ],
)
def test_ordinary_words_near_a_term_are_not_refused(
    client: TestClient, db: Session, investigator: User, scene: Scene, detail: str
) -> None:
    csrf = sign_in(client, investigator.username)
    response = client.post(
        "/api/reads/search",
        json={"query": {"plate": "7ABC123"}, "purpose": "Criminal investigation", "detail": detail} | CASE,
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200
    assert refusals(db) == []


def test_the_list_is_configurable(app_factory, db: Session, investigator: User, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    banned = ProhibitedPurpose(name="Debt collection", rule="Agency order 12", terms=("repo",))
    access = AccessSettings(prohibited_purposes=(banned,))
    with TestClient(app_factory(access=access), raise_server_exceptions=False) as client:
        csrf = sign_in(client, investigator.username)
        body = {"query": {"plate": "7ABC123"}, "purpose": "Criminal investigation"} | CASE
        refused = client.post(
            "/api/reads/search", json=body | {"detail": "repo job"}, headers={"X-CSRF-Token": csrf}
        )
        allowed = client.post(
            "/api/reads/search", json=body | {"detail": "immigration"}, headers={"X-CSRF-Token": csrf}
        )
        policy = client.get("/policy").text
    assert refused.status_code == 403 and "Agency order 12" in refused.json()["error"]["message"]
    assert allowed.status_code == 200  # the default list was replaced
    assert "Debt collection (Agency order 12)" in policy and "Immigration enforcement" not in policy


def test_a_nul_character_in_the_detail_neither_fails_a_search_nor_keeps_its_refusal_off_the_record(
    client: TestClient, db: Session, investigator: User, scene: Scene
) -> None:
    """PostgreSQL cannot store the NUL character in text: the record is written all the same."""
    csrf = sign_in(client, investigator.username)

    def search(detail: str) -> tuple[int, str]:
        body = {"query": {"plate": "7ABC123"}, "purpose": "Criminal investigation", "detail": detail} | CASE
        response = client.post("/api/reads/search", json=body, headers={"X-CSRF-Token": csrf})
        return response.status_code, response.text

    assert search("immigration hold\x00")[0] == 403
    [refused] = refusals(db)
    assert refused.purpose_detail.startswith("immigration hold") and "\x00" not in refused.purpose_detail
    status, text = search("tow yard\x00 follow-up")
    assert status == 200 and "7ABC123" in text
    db.expire_all()
    searches = db.scalars(select(AccessRecord).where(AccessRecord.action == "reads.search"))
    [done] = [r for r in searches if r.purpose_detail.startswith("tow yard")]
    assert done.outcome == "ok" and done.purpose_detail.endswith(" follow-up")
