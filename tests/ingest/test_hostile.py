"""Hostile and broken input at the ingest doors: always a 4xx (or a 503 to retry), never a 500."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from plateguard.config import Settings
from plateguard.demo_scenes import render_plate
from tests.ingest.conftest import a_read, read_count

DOORS = ["/api/v1/reads", "/api/v1/adapters/openalpr", "/api/v1/adapters/platerecognizer"]


def nested(depth: int) -> bytes:
    return b'{"reads": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("door", DOORS)
def test_deeply_nested_json_is_a_422_on_every_json_door(device: TestClient, db: Session, door: str) -> None:
    response = device.post(door, content=nested(100_000), headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "body"


def test_deeply_nested_json_in_a_plate_recognizer_form_is_a_422(device: TestClient, db: Session) -> None:
    response = device.post(DOORS[2], data={"json": nested(100_000).decode()})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "json"


@pytest.mark.parametrize(
    ("door", "body", "field"),
    [
        (DOORS[0], a_read(captured_at="0001-01-01T00:00:00+05:00"), "captured_at"),
        (DOORS[0], a_read(captured_at="0001-01-01T00:00:00-05:00"), "captured_at"),
        (
            DOORS[1],
            {"data_type": "alpr_results", "epoch_time": -62135596800001, "results": [{"plate": "A1"}]},
            "",
        ),
        (DOORS[2], {"timestamp": "0001-01-01T00:00:00+14:00", "results": []}, "timestamp"),
    ],
)
def test_year_one_times_are_a_422(
    device: TestClient, db: Session, door: str, body: object, field: str
) -> None:
    response = device.post(door, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"].endswith(field)
    assert read_count(db) == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"plate": "7ABC\u0000123"},
        {"candidates": [{"plate": "7AB\u0000C12", "confidence": 0.5}]},
        {"vehicle": {"make": "Ford\u0000"}},
    ],
)
def test_a_nul_byte_is_a_422_on_both_databases(
    device: TestClient, db: Session, changes: dict[str, object]
) -> None:
    response = device.post("/api/v1/reads", json=a_read(**changes))  # type: ignore[arg-type]
    assert response.status_code == 422, response.text
    assert read_count(db) == 0


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares a size in its header and carries almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_a_huge_image_is_refused_from_its_header_before_decoding(device: TestClient, db: Session) -> None:
    response = device.post("/api/v1/images", content=png_header(20_000, 20_000))
    assert response.status_code == 413, response.text
    assert "too many pixels" in response.json()["error"]["message"]


def test_an_unwritable_image_store_is_a_503_with_retry_after(
    device: TestClient, db: Session, settings: Settings
) -> None:
    settings.images_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.images_dir.write_text("a file where the image folder should be")  # even root cannot write
    picture = base64.b64encode(render_plate("7ABC123")).decode()
    response = device.post("/api/v1/reads", json=a_read(plate_image=picture))
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"]
    assert read_count(db) == 0


def test_the_forward_queue_sets_aside_reads_the_server_refuses_and_keeps_a_bounded_number(  # type: ignore[no-untyped-def]
    live_server,
    tmp_path: Path,
) -> None:
    import threading

    from plateguard.ingest import forward
    from plateguard.ingest.forward import QUEUE_FILE, Forwarder, ForwardQueue

    url, token, _ = live_server
    queue = ForwardQueue(tmp_path / QUEUE_FILE)
    good = [a_read(f"7ABC{n:03d}") for n in range(3)]
    bad_time = {**a_read("8BAD001"), "captured_at": "0001-01-01T00:00:00+05:00"}
    rows = [json.dumps(read) for read in (good[0], bad_time, good[1], good[2])]
    with queue.connection:
        queue.connection.executemany(
            "INSERT INTO queued (read_id, body) VALUES (?, ?)", [(json.loads(r)["id"], r) for r in rows]
        )
    Forwarder(queue, url=url, token=token, batch=4).run(threading.Event(), until_empty=True, max_delay=0.2)
    assert (len(queue), queue.rejected_count()) == (0, 1)
    original = forward.MAX_REJECTED
    forward.MAX_REJECTED = 2
    try:
        for n in range(4):
            queue.put([])
            with queue.connection:
                queue.connection.execute(
                    "INSERT INTO queued (read_id, body) VALUES (?, ?)", (f"x{n}", json.dumps(bad_time))
                )
            seq = queue.peek(1)[0][0]
            queue.reject(seq, "refused")
    finally:
        forward.MAX_REJECTED = original
    assert queue.rejected_count() == 2


def test_a_body_cannot_rename_the_fields_of_its_own_errors(device: TestClient, db: Session) -> None:
    read = a_read(captured_at="1850-01-01T00:00:00Z", sender_names={"captured_at": "<b>elsewhere</b>"})
    response = device.post("/api/v1/reads", json=read)
    assert (response.status_code, response.json()["error"]["field"]) == (422, "sender_names")
