"""The console's live alert stream: every new alert reaches every open tab, while the database is asked one
cheap question per tick for the whole process instead of three queries per tab per tick."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.accounts.roles import Role
from plateguard.alerts import live
from plateguard.alerts import service as alert_service
from plateguard.alerts.models import Alert
from plateguard.database import utcnow
from plateguard.hotlists.models import HotlistSource
from tests.alerts.test_alert_promises import raise_live
from tests.conftest import Trained, sign_in
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
