"""Random JSON and random bytes at every adapter, every HTTP door and the MQTT consumer.

Whatever arrives: an adapter returns reads or raises ``InvalidInput``; a door answers 200 or a 4xx, and
stores everything or nothing; the consumer stores each message or keeps it as a dead letter, and lives.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from sqlalchemy.orm import Session

from plateguard.cameras.models import CameraKind
from plateguard.config import MqttSettings
from plateguard.errors import InvalidInput
from plateguard.ingest import camera_formats, dead_letters
from plateguard.ingest.mqtt import Consumer, Message, MqttCounters
from plateguard.ingest.schemas import parse_submission
from plateguard.ingest.vendors import from_frigate, from_openalpr, from_platerecognizer
from tests.conftest import prepared_data_dir
from tests.ingest.conftest import a_read, read_count
from tests.ingest.test_camera_formats import dahua, genetec, survision
from tests.ingest.test_vendor_values import openalpr_group, openalpr_results, platerecognizer

KEYS = [
    "data_type", "results", "plate", "confidence", "epoch_time", "epoch_start", "best_uuid", "best_plate",
    "best_plate_number", "candidates", "coordinates", "region", "box", "score", "timestamp", "data",
    "type", "after", "id", "camera", "plate_box", "recognized_license_plate", "frame_time", "vehicle",
    "model_make", "color", "captured_at", "reads", "plate_image", "x", "y", "xmin", "value", "props",
]  # fmt: skip
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(["alpr_group", "alpr_results", "lpr", "update", "us-ca", "0001-01-01T00:00:00+05:00"])
)
JSON = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=30,
)


def frigate() -> dict[str, Any]:
    return {"type": "lpr", "id": "17.5-x", "camera": "driveway_cam", "plate": "ABC123", "score": 0.9,
            "timestamp": time.time(), "plate_box": [1, 2, 30, 40]}  # fmt: skip


VALID = [
    openalpr_group(),
    openalpr_results(),
    platerecognizer(),
    frigate(),
    a_read(),
    dahua(),
    genetec(),
    survision(),
]


@st.composite
def one_value_changed(draw: st.DrawFn) -> Any:
    """A valid payload of some format with one value somewhere in it replaced by random JSON."""
    payload = copy.deepcopy(draw(st.sampled_from(VALID)))
    node = payload
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return payload
        key = draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            node = child
            continue
        node[key] = draw(JSON)
        return payload


PAYLOADS = JSON | one_value_changed()
ADAPTERS: list[Callable[[Any], Any]] = [
    from_openalpr,
    from_platerecognizer,
    from_frigate,
    parse_submission,
    camera_formats.from_hikvision,
    camera_formats.from_dahua,
    camera_formats.from_genetec,
    camera_formats.from_survision,
]


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda adapter: adapter.__name__)
@settings(max_examples=400, deadline=None)
@given(payload=PAYLOADS)
def test_an_adapter_returns_reads_or_refuses_by_name(adapter: Callable[[Any], Any], payload: Any) -> None:
    try:
        adapter(payload)
    except InvalidInput as exc:
        assert exc.field, exc.message


DOORS = [
    "/api/v1/reads",
    *(f"/api/v1/adapters/{name}" for name in ("openalpr", "platerecognizer", "hikvision", "dahua")),
    *(f"/api/v1/adapters/{name}" for name in ("genetec", "survision")),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=PAYLOADS, raw=st.binary(max_size=200), door=st.sampled_from(DOORS), as_bytes=st.booleans())
def test_a_door_answers_200_or_a_4xx_and_stores_all_or_nothing(
    device: TestClient, db: Session, payload: Any, raw: bytes, door: str, as_bytes: bool
) -> None:
    before = read_count(db)
    body = raw if as_bytes else json.dumps(payload, allow_nan=True).encode()
    response = device.post(door, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        assert read_count(db) == before
        assert response.json()["error"]["field"]


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data_dir: Path = tmp_path_factory.mktemp("fuzz-mqtt")
    prepared = prepared_data_dir(data_dir, {"Main St NB": CameraKind.FIXED, "driveway_cam": CameraKind.FIXED})
    mqtt = MqttSettings(read_topics=("reads/+",), frigate_topics=("frigate/tracked_object_update",))
    counters = MqttCounters(CollectorRegistry())
    worker = Consumer(
        settings=mqtt, factory=prepared.factory, images_dir=prepared.settings.images_dir, counters=counters
    )
    worker.client.ack = lambda mid, qos: None  # type: ignore[assignment, method-assign, return-value]
    yield worker, counters, prepared.factory
    prepared.engine.dispose()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    payload=PAYLOADS,
    raw=st.binary(max_size=200),
    as_bytes=st.booleans(),
    topic=st.sampled_from(["reads/Main St NB", "frigate/tracked_object_update", "reads/"]),
)
def test_the_mqtt_consumer_stores_or_keeps_every_message_and_lives(  # type: ignore[no-untyped-def]
    consumer,
    payload: Any,
    raw: bytes,
    as_bytes: bool,
    topic: str,
) -> None:
    worker, counters, factory = consumer
    body = raw if as_bytes else json.dumps(payload, allow_nan=True).encode()
    with factory() as session:
        letters_before = dead_letters.waiting_count(session=session)
    handled_before = sum(
        sample.value for sample in counters.messages.collect()[0].samples if sample.name.endswith("_total")
    )
    worker.handle([Message(topic, body, 1, 1)])
    handled = sum(
        sample.value for sample in counters.messages.collect()[0].samples if sample.name.endswith("_total")
    )
    with factory() as session:
        letters = dead_letters.waiting_count(session=session)
    assert handled - handled_before == 1  # stored, duplicate, updated, ignored or rejected: exactly one
    rejected = counters.messages.labels(outcome="rejected")._value.get()
    assert letters - letters_before in (0, 1) and letters <= rejected
