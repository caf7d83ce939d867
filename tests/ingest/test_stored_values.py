"""What a camera sends is what is stored, to the last digit, whichever database holds it."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from tests.ingest.conftest import a_read, stored


def test_a_batch_is_stored_exactly_as_sent(device: TestClient, db: Session) -> None:
    captured = dt.datetime.now(dt.UTC).replace(microsecond=123456) - dt.timedelta(minutes=3)
    in_paris = captured.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()
    candidates = [{"plate": "7ABC128", "confidence": 0.25}, {"plate": "7ABC12", "confidence": 0.125}]
    full = a_read(
        "7ABC123",
        confidence=0.30000000000000004,
        captured_at=in_paris,
        candidates=candidates,
        latitude=37.797512345678901,
        longitude=-121.2160000000001,
        heading=359.5,
        box=[10, 20, 300, 80],
        vehicle={"make": "Citroën", "model": 'C4 "Picasso"', "color": "blue"},
        region="us-ca",
        region_confidence=0.5,
    )
    bare = a_read("5DEF456", confidence=1)
    response = device.post("/api/v1/reads", json={"reads": [full, bare]})
    assert response.json()["stored"] == 2
    second, first = sorted(stored(db), key=lambda row: row.plate_text)  # 5DEF456, 7ABC123
    assert first.id == uuid.UUID(full["id"])
    assert first.confidence == 0.30000000000000004
    assert first.captured_at == captured
    assert (first.latitude, first.longitude, first.heading) == (37.797512345678901, -121.2160000000001, 359.5)
    assert first.candidates == candidates
    assert first.box == [10, 20, 300, 80]
    assert first.vehicle == {"make": "Citroën", "model": 'C4 "Picasso"', "color": "blue"}
    assert (first.region, first.region_confidence) == ("us-ca", 0.5)
    # A read without a position takes its camera's (tests/ingest/conftest.py: 37.7975, -121.2160).
    assert (second.confidence, second.latitude, second.longitude) == (1.0, 37.7975, -121.2160)
    assert (second.box, second.vehicle, second.candidates, second.heading) == (None, {}, [], None)
    with system_scope(db, "test"):
        texts = db.execute(
            text(
                "SELECT CAST(candidates AS TEXT), CAST(vehicle AS TEXT) FROM plate_read WHERE plate_text = :p"
            ),
            {"p": first.plate_text},
        ).one()
    # One text form on both databases: sorted keys, no spaces, characters as sent.
    assert tuple(texts) == (
        '[{"confidence":0.25,"plate":"7ABC128"},{"confidence":0.125,"plate":"7ABC12"}]',
        '{"color":"blue","make":"Citroën","model":"C4 \\"Picasso\\""}',
    )
