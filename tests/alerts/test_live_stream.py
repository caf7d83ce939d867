"""The console's live alert stream: every new alert reaches every open tab, while the database is asked one
cheap question per tick for the whole process instead of three queries per tab per tick."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.accounts import administration, training
from plateguard.accounts import service as account_service
from plateguard.accounts.models import AccountStatus, LoginSession, User
from plateguard.accounts.roles import Role
from plateguard.alerts import live
from plateguard.alerts import service as alert_service
from plateguard.alerts import stream as alert_stream
from plateguard.alerts.models import Alert
from plateguard.database import transaction, utcnow
from plateguard.hotlists.models import HotlistSource
from tests.alerts.test_alert_promises import raise_live
from tests.conftest import MakeUser, Trained, sign_in
from tests.hotlists.conftest import StoreRead, make_list, stolen

MINUTE_AGO = dt.timedelta(seconds=60)


def count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Count the calls of an alert service function; each still runs against the real database."""
    real: Callable[..., Any] = getattr(alert_service, name)
    calls: list[int] = []

    def counted(**kwargs: Any) -> Any:
        calls.append(1)
        return real(**kwargs)

    monkeypatch.setattr(alert_service, name, counted)
    return calls


def plates(n: int) -> list[str]:
    return [f"7ABC{100 + i}" for i in range(n)]


def events(body: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


def test_the_signature_changes_for_every_alert_committed_late_ones_included(
    db: Session, store_read: StoreRead
) -> None:
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, *(stolen(p) for p in plates(2)))
    assert alert_service.recent_signature(session=db, since=utcnow() - MINUTE_AGO) == (0, None)
    (first,) = raise_live(db, store_read, "7ABC100")
    after_first = alert_service.recent_signature(session=db, since=utcnow() - MINUTE_AGO)
    assert after_first[0] == 1
    # a transaction that began before the first alert's and commits after it: an older time, newly seen
    (late,) = raise_live(db, store_read, "7ABC101")
    with system_scope(db, "test"):
        earlier = first.created_at - dt.timedelta(seconds=2)
        db.execute(update(Alert).where(Alert.id == late.id).values(created_at=earlier))
    after_late = alert_service.recent_signature(session=db, since=utcnow() - MINUTE_AGO)
    assert after_late[0] == 2 and after_late != after_first


def test_tabs_asking_within_one_tick_share_one_database_question(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = count_calls(monkeypatch, "recent_signature")
    now = [100.0]
    signal = live.AlertSignal(every=0.25, clock=lambda: now[0])
    factory = sessionmaker(bind=engine)
    for _tab in range(5):
        signal.current(factory)
    assert len(asked) == 1
    now[0] += 0.1
    signal.current(factory)
    assert len(asked) == 1
    now[0] += 0.2
    signal.current(factory)
    assert len(asked) == 2


def test_an_open_tab_with_nothing_new_looks_for_its_own_alerts_once(
    client: TestClient, trained: Trained, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained("officer", Role.OPERATOR)
    sign_in(client, "officer")
    looks = count_calls(monkeypatch, "recent_for_push")
    ticks: list[int] = []
    shared = live.AlertSignal.current

    def counted_tick(self: live.AlertSignal, factory: sessionmaker[Session]) -> alert_service.Signature:
        ticks.append(1)
        return shared(self, factory)

    monkeypatch.setattr(live.AlertSignal, "current", counted_tick)
    stream = client.get("/alerts/stream")  # the test settings close a stream after half a second
    assert stream.status_code == 200 and events(stream.text) == []
    assert len(ticks) >= 2  # the stream ticked more than once...
    assert len(looks) == 1  # ...but looked for the officer's own alerts only on the first tick


def test_more_new_alerts_than_one_look_fetches_all_reach_the_tab(
    client: TestClient, db: Session, trained: Trained, store_read: StoreRead, monkeypatch: pytest.MonkeyPatch
) -> None:
    many = plates(alert_service.PUSH_PAGE + 3)
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, *(stolen(p) for p in many))
    raise_live(db, store_read, *many)
    trained("officer", Role.OPERATOR)
    sign_in(client, "officer")  # slow under load (password hashing): the alerts' time is set after it
    with system_scope(db, "test"):  # raised just now, as if while the tab was open
        db.execute(update(Alert).values(created_at=utcnow()))
    db.commit()
    # two looks are needed; a loaded machine may take longer than the test settings' half second for them
    settings = client.app.state.settings  # type: ignore[attr-defined]
    longer = settings.alerts.model_copy(update={"stream_max_seconds": 3.0})
    monkeypatch.setattr(client.app.state, "settings", settings.model_copy(update={"alerts": longer}))  # type: ignore[attr-defined]
    stream = client.get("/alerts/stream")
    assert sorted(e["plate"] for e in events(stream.text)) == sorted(many)


def _take_away(change: str, session: Session, officer_id: int, admin_id: int) -> None:
    officer, admin = session.get(User, officer_id), session.get(User, admin_id)
    assert officer is not None and admin is not None
    if change == "account disabled":
        reason = "left the department"
        administration.set_status(
            session=session, actor=admin, user=officer, status=AccountStatus.DISABLED, reason=reason
        )
    elif change == "signed out on another tab":
        (login,) = session.scalars(select(LoginSession).where(LoginSession.user_id == officer_id))
        account_service.end_session(session=session, login=login, reason="signed out")
    elif change == "idle past the limit":  # nothing done by hand for longer than the idle limit
        (login,) = session.scalars(select(LoginSession).where(LoginSession.user_id == officer_id))
        login.last_seen_at = utcnow() - dt.timedelta(minutes=31)
    elif change == "role removed":
        administration.set_roles(session=session, actor=admin, user=officer, roles={Role.TRAINING_MANAGER})
    else:  # a newly required course: the officer's training is no longer complete
        training.create_course(session=session, name="ALPR refresher 2027", validity_months=24)


@pytest.mark.parametrize(
    "change",
    [
        "account disabled",
        "signed out on another tab",
        "idle past the limit",
        "role removed",
        "training lapsed",
    ],
)
def test_an_open_stream_pushes_no_alert_once_the_user_may_no_longer_see_alerts(
    client: TestClient,
    db: Session,
    trained: Trained,
    make_user: MakeUser,
    store_read: StoreRead,
    monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    raise_live(db, store_read, "7ABC123")
    officer_id, admin_id = trained("officer", Role.OPERATOR).id, make_user("lt.admin", Role.ADMINISTRATOR).id
    sign_in(client, "officer")
    with system_scope(db, "test"):  # raised just now, while the officer's tab is open
        db.execute(update(Alert).values(created_at=utcnow()))
    db.commit()
    shared, ticks = live.AlertSignal.current, list[int]()

    def tick(self: live.AlertSignal, factory: sessionmaker[Session]) -> alert_service.Signature:
        if not ticks:  # the stream is open and past the gate: the change is made now, committed
            with transaction(factory) as session:
                _take_away(change, session, officer_id, admin_id)
        ticks.append(1)
        return shared(self, factory)

    monkeypatch.setattr(live.AlertSignal, "current", tick)
    stream = client.get("/alerts/stream")
    assert stream.status_code == 200 and ticks
    assert "7ABC123" not in stream.text and events(stream.text) == []
    db.expire_all()
    pushes = db.scalars(select(AccessRecord).where(AccessRecord.action == "alerts.push"))
    assert [record.username for record in pushes] == []


def test_an_open_stream_with_no_alert_coming_ends_at_the_next_heartbeat_once_signed_out(
    client: TestClient, db: Session, trained: Trained, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer_id = trained("officer", Role.OPERATOR).id
    sign_in(client, "officer")
    monkeypatch.setattr(alert_stream, "HEARTBEAT_SECONDS", 0.1)
    settings = client.app.state.settings  # type: ignore[attr-defined]
    longer = settings.alerts.model_copy(update={"stream_max_seconds": 3.0})
    monkeypatch.setattr(client.app.state, "settings", settings.model_copy(update={"alerts": longer}))  # type: ignore[attr-defined]
    shared, ticks = live.AlertSignal.current, list[int]()

    def tick(self: live.AlertSignal, factory: sessionmaker[Session]) -> alert_service.Signature:
        if len(ticks) == 1:  # the stream has looked once, found nothing: the officer signs out elsewhere
            with transaction(factory) as session:
                (login,) = session.scalars(select(LoginSession).where(LoginSession.user_id == officer_id))
                account_service.end_session(session=session, login=login, reason="signed out")
        ticks.append(1)
        return shared(self, factory)

    monkeypatch.setattr(live.AlertSignal, "current", tick)
    started = time.monotonic()
    stream = client.get("/alerts/stream")
    assert stream.status_code == 200 and ticks
    assert stream.text.count(": heartbeat") <= 1, "the stream ended at the first heartbeat after the sign-out"
    assert time.monotonic() - started < 2.5, "not kept open until the stream's longest life"


def test_the_stream_reconnecting_does_not_keep_an_unattended_console_signed_in(
    client: TestClient, db: Session, trained: Trained
) -> None:
    officer_id = trained("officer", Role.OPERATOR).id
    sign_in(client, "officer")

    def seen_last() -> dt.datetime:
        db.expire_all()
        with system_scope(db, "test"):
            (login,) = db.scalars(select(LoginSession).where(LoginSession.user_id == officer_id))
            return login.last_seen_at

    def set_seen_last(at: dt.datetime) -> None:
        with system_scope(db, "test"):
            db.execute(update(LoginSession).where(LoginSession.user_id == officer_id).values(last_seen_at=at))
        db.commit()

    set_seen_last(utcnow() - dt.timedelta(minutes=29))
    assert client.get("/alerts/stream").status_code == 200  # the browser reconnecting on its own
    set_seen_last(seen_last() - dt.timedelta(minutes=2))  # two minutes on, still nobody at the screen
    page = client.get("/alerts", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code in (303, 401), "signed out after 31 minutes without activity"
    db.expire_all()
    with system_scope(db, "test"):
        (login,) = db.scalars(select(LoginSession).where(LoginSession.user_id == officer_id))
    assert login.end_reason == "idle timeout"
