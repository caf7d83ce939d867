"""A real data directory per backend (purges run their own transactions), with reads, images and people."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor
from plateguard.accounts import service as account_service
from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.cameras.models import Camera, CameraKind
from plateguard.database import transaction, utcnow
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.models import PlateRead
from plateguard.reads.schemas import Candidate
from plateguard.retention import service as schedules
from plateguard.retention.models import DataKind
from plateguard.retention.schemas import ScheduleCreate
from tests.conftest import (
    ANY_CAPTURE_TIME,
    TEST_PASSWORD,
    Prepared,
    complete_training,
    prepared_data_dir,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Prepared]:
    url = request.getfixturevalue("own_postgres_url") if request.param == "postgresql" else None
    prepared = prepared_data_dir(tmp_path / "data", {"Main St NB": CameraKind.FIXED}, database_url=url)
    with transaction(prepared.factory) as session:
        agency = account_service.get_home_agency(session=session)
        assert agency is not None
        for username, role in (("custodian", Role.RECORDS_CUSTODIAN), ("lieutenant", Role.ADMINISTRATOR)):
            user = account_service.create_user(
                session=session,
                security=prepared.settings.security,
                agency=agency,
                username=username,
                full_name=username.title(),
                password=TEST_PASSWORD,
                roles={role},
            )
            complete_training(session, user)
    yield prepared
    prepared.engine.dispose()


def picture(seed: int) -> bytes:
    """A small JPEG whose bytes (and so its SHA-256) differ for each seed."""
    pixels = np.random.default_rng(seed).integers(0, 255, size=(24, 48, 3), dtype=np.uint8)
    ok, encoded = cv2.imencode(".png", pixels)
    assert ok
    return bytes(encoded)


def add_read(
    store: Prepared,
    *,
    days_old: float,
    plate: str = "7ABC123",
    image: bytes | None = None,
    overview: bytes | None = None,
) -> uuid.UUID:
    with transaction(store.factory) as session:
        camera = session.scalars(select(Camera)).one()
        read = ingest_service.store_read(
            session=session,
            camera=camera,
            read=ReadSubmission(
                plate=plate,
                confidence=0.9,
                candidates=[Candidate(plate=plate, confidence=0.9)],
                captured_at=utcnow() - dt.timedelta(days=days_old),
                plate_image=base64.b64encode(image) if image else None,
                overview_image=base64.b64encode(overview) if overview else None,
            ),
            images_dir=store.settings.images_dir,
            window=ANY_CAPTURE_TIME,
        )
        return read.id


def actor(session: Session, username: str) -> Actor:
    user = account_service.get_by_username(session=session, username=username)
    assert isinstance(user, User)
    return Actor.of(user)


def approve(store: Prepared, kind: DataKind, days: int, legal_override: str = "") -> int:
    """The two steps: the Records Custodian proposes, the Administrator approves."""
    with transaction(store.factory) as session:
        form = ScheduleCreate(data_kind=kind, days=days, legal_override=legal_override)
        schedule = schedules.propose(session=session, actor=actor(session, "custodian"), form=form)
        schedules.decide(
            session=session, actor=actor(session, "lieutenant"), schedule_id=schedule.id, approve=True
        )
        return schedule.id


def read_ids(store: Prepared) -> set[uuid.UUID]:
    with transaction(store.factory) as session, system_scope(session, "test"):
        return set(session.scalars(select(PlateRead.id)))


def count_reads(store: Prepared) -> int:
    with transaction(store.factory) as session, system_scope(session, "test"):
        return int(session.scalar(select(func.count()).select_from(PlateRead)) or 0)
