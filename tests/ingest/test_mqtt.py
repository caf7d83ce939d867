"""The MQTT door with a real paho client publishing to the local Mosquitto broker."""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import CameraKind
from plateguard.config import MqttSettings, Settings
from plateguard.database import make_engine, make_session_factory
from plateguard.ingest import dead_letters
from plateguard.ingest.mqtt import Consumer, MqttCounters
from plateguard.reads.models import PlateRead
from tests.conftest import prepared_data_dir, skip_or_fail
from tests.ingest.conftest import a_read, example, without_comments

pytestmark = pytest.mark.mqtt
BROKER = ("127.0.0.1", 1883)


def broker_up() -> bool:
    try:
        with socket.create_connection(BROKER, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    if not broker_up():
        skip_or_fail("no MQTT broker on 127.0.0.1:1883")
    prepared = prepared_data_dir(tmp_path, {"Main St NB": CameraKind.FIXED, "front_door": CameraKind.FIXED})
    yield prepared.settings, prepared.factory
    prepared.engine.dispose()


def start(settings: Settings, factory: sessionmaker[Session], prefix: str, client_id: str):  # type: ignore[no-untyped-def]
    mqtt_settings = MqttSettings(
        client_id=client_id, read_topics=(f"{prefix}/reads/+",), frigate_topics=(f"{prefix}/frigate/events",)
    )
    counters = MqttCounters(CollectorRegistry())
    consumer = Consumer(
        settings=mqtt_settings,
        factory=factory,
        images_dir=settings.images_dir,
        counters=counters,
    )
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    assert consumer.connected.wait(10), "consumer did not connect"
    return consumer, counters, stop, thread


def publish(messages: list[tuple[str, bytes]]) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-pub-{secrets.token_hex(4)}")
    client.connect(*BROKER)
    client.loop_start()
    for topic, payload in messages:
        client.publish(topic, payload, qos=1).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def count(factory: sessionmaker[Session]) -> int:
    with factory() as session, system_scope(session, "test"):
        return int(session.scalar(select(func.count()).select_from(PlateRead)) or 0)


def wait_for(predicate, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_reads_frigate_events_and_malformed_messages(world) -> None:  # type: ignore[no-untyped-def]
    settings, factory = world
    prefix = f"t{secrets.token_hex(4)}"
    _, counters, stop, thread = start(settings, factory, prefix, f"pg-{prefix}")
    read = json.dumps(a_read("7ABC123")).encode()
    frigate = without_comments(example("frigate-events-lpr.v0.17.2.docs.txt").decode())
    frigate["after"]["recognized_license_plate"] = ["8XYZ999", 0.9]  # the real wire format
    frigate["after"]["frame_time"] = time.time() - 2
    publish(
        [
            (f"{prefix}/reads/Main St NB", read),
            (f"{prefix}/reads/Main St NB", read),  # a re-send: acknowledged, stored once
            (f"{prefix}/reads/Main St NB", b"{not json"),
            (f"{prefix}/reads/Nowhere", json.dumps(a_read("5DEF456")).encode()),
            (f"{prefix}/reads/Main St NB", json.dumps(a_read(confidence=7)).encode()),
            (f"{prefix}/frigate/events", json.dumps(frigate).encode()),
            (f"{prefix}/reads/Main St NB", json.dumps({"reads": [a_read("6GHI789")]}).encode()),
        ]
    )
    wait_for(lambda: counters.messages.labels(outcome="rejected")._value.get() == 3)
    wait_for(lambda: count(factory) == 3)
    stop.set()
    thread.join(10)
    assert counters.messages.labels(outcome="duplicate")._value.get() == 1
    with factory() as session:
        letters = dead_letters.list_(session=session)
        assert sorted(letter.reason.split(":")[0] for letter in letters) == [
            "camera",
            "confidence",
            "payload",
        ]
        # Kept as it came, for a replay (the listing itself leaves the messages in the database).
        kept = {dead_letters.get(session=session, letter_id=letter.id).payload for letter in letters}
    assert kept >= {b"{not json"}


def test_nothing_is_acknowledged_before_it_is_stored(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings, factory = world
    prefix = f"t{secrets.token_hex(4)}"
    client_id = f"pg-{prefix}"
    broken = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}"))
    _consumer, _counters, stop, thread = start(settings, broken, prefix, client_id)
    publish([(f"{prefix}/reads/Main St NB", json.dumps(a_read("7ABC123")).encode())])
    time.sleep(1.5)  # the consumer keeps retrying against a database that is not there
    stop.set()
    thread.join(10)
    assert count(factory) == 0
    _, _, stop, thread = start(settings, factory, prefix, client_id)  # same session
    wait_for(lambda: count(factory) == 1)
    stop.set()
    thread.join(10)
