"""Cameras with built-in plate reading: Hikvision, Dahua, Genetec AutoVu, Survision, as they push reads.

Payloads are written here in the shape the vendors' public docs and SDK samples show (field names,
nesting, text-typed numbers, pictures as multipart parts or base64), with made-up values.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from plateguard.demo_scenes import render_plate
from tests.ingest.conftest import read_count, stored

PLATE_PNG = render_plate("7ABC123")
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=30)


def hikvision_xml(plate: str = "7ABC123", confidence: str = "96", when: str | None = None) -> bytes:
    stamp = when or NOW.astimezone(dt.timezone(dt.timedelta(hours=-8))).isoformat()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<ipAddress>10.20.30.41</ipAddress>
<portNo>80</portNo>
<protocol>HTTP</protocol>
<macAddress>44:19:b6:00:11:22</macAddress>
<channelID>1</channelID>
<dateTime>{stamp}</dateTime>
<activePostCount>1</activePostCount>
<eventType>ANPR</eventType>
<eventState>active</eventState>
<eventDescription>ANPR</eventDescription>
<ANPR>
<country>3</country>
<licensePlate>{plate}</licensePlate>
<line>1</line>
<direction>forward</direction>
<confidenceLevel>{confidence}</confidenceLevel>
<plateType>unknown</plateType>
<plateColor>white</plateColor>
<vehicleType>vehicle</vehicleType>
<vehicleInfo><index>1</index><color>white</color><length>0</length></vehicleInfo>
<pictureInfoList>
<pictureInfo><fileName>licensePlatePicture.jpg</fileName><type>licensePlatePicture</type></pictureInfo>
<pictureInfo><fileName>detectionPicture.jpg</fileName><type>detectionPicture</type></pictureInfo>
</pictureInfoList>
<UUID>d5c1e8a0-2f11-4c2e-9a51-0c1d2e3f4a5b</UUID>
</ANPR>
</EventNotificationAlert>""".encode()


def test_a_hikvision_push_with_its_pictures_is_stored(device: TestClient, db: Session) -> None:
    response = device.post(
        "/api/v1/adapters/hikvision",
        files={
            "anpr.xml": ("anpr.xml", hikvision_xml(), "application/xml"),
            "licensePlatePicture.jpg": ("licensePlatePicture.jpg", PLATE_PNG, "image/jpeg"),
            "detectionPicture.jpg": ("detectionPicture.jpg", render_plate("SCENE1"), "image/jpeg"),
        },
    )
    assert response.status_code == 200, response.text
    [read] = stored(db)
    assert (read.plate_text, read.confidence, read.captured_at) == ("7ABC123", 0.96, NOW)
    assert read.plate_image_sha256 and read.overview_image_sha256
    assert read.vehicle == {"color": "white", "type": "vehicle"}
    again = device.post("/api/v1/adapters/hikvision", content=hikvision_xml()).json()
    assert again["duplicates"] == 1


def test_a_hikvision_event_that_is_not_anpr_is_ignored(device: TestClient, db: Session) -> None:
    heartbeat = hikvision_xml().replace(b"<eventType>ANPR</eventType>", b"<eventType>videoloss</eventType>")
    assert device.post("/api/v1/adapters/hikvision", content=heartbeat).json()["ignored"] == 1
    assert read_count(db) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (hikvision_xml(confidence="high"), "ANPR.confidenceLevel"),
        (hikvision_xml(when="yesterday"), "dateTime"),
        (b"<EventNotificationAlert><eventType>ANPR</eventType>", "body"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            b"<EventNotificationAlert>&lol2;</EventNotificationAlert>",
            "body",
        ),
    ],
)
def test_a_broken_hikvision_push_is_a_422_naming_the_field(
    device: TestClient, db: Session, body: bytes, field: str
) -> None:
    response = device.post("/api/v1/adapters/hikvision", content=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert read_count(db) == 0


def dahua(**plate: Any) -> dict[str, Any]:
    local = NOW.astimezone(ZoneInfo("America/Los_Angeles")).replace(tzinfo=None)
    return {
        "Picture": {
            "Plate": {"PlateNumber": "8XYZ999", "PlateColor": "White", "Confidence": 91,
                      "BoundingBox": [1100, 620, 1290, 670], "IsExist": True, **plate},
            "Vehicle": {"VehicleColor": "Black", "VehicleType": "SaloonCar", "VehicleSign": "Toyota"},
            "SnapInfo": {"DeviceID": "ITC-GATE-2", "LanNo": 1, "Direction": "Obverse",
                         "SnapTime": local.strftime("%Y-%m-%d %H:%M:%S"),
                         "AccurateTime": local.strftime("%Y-%m-%d %H:%M:%S.000")},
            "CutoutPic": {"Content": base64.b64encode(PLATE_PNG).decode(), "PicName": "cut.jpg"},
        }
    }  # fmt: skip


def test_a_dahua_upload_is_read_in_the_cameras_time_zone(device: TestClient, db: Session) -> None:
    response = device.post("/api/v1/adapters/dahua?tz=America/Los_Angeles", json=dahua())
    assert response.status_code == 200, response.text
    [read] = stored(db)
    offset = (
        dt.datetime.now(dt.UTC).astimezone(__import__("zoneinfo").ZoneInfo("America/Los_Angeles")).utcoffset()
    )
    expected = NOW - (offset or dt.timedelta()) + dt.timedelta(hours=-8)
    assert read.captured_at == expected
    assert (read.plate_text, read.confidence, read.box) == ("8XYZ999", 0.91, [1100, 620, 190, 50])
    assert read.vehicle == {"color": "Black", "type": "SaloonCar", "make": "Toyota"}
    assert read.plate_image_sha256


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"Confidence": "ninety"}, "Picture.Plate.Confidence"),
        ({"BoundingBox": "1,2,3,4"}, "Picture.Plate.BoundingBox"),
    ],
)
def test_a_broken_dahua_value_is_a_422_naming_the_field(
    device: TestClient, db: Session, changes: dict[str, Any], field: str
) -> None:
    response = device.post("/api/v1/adapters/dahua", json=dahua(**changes))
    assert (response.status_code, response.json()["error"]["field"]) == (422, field)


def test_an_unknown_time_zone_is_refused(device: TestClient, db: Session) -> None:
    response = device.post("/api/v1/adapters/dahua?tz=Mars/Olympus", json=dahua())
    assert (response.status_code, response.json()["error"]["field"]) == (422, "tz")


def genetec(**changes: Any) -> dict[str, Any]:
    read = {
        "Plate": "6TRJ244", "State": "CA", "ConfidenceScore": "99", "CameraName": "Patrol 4A12 - Left",
        "SharpName": "SharpV-4A12L", "DateUtc": NOW.strftime("%m/%d/%Y"), "TimeUtc": NOW.strftime("%H:%M:%S"),
        "Latitude": "37.7975", "Longitude": "-121.2160", "VehicleID": "0b6f9f6e-5a2e-4c1b-9d77-2f1e0c3b4a59",
        "Attributes": {"Vehicle Make": "Honda", "Vehicle Color": "Silver", "Relative Motion": "Approaching"},
        "PlateImage": base64.b64encode(PLATE_PNG).decode(), "IsHit": False,
    }  # fmt: skip
    read.update(changes)
    return read


def test_a_genetec_read_is_stored_with_its_state_and_position(device: TestClient, db: Session) -> None:
    response = device.post("/api/v1/adapters/genetec", json=genetec())
    assert response.status_code == 200, response.text
    [read] = stored(db)
    assert (read.region, read.confidence, read.captured_at) == ("us-ca", 0.99, NOW)
    assert (read.latitude, read.longitude) == (37.7975, -121.2160)
    assert read.vehicle == {"make": "Honda", "color": "Silver"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"ConfidenceScore": "sure"}, "ConfidenceScore"), ({"Latitude": "north"}, "Latitude"),
     ({"DateUtc": "24.10.2024"}, "DateUtc"), ({"Latitude": "123.0"}, "Latitude")],
)  # fmt: skip
def test_a_broken_genetec_value_is_a_422_naming_the_field(
    device: TestClient, db: Session, changes: dict[str, Any], field: str
) -> None:
    response = device.post("/api/v1/adapters/genetec", json=genetec(**changes))
    assert (response.status_code, response.json()["error"]["field"]) == (422, field)


def survision(**decision: Any) -> dict[str, Any]:
    stamp = str(int(NOW.timestamp() * 1000))
    picture = base64.b64encode(PLATE_PNG).decode()
    values = {"@plate": "AB123CD", "@reliability": "87", "@context": "F", "@x": "410", "@y": "300",
              "@width": "160", "@height": "40", "jpeg": picture, **decision}  # fmt: skip
    return {"anpr": {"@date": stamp, "decision": values}}


def test_a_survision_push_is_stored(device: TestClient, db: Session) -> None:
    response = device.post("/api/v1/adapters/survision", json=survision())
    assert response.status_code == 200, response.text
    [read] = stored(db)
    assert (read.plate_text, read.confidence, read.box, read.captured_at) == (
        "AB123CD",
        0.87,
        [410, 300, 160, 40],
        NOW,
    )
    assert read.overview_image_sha256


def test_a_survision_decision_without_a_plate_is_ignored_and_a_bad_date_refused(
    device: TestClient, db: Session
) -> None:
    assert device.post("/api/v1/adapters/survision", json=survision(**{"@plate": ""})).json()["ignored"] == 1
    broken = survision()
    broken["anpr"]["@date"] = "today"
    response = device.post("/api/v1/adapters/survision", json=broken)
    assert (response.status_code, response.json()["error"]["field"]) == (422, "anpr.@date")
    assert read_count(db) == 0
