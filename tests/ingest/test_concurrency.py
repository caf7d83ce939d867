"""The same batch sent by several clients at the same moment: every read is stored once, by one of them,
and only that one raises its alert; the same picture attached by all of them is stored once."""

from __future__ import annotations

import base64
import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor
from plateguard.alerts.models import Alert
from plateguard.cameras.models import CameraKind
from plateguard.config import load_settings
from plateguard.database import transaction
from plateguard.demo_scenes import render_plate
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.live import LiveMatcher
from plateguard.hotlists.models import HotlistCategory, HotlistSource
from plateguard.hotlists.parsed import ParsedEntry, ParsedFile
from plateguard.ingest import service
from plateguard.ingest.hooks import read_stored_callback
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.models import PlateRead, StoredImage
from plateguard.reads.stored import StoredRead
from tests.conftest import prepared_on_backend

CLIENTS = 4
OnStored = Callable[[Session, list[StoredRead]], None]


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    prepared = prepared_on_backend(request, tmp_path, {"Main St": CameraKind.FIXED})
    made = prepared.factory
    with transaction(made) as session:
        actor = Actor.system("Test PD", "test")
        hotlist = hotlist_service.create(
            session=session, actor=actor, name="BOLO", source=HotlistSource.DEPARTMENT
        )
        parsed = ParsedFile([ParsedEntry("7ABC123", "CA", HotlistCategory.STOLEN_VEHICLE, "stolen")])
        hotlist_service.replace_entries(
            session=session, actor=actor, hotlist=hotlist, parsed=parsed, source_name="t"
        )
    yield made
    prepared.engine.dispose()


def test_one_batch_sent_by_four_clients_at_once_is_stored_and_alerted_once(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    captured = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    picture = base64.b64encode(render_plate("7ABC123"))  # the JSON form of an attached image
    reads = [
        ReadSubmission(id=uuid.uuid4(), plate=f"4CC{n:04d}", confidence=0.9, captured_at=captured)
        for n in range(199)
    ]
    reads.append(
        ReadSubmission(
            id=uuid.uuid4(), plate="7ABC123", confidence=0.9, captured_at=captured, plate_image=picture
        )
    )
    start = threading.Barrier(CLIENTS)
    stored: list[list[uuid.UUID]] = []
    errors: list[BaseException] = []

    def client() -> None:
        try:
            start.wait()
            with transaction(factory) as session:
                camera = service.camera_for_writing(session=session, camera_id=1)
                result = service.store_batch(
                    session=session,
                    camera=camera,
                    reads=reads,
                    images_dir=tmp_path / "images",
                    on_stored=read_stored_callback(
                        load_settings(overrides={"data_dir": tmp_path}), matcher=LiveMatcher()
                    ),
                )
            stored.append(result.stored_ids)
        except BaseException as exc:  # reported below, with the test's own assertion
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sum(len(ids) for ids in stored) == 200  # each read stored by exactly one client
    assert {read_id for ids in stored for read_id in ids} == {read.id for read in reads}
    with factory() as session, system_scope(session, "test"):
        assert session.scalar(select(func.count()).select_from(PlateRead)) == 200
        assert session.scalar(select(func.count()).select_from(StoredImage)) == 1
        assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_an_import_removing_the_entry_a_read_is_matching_fails_neither_of_them(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """A state file drops a plate while a camera's read of it is being matched: on PostgreSQL the two
    transactions used to meet at the foreign key (the ingest or the import answered 500)."""
    actor = Actor.system("Test PD", "test")
    settings = load_settings(overrides={"data_dir": tmp_path})
    on_stored = read_stored_callback(settings, matcher=LiveMatcher())
    with transaction(factory) as session:
        hotlist = hotlist_service.get_by_name(session=session, name="BOLO")
        both = [
            ParsedEntry(p, "CA", HotlistCategory.STOLEN_VEHICLE, "stolen") for p in ("7ABC123", "7XYZ999")
        ]
        hotlist_service.replace_entries(
            session=session, actor=actor, hotlist=hotlist, parsed=ParsedFile(both), source_name="t"
        )
    store(factory, tmp_path, on_stored, "4WARM00")  # the matcher now holds both entries

    def import_without(plate: str, session: Session) -> None:
        hotlist = hotlist_service.get_by_name(session=session, name="BOLO")
        keep = [
            ParsedEntry(p, "CA", HotlistCategory.STOLEN_VEHICLE, "stolen") for p in ("7ABC123", "7XYZ999")
        ]
        parsed = ParsedFile([entry for entry in keep if entry.plate != plate])
        hotlist_service.replace_entries(
            session=session,
            actor=actor,
            hotlist=hotlist,
            parsed=parsed,
            source_name="t",
        )

    # The import deletes first; the read's match waits for it and finds the entry gone: no alert, no error.
    importing = factory()
    import_without("7ABC123", importing)
    errors = run_beside(lambda: store(factory, tmp_path, on_stored, "7ABC123"), importing.commit)
    importing.close()
    # The read matches first; the import waits for it, then unlinks the new alert and deletes the entry.
    matching = factory()
    store_in(matching, tmp_path, on_stored, "7XYZ999")
    errors += run_beside(lambda: committed_import(factory, import_without, "7XYZ999"), matching.commit)
    matching.close()

    assert errors == []
    with factory() as session, system_scope(session, "test"):
        alerts = list(session.scalars(select(Alert)))
    assert [(a.entry["plate"], a.entry_id) for a in alerts] == [("7XYZ999", None)]  # kept, unlinked


def store_in(session: Session, tmp_path: Path, on_stored: OnStored, plate: str) -> None:
    captured = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    read = ReadSubmission(id=uuid.uuid4(), plate=plate, confidence=0.9, captured_at=captured)
    camera = service.camera_for_writing(session=session, camera_id=1)
    service.store_batch(
        session=session, camera=camera, reads=[read], images_dir=tmp_path / "images", on_stored=on_stored
    )


def store(factory: sessionmaker[Session], tmp_path: Path, on_stored: OnStored, plate: str) -> None:
    with transaction(factory) as session:
        store_in(session, tmp_path, on_stored, plate)


def committed_import(factory: sessionmaker[Session], import_without: object, plate: str) -> None:
    with transaction(factory) as session:
        import_without(plate, session)  # type: ignore[operator]


def run_beside(work: object, then: object) -> list[BaseException]:
    """Start ``work`` in a thread (it blocks on the other transaction), then run ``then`` and wait."""
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            work()  # type: ignore[operator]
        except BaseException as exc:  # reported by the test's own assertion
            errors.append(exc)

    thread = threading.Thread(target=guarded)
    thread.start()
    thread.join(1.0)  # long enough to reach the lock
    then()  # type: ignore[operator]
    thread.join(60)
    return errors
