"""A scheduled refresh against broken sources: a mistyped location is refused when it is set, one list's
failure never stops the others, and a list that keeps failing leaves one notice that counts, not one
notice per run."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.models import AccessRecord
from plateguard.accounts.roles import Role
from plateguard.errors import InvalidInput
from plateguard.hotlists import formats, refresh
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import Hotlist, HotlistNotice, HotlistSource
from tests.conftest import Trained, sign_in
from tests.hotlists.test_service import ACTOR, BAD_CLEW, GOOD_CLEW

NOW = dt.datetime(2026, 11, 6, tzinfo=dt.UTC)


def create(db: Session, name: str, location: str | None, file_format: str = "clew") -> Hotlist:
    return hotlist_service.create(
        session=db,
        actor=ACTOR,
        name=name,
        source=HotlistSource.STATE,
        file_format=file_format,
        refresh_path=location,
        max_age_hours=24 * 30,
    )


@pytest.mark.parametrize(
    ("location", "says"),
    [
        ("ncic.txt", "full path"),  # relative: the refresh runs from cron, in no particular folder
        ("hot/ncic.txt", "full path"),
        ("ftp://doj.example/svs.tbl", "only http:// and https://"),
        ("file:///srv/hot/svs.tbl", "only http:// and https://"),
        ("http://[::1/svs.tbl", "not a valid URL"),
        ("https://doj.example:99999/svs.tbl", "not a valid URL"),
        ("http:///svs.tbl", "names no host"),
        ("https://doj.example/hot files/svs.tbl", "%20"),
        ("/srv/hot/svs\n.tbl", "control character"),
        ("/srv/hot/svs\x7f.tbl", "control character"),  # DEL
    ],
)
def test_a_location_the_refresh_could_never_read_is_refused_when_it_is_set(
    db: Session, location: str, says: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        create(db, "SVS", location)
    assert refused.value.field == "refresh_path" and says in refused.value.message
    assert db.scalars(select(Hotlist)).first() is None


@pytest.mark.parametrize(
    "location",
    ["/srv/hot/ncic.txt", "/srv/hot files/ncic.txt", "https://doj.example/svs.zip", "HTTP://10.0.0.5:8080/x"],
)
def test_full_paths_and_http_urls_are_kept_as_given(db: Session, location: str) -> None:
    assert create(db, "SVS", f"  {location} ").refresh_path == location


def test_no_location_means_no_scheduled_refresh_and_an_unknown_format_is_refused(db: Session) -> None:
    assert create(db, "Local", "   ").refresh_path is None
    with pytest.raises(InvalidInput) as refused:
        create(db, "Odd", "/srv/hot/odd.txt", file_format="xml")
    assert refused.value.field == "file_format"


@pytest.fixture()
def factory(db: Session) -> sessionmaker[Session]:
    return sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def stored_list(db: Session, name: str, location: str) -> Hotlist:
    """A list whose location was stored before locations were checked (or edited in the database)."""
    hotlist = Hotlist(
        name=name, source=HotlistSource.STATE, file_format="clew", refresh_path=location, max_age_hours=720
    )
    db.add(hotlist)
    db.flush()
    return hotlist


def good_file(tmp_path: Path) -> str:
    path = tmp_path / "svs.tbl"
    path.write_bytes(GOOD_CLEW)
    return str(path)


@pytest.mark.parametrize(
    ("location", "error"),
    [
        (
            "http://exa mple.com/svs.tbl",
            "cannot download http://exa mple.com/svs.tbl: URL can't contain control",
        ),
        ("http://[::1/svs.tbl", "cannot download http://[::1/svs.tbl: Invalid IPv6 URL"),
        ("svs.tbl", "cannot read svs.tbl: No such file or directory"),
    ],
)
def test_a_malformed_stored_location_fails_its_own_list_and_the_next_list_still_loads(
    db: Session, factory: sessionmaker[Session], tmp_path: Path, location: str, error: str
) -> None:
    stored_list(db, "A broken", location)
    create(db, "B good", good_file(tmp_path))
    lines = refresh.refresh_all(factory=factory, organisation="Test PD", now=NOW)
    assert lines[0].startswith(f"A broken: refresh FAILED: {error}")
    assert "B good: 2 entries loaded (0 skipped)" in lines
    kinds = sorted(n.kind for n in refresh.open_notices(session=db))
    assert kinds == ["refresh_failed", "stale"]  # the broken list's failure, and it was never loaded


def test_an_unforeseen_error_in_one_list_is_a_notice_and_the_others_still_load(
    db: Session,
    factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    odd = tmp_path / "odd.tbl"
    odd.write_bytes(b"ODD\r\n")
    create(db, "A odd", str(odd))
    create(db, "B good", good_file(tmp_path))
    real_parse = formats.parse

    def parse(fmt: str, lines: list[str], **kwargs: object) -> object:
        if lines == ["ODD"]:
            raise RuntimeError("a parser bug")
        return real_parse(fmt, lines, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(formats, "parse", parse)
    with caplog.at_level(logging.ERROR, logger="plateguard.hotlists.refresh"):
        lines = refresh.refresh_all(factory=factory, organisation="Test PD", now=NOW)
    [logged_error] = caplog.records
    assert logged_error.exc_info is not None and "A odd" in logged_error.getMessage()  # the trace, for a fix
    assert "A odd: refresh FAILED: unexpected error (RuntimeError): a parser bug" in lines
    odd_list = db.scalars(select(Hotlist).where(Hotlist.name == "A odd")).one()
    assert odd_list.last_refresh_error == "unexpected error (RuntimeError): a parser bug"
    assert sorted(n.kind for n in refresh.open_notices(session=db)) == ["refresh_failed", "stale"]
    assert "B good: 2 entries loaded (0 skipped)" in lines
    failed = db.scalars(
        select(AccessRecord.query).where(
            AccessRecord.action == "hotlists.refresh", AccessRecord.outcome == "failed"
        )
    ).all()
    assert failed == [{"hotlist": "A odd", "error": "unexpected error (RuntimeError): a parser bug"}]


def test_a_list_that_keeps_failing_keeps_one_notice_that_counts_until_a_refresh_works(
    db: Session, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    source = tmp_path / "svs.tbl"
    source.write_bytes(BAD_CLEW)
    hotlist = create(db, "SVS", str(source))
    for hour in range(3):
        refresh.refresh_all(factory=factory, organisation="Test PD", now=NOW + dt.timedelta(hours=hour))
    notices = refresh.open_notices(session=db)
    assert sorted((n.kind, n.repeats) for n in notices) == [("refresh_failed", 3), ("stale", 3)]
    assert all(n.last_seen_at is not None and n.last_seen_at >= n.created_at for n in notices)
    failures = db.scalars(select(AccessRecord.id).where(AccessRecord.action == "hotlists.refresh")).all()
    assert len(failures) == 3  # every failed run is still in the access log

    source.write_bytes(GOOD_CLEW)
    assert refresh.refresh_all(factory=factory, organisation="Test PD", now=NOW) == [
        "SVS: 2 entries loaded (0 skipped)"
    ]
    assert refresh.open_notices(session=db) == []
    source.write_bytes(BAD_CLEW)
    refresh.refresh_all(factory=factory, organisation="Test PD", now=NOW)
    [again] = refresh.open_notices(session=db)
    assert (again.kind, again.repeats, again.last_seen_at) == ("refresh_failed", 1, None)  # a new notice
    every = db.scalars(select(HotlistNotice).where(HotlistNotice.hotlist_id == hotlist.id)).all()
    assert len(every) == 3  # two resolved, one open


def test_notices_of_different_lists_or_kinds_stay_apart(db: Session) -> None:
    first, second = create(db, "NCIC", "/srv/ncic.txt"), create(db, "SVS", "/srv/svs.txt")
    refresh.add_notice(session=db, hotlist=first, kind="stale", message="NCIC: stale")
    refresh.add_notice(session=db, hotlist=second, kind="stale", message="SVS: stale")
    refresh.add_notice(session=db, hotlist=first, kind="refresh_failed", message="NCIC: down")
    latest = refresh.add_notice(session=db, hotlist=first, kind="stale", message="NCIC: still stale")
    refresh.add_notice(session=db, hotlist=None, kind="stale", message="all lists: stale")
    refresh.add_notice(session=db, hotlist=None, kind="stale", message="all lists: still stale")
    assert sorted((n.message, n.repeats) for n in refresh.open_notices(session=db)) == [
        ("NCIC: down", 1),
        ("NCIC: still stale", 2),
        ("SVS: stale", 1),
        ("all lists: still stale", 2),  # a notice of no one list is one notice too
    ]
    assert latest.message == "NCIC: still stale"


def test_the_console_refuses_a_relative_location_and_shows_how_often_a_notice_was_raised(
    client: TestClient, trained: Trained, db: Session, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    trained("lt.alvarez", Role.ADMINISTRATOR)
    csrf = sign_in(client, "lt.alvarez")
    form = {
        "name": "SVS",
        "source": "state",
        "file_format": "clew",
        "refresh_path": "svs.tbl",
        "csrf_token": csrf,
    }
    refused = client.post("/hotlists", data=form, headers={"Accept": "application/json"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "refresh_path"
    assert db.scalars(select(Hotlist)).first() is None
    source = tmp_path / "svs.tbl"
    source.write_bytes(BAD_CLEW)
    made = client.post("/hotlists", data=form | {"refresh_path": str(source)}, follow_redirects=False)
    assert made.status_code == 303
    for _ in range(2):
        refresh.refresh_all(factory=factory, organisation="Test PD", now=NOW)
    page = client.get("/hotlists").text
    assert page.count("Refresh failed:</strong>") == 1 and "raised 2 times" in page  # one notice
