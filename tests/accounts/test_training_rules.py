"""Finding 5: nobody records their own training; the first Administrator's comes from init, marked so."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from plateguard.access_log.models import AccessRecord
from plateguard.accounts import service as account_service
from plateguard.accounts import training
from plateguard.accounts.roles import Role
from plateguard.cli import app
from plateguard.database import make_engine, make_session_factory
from tests.conftest import TEST_PASSWORD, MakeUser, agency_today, sign_in

# Relative to today: a fixed date would pass the 24-month validity one day and fail every run after.
TRAINED_A_MONTH_AGO = (agency_today() - dt.timedelta(days=30)).isoformat()


def record_form(csrf: str, user_id: int, course_id: int) -> dict[str, str]:
    yesterday = (agency_today() - dt.timedelta(days=1)).isoformat()
    return {
        "csrf_token": csrf,
        "user_id": str(user_id),
        "course_id": str(course_id),
        "completed_on": yesterday,
    }


def test_an_untrained_administrator_cannot_record_their_own_training(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    course = training.courses(session=db)[0]
    csrf = sign_in(client, "lt.alvarez")
    response = client.post("/training/records", data=record_form(csrf, admin.id, course.id))
    assert response.status_code == 403
    assert "own training" in response.text
    assert training.training_gaps(session=db, user=admin, today=agency_today()) != []
    assert client.get("/reads/search").status_code == 403  # the gate stays shut


def test_a_training_manager_records_someone_elses_training(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    make_user("sgt.okafor", Role.TRAINING_MANAGER)
    course = training.courses(session=db)[0]
    csrf = sign_in(client, "sgt.okafor")
    response = client.post("/training/records", data=record_form(csrf, admin.id, course.id))
    assert response.status_code == 200
    assert training.training_gaps(session=db, user=admin, today=agency_today()) == []


def test_init_records_the_first_administrators_training_as_their_own_statement(tmp_path: Path) -> None:
    password_file = tmp_path / "pw"
    password_file.write_text(TEST_PASSWORD + "\n")
    statement = "Completed Vigilant ALPR operator course, instructor Sgt. Lee, certificate 4471"
    result = CliRunner().invoke(
        app,
        [
            "init",
            "--data-dir",
            str(tmp_path / "data"),
            "--admin-username",
            "lt.alvarez",
            "--admin-password-file",
            str(password_file),
            "--admin-trained-on",
            TRAINED_A_MONTH_AGO,
            "--training-statement",
            statement,
        ],
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'plateguard.sqlite3'}")
    with make_session_factory(engine)() as session:
        admin = account_service.get_by_username(session=session, username="lt.alvarez")
        assert admin is not None
        records = training.latest_records(session=session, user=admin)
        assert training.training_gaps(session=session, user=admin, today=agency_today()) == []
        assert all(r.attested_at_init and r.notes == statement for r in records.values())
        logged = session.scalars(select(AccessRecord).where(AccessRecord.action == "training.recorded")).all()
        assert [(r.username, r.query["course"], r.query["attested_at_init"]) for r in logged] == [
            ("lt.alvarez", "ALPR system use and Policy 460", True)
        ]
        assert logged[0].query["completed_on"] == TRAINED_A_MONTH_AGO
    engine.dispose()


def test_recording_training_logs_who_recorded_whose_course_and_its_dates(
    db: Session, make_user: MakeUser
) -> None:
    # The record the audit rule "Training with no access record of its recording" checks rows against.
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    manager = make_user("sgt.okafor", Role.TRAINING_MANAGER)
    [course] = training.courses(session=db)
    training.record_for_another(
        session=db,
        user=admin,
        course=course,
        completed_on=dt.date(2026, 3, 10),
        recorded_by=manager,
        today=agency_today(),
    )
    [logged] = db.scalars(select(AccessRecord).where(AccessRecord.action == "training.recorded")).all()
    assert (logged.username, logged.user_id) == ("sgt.okafor", manager.id)
    assert logged.query == {
        "user": "lt.alvarez",
        "course": "ALPR system use and Policy 460",
        "completed_on": "2026-03-10",
        "expires_on": "2028-03-10",
    }


def test_init_without_a_statement_leaves_the_administrator_untrained(tmp_path: Path) -> None:
    password_file = tmp_path / "pw"
    password_file.write_text(TEST_PASSWORD + "\n")
    args = ["init", "--data-dir", str(tmp_path / "d"), "--admin-password-file", str(password_file)]
    half = CliRunner().invoke(app, [*args, "--admin-trained-on", TRAINED_A_MONTH_AGO])
    assert half.exit_code == 1 and "together" in half.output
    assert CliRunner().invoke(app, args).exit_code == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'd' / 'plateguard.sqlite3'}")
    with make_session_factory(engine)() as session:
        admin = account_service.get_by_username(session=session, username="admin")
        assert admin is not None
        assert training.training_gaps(session=session, user=admin, today=agency_today()) != []
    engine.dispose()


def test_the_training_page_shows_a_statement_at_setup_as_such(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    for course in training.courses(session=db):
        training.record_completion(
            session=db,
            user=admin,
            course=course,
            completed_on=agency_today(),
            recorded_by=admin,
            today=agency_today(),
            notes="POST ALPR course, 2026-10-01",
            attested_at_init=True,
        )
    sign_in(client, "lt.alvarez")
    page = client.get("/training/me").text
    assert "on your own statement" in page and "POST ALPR course, 2026-10-01" in page
    assert "own statement at setup" in client.get("/training").text
