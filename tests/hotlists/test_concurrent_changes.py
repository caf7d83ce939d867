"""Two imports or two failing refreshes of one list at the same moment (a scheduled refresh while the
Administrator loads the file by hand): they run one after the other, so the list holds each entry once
and the Administrator sees one notice, raised twice, not two."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor
from plateguard.cameras.models import CameraKind
from plateguard.database import transaction
from plateguard.hotlists import refresh
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import HotlistCategory, HotlistEntry, HotlistNotice, HotlistSource
from plateguard.hotlists.parsed import ParsedEntry, ParsedFile
from tests.conftest import prepared_on_backend

ACTOR = Actor.system("Test PD", "test")
HELD = 0.6  # seconds the first change holds its transaction open after its work


def stolen(*plates: str) -> ParsedFile:
    return ParsedFile([ParsedEntry(p, "CA", HotlistCategory.STOLEN_VEHICLE, "stolen") for p in plates])


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    prepared = prepared_on_backend(request, tmp_path, {"Main St": CameraKind.FIXED})
    with transaction(prepared.factory) as session:
        hotlist = hotlist_service.create(
            session=session, actor=ACTOR, name="BOLO", source=HotlistSource.DEPARTMENT
        )
        hotlist_service.replace_entries(
            session=session, actor=ACTOR, hotlist=hotlist, parsed=stolen("7ABC123"), source_name="first"
        )
    yield prepared.factory
    prepared.engine.dispose()


Change = Callable[[Session], None]


def one_after_another_attempt(factory: sessionmaker[Session], change: Change) -> None:
    """The first change does its work and holds its transaction open; the second starts meanwhile."""
    worked = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction(factory) as session:
                change(session)
                worked.set()
                threading.Event().wait(HELD)
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)
            worked.set()

    def second() -> None:
        try:
            worked.wait(10)
            with transaction(factory) as session:
                change(session)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors


def test_two_imports_of_one_file_at_once_leave_each_entry_once(factory: sessionmaker[Session]) -> None:
    def load(session: Session) -> None:
        hotlist = hotlist_service.get_by_name(session=session, name="BOLO")
        refresh.replace_with(
            session=session,
            actor=ACTOR,
            hotlist=hotlist,
            parsed=stolen("7ABC123", "8DEF456", "9GHI789"),
            source_name="svs.csv",
        )

    one_after_another_attempt(factory, load)

    with transaction(factory) as session, system_scope(session, "test"):
        plates = session.scalars(select(HotlistEntry.plate).order_by(HotlistEntry.plate)).all()
        imports = session.scalar(
            select(func.count()).select_from(AccessRecord).where(AccessRecord.action == "hotlists.import")
        )
    assert plates == ["7ABC123", "8DEF456", "9GHI789"]
    assert imports == 3  # the first load and both imports, each on record


def test_two_failing_refreshes_at_once_raise_one_notice_twice(factory: sessionmaker[Session]) -> None:
    def fail(session: Session) -> None:
        hotlist = hotlist_service.get_by_name(session=session, name="BOLO")
        refresh.add_notice(session=session, hotlist=hotlist, kind="refresh_failed", message="BOLO: no file")

    one_after_another_attempt(factory, fail)

    with transaction(factory) as session:
        notices = session.scalars(select(HotlistNotice)).all()
    assert [(n.kind, n.repeats, n.resolved_at) for n in notices] == [("refresh_failed", 2, None)]
