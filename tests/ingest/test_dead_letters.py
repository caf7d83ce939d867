"""Dead letters: a message the MQTT consumer cannot store is kept with its reason, never lost, never fatal."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import CameraKind
from plateguard.cli import app
from plateguard.config import MqttSettings, Settings
from plateguard.ingest import dead_letters
from plateguard.ingest.models import DeadLetter, DeadLetterStatus
from plateguard.ingest.mqtt import Consumer, Message, MqttCounters
from plateguard.reads.models import PlateRead
from tests.conftest import prepared_data_dir
from tests.ingest.conftest import a_read


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    prepared = prepared_data_dir(tmp_path, {"Main St NB": CameraKind.FIXED, "driveway_cam": CameraKind.FIXED})
    yield prepared.settings, prepared.factory
    prepared.engine.dispose()


def consumer(settings: Settings, factory: sessionmaker[Session]) -> tuple[Consumer, MqttCounters]:
    counters = MqttCounters(CollectorRegistry())
    mqtt = MqttSettings(read_topics=("reads/+",), frigate_topics=("frigate/tracked_object_update",))
    return Consumer(
        settings=mqtt, factory=factory, images_dir=settings.images_dir, counters=counters
    ), counters


def plates(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session, system_scope(session, "test"):
        return sorted(session.scalars(select(PlateRead.plate_text)))


def frigate_null_box() -> bytes:
    message = {"type": "lpr", "id": "1746.5-x", "camera": "driveway_cam", "plate": "ABC123", "score": 0.93}
    return json.dumps({**message, "timestamp": time.time(), "plate_box": [917, 487, None, 529]}).encode()


def test_a_malformed_message_is_kept_and_the_valid_ones_after_it_are_stored(world) -> None:  # type: ignore[no-untyped-def]
    settings, factory = world
    worker, counters = consumer(settings, factory)
    batch = [
        Message("frigate/tracked_object_update", frigate_null_box(), 1, 1),
        Message("reads/Main St NB", b"\xff\xfe\x00 random bytes", 2, 1),
        Message("reads/Nowhere", json.dumps(a_read("5DEF456")).encode(), 3, 1),
        Message("reads/Main St NB", json.dumps(a_read("7ABC123")).encode(), 4, 1),
    ]
    worker.handle(batch)
    worker.handle([Message("reads/Main St NB", json.dumps(a_read("6GHI789")).encode(), 5, 1)])
    assert plates(factory) == ["6GHI789", "7ABC123"]
    with factory() as session:
        letters = dead_letters.list_(session=session)
    assert sorted((letter.topic, letter.field) for letter in letters) == [
        ("frigate/tracked_object_update", "plate_box.2"),
        ("reads/Main St NB", "payload"),
        ("reads/Nowhere", "camera"),
    ]
    assert counters.dead_letters._value.get() == 3


def test_listing_dead_letters_leaves_their_messages_in_the_database(world) -> None:  # type: ignore[no-untyped-def]
    settings, factory = world
    worker, _ = consumer(settings, factory)
    worker.handle([Message("reads/Nowhere", json.dumps(a_read("5DEF456")).encode(), 1, 1)])
    with factory() as session:
        letters = dead_letters.list_(session=session)
        assert [letter.topic for letter in letters] == ["reads/Nowhere"]
        assert "payload" in inspect(letters[0]).unloaded


def test_operators_list_replay_and_discard_dead_letters(world) -> None:  # type: ignore[no-untyped-def]
    settings, factory = world
    worker, _ = consumer(settings, factory)
    worker.handle(
        [
            Message("reads/Patrol 9", json.dumps(a_read("8XYZ999")).encode(), 1, 1),
            Message("reads/Main St NB", b"{broken", 2, 1),
        ]
    )
    runner = CliRunner()
    data_dir = ["--data-dir", str(settings.data_dir)]
    listed = runner.invoke(app, ["dead-letters", "list", *data_dir], env={"COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    assert "no camera named 'Patrol 9'" in listed.output and "2 dead letters waiting" in listed.output
    with factory() as session:
        by_topic = {letter.topic: letter.id for letter in dead_letters.list_(session=session)}
    still = runner.invoke(app, ["dead-letters", "replay", str(by_topic["reads/Patrol 9"]), *data_dir])
    assert still.exit_code == 1 and "still not stored" in still.output
    add = runner.invoke(app, ["cameras", "add", "Patrol 9", "--kind", "mobile", *data_dir])
    assert add.exit_code == 0, add.output
    replayed = runner.invoke(app, ["dead-letters", "replay", str(by_topic["reads/Patrol 9"]), *data_dir])
    assert replayed.exit_code == 0, replayed.output
    assert plates(factory) == ["8XYZ999"]
    discarded = runner.invoke(app, ["dead-letters", "discard", str(by_topic["reads/Main St NB"]), *data_dir])
    assert discarded.exit_code == 0, discarded.output
    with factory() as session:
        assert dead_letters.waiting_count(session=session) == 0
        statuses = {letter.status for letter in dead_letters.list_(session=session, status=None)}
        gone = session.get(DeadLetter, by_topic["reads/Main St NB"])
        assert gone is not None and gone.payload == b""  # the content is erased, the record kept
    assert statuses == {DeadLetterStatus.REPLAYED, DeadLetterStatus.DISCARDED}
    again = runner.invoke(app, ["dead-letters", "replay", str(by_topic["reads/Patrol 9"]), *data_dir])
    assert again.exit_code == 1 and "replayed already" in again.output


def test_a_failed_batch_commit_acknowledges_nothing(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

    settings, factory = world
    worker, _ = consumer(settings, factory)
    acked: list[int] = []
    monkeypatch.setattr(worker.client, "ack", lambda mid, qos: acked.append(mid))

    def database_gone(*_: object) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(Session, "commit", database_gone)
    with pytest.raises(OperationalError):
        worker.handle([Message("reads/Main St NB", json.dumps(a_read()).encode(), 7, 1)])
    assert acked == []
    monkeypatch.undo()
    with factory() as session, system_scope(session, "test"):
        assert session.scalar(select(func.count()).select_from(PlateRead)) == 0
