"""IP cameras with built-in plate reading, and plate-reading cameras' own pushes (pure functions).

- Hikvision ISAPI ``EventNotificationAlert`` with ``eventType`` ``ANPR`` (HTTP listening / alarm host):
  XML or JSON, alone or as the XML part of a multipart push whose other parts are the pictures named in
  ``ANPR.pictureInfoList`` (``licensePlatePicture.jpg``, ``detectionPicture.jpg``).
- Dahua ITC "HTTP upload" (ITSAPI ``Picture`` object): ``Plate``, ``Vehicle``, ``SnapInfo``, base64
  ``CutoutPic`` / ``NormalPic`` / ``VehiclePic``. Its times carry no zone: the camera is read in the time
  zone given to the door (``?tz=America/Los_Angeles``; UTC when none).
- Genetec AutoVu / Security Center read webhooks: ``Plate``, ``State``, ``ConfidenceScore`` (a percent as
  text), ``DateUtc`` + ``TimeUtc`` (``MM/DD/YYYY`` as US systems write it), ``VehicleID`` (the read id),
  ``Latitude``/``Longitude`` as text, base64 ``PlateImage`` / ``ContextImage``.
- Survision cameras' ``anpr`` push: ``@date`` (epoch ms as text), ``decision`` with ``@plate``,
  ``@reliability`` (percent), ``@x``/``@y``/``@width``/``@height``, base64 ``jpeg``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from plateguard.ingest.adapters import (
    as_object,
    build,
    edges_to_box,
    epoch,
    image,
    iso_time,
    join,
    number,
    read_id,
    refuse,
    require,
    text,
)
from plateguard.ingest.schemas import ReadSubmission


def _percent_text(value: Any, field: str) -> float:
    """A percent sent as a number or as text ("99"); refused when it is neither."""
    if isinstance(value, str):
        try:
            value = float(value.strip().rstrip("%"))
        except ValueError:
            raise refuse(field, "expected a percent") from None
    return round(min(100.0, max(0.0, number(value, field))) / 100, 4)


def _number_text(value: Any, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise refuse(field, "expected a number") from None
    return number(value, field)


def from_hikvision(payload: Any, pictures: dict[str, bytes] | None = None) -> list[ReadSubmission]:
    """One ``EventNotificationAlert`` (as parsed from XML or JSON); other event types carry no read."""
    alert = as_object(payload, "")
    alert = as_object(alert.get("EventNotificationAlert", alert), "EventNotificationAlert")
    if str(alert.get("eventType", "")).upper() != "ANPR":
        return []
    anpr = as_object(require(alert, "ANPR"), "ANPR")
    plate = text(require(anpr, "licensePlate", "ANPR"), "ANPR.licensePlate")
    if not plate or plate.strip().lower() in ("unknown", "noplate"):
        return []
    uuid_part = text(anpr.get("UUID") or alert.get("UUID"), "ANPR.UUID")
    when = iso_time(require(alert, "dateTime"), "dateTime")
    event = uuid_part or text(alert.get("dateTime"), "dateTime")
    vehicle = as_object(anpr.get("vehicleInfo") or {}, "ANPR.vehicleInfo")
    values: dict[str, Any] = {
        "id": read_id(
            "hikvision",
            text(alert.get("macAddress") or alert.get("ipAddress"), "macAddress"),
            text(alert.get("channelID"), "channelID"),
            event,
        ),
        "plate": plate,
        "confidence": _percent_text(require(anpr, "confidenceLevel", "ANPR"), "ANPR.confidenceLevel"),
        "captured_at": when,
        "vehicle": {
            "color": text(vehicle.get("color"), "ANPR.vehicleInfo.color"),
            "type": text(anpr.get("vehicleType"), "ANPR.vehicleType"),
        },
    }
    _attach_pictures(values, anpr, pictures or {})
    names = {"plate": "ANPR.licensePlate", "confidence": "ANPR.confidenceLevel", "captured_at": "dateTime"}
    names |= {"plate_image": "licensePlatePicture", "overview_image": "detectionPicture", "vehicle": "ANPR"}
    return [build(values, names)]


def _attach_pictures(values: dict[str, Any], anpr: dict[str, Any], pictures: dict[str, bytes]) -> None:
    """Pictures come as multipart parts named by ``pictureInfoList.pictureInfo[].fileName``."""
    import base64

    listing = anpr.get("pictureInfoList")
    infos = listing.get("pictureInfo") if isinstance(listing, dict) else None
    infos = infos if isinstance(infos, list) else [infos] if isinstance(infos, dict) else []
    kinds = {str(info.get("type")): str(info.get("fileName")) for info in infos if isinstance(info, dict)}
    plate_name = kinds.get("licensePlatePicture", "licensePlatePicture.jpg")
    scene_name = kinds.get("detectionPicture") or kinds.get("vehiclePicture") or "detectionPicture.jpg"
    if plate_name in pictures:
        values["plate_image"] = base64.b64encode(pictures[plate_name]).decode()
    if scene_name in pictures:
        values["overview_image"] = base64.b64encode(pictures[scene_name]).decode()


def from_dahua(payload: Any, zone: ZoneInfo | None = None) -> list[ReadSubmission]:
    """One Dahua ITC ``Picture`` upload; a picture without a plate (``IsExist`` false) carries no read."""
    picture = as_object(require(as_object(payload, ""), "Picture"), "Picture")
    plate_info = as_object(picture.get("Plate") or {}, "Picture.Plate")
    plate = text(plate_info.get("PlateNumber"), "Picture.Plate.PlateNumber")
    if not plate or plate_info.get("IsExist") is False:
        return []
    snap = as_object(picture.get("SnapInfo") or {}, "Picture.SnapInfo")
    field = "Picture.SnapInfo.AccurateTime" if snap.get("AccurateTime") else "Picture.SnapInfo.SnapTime"
    when = _local_time(snap.get("AccurateTime") or require(snap, "SnapTime", "Picture.SnapInfo"), field, zone)
    vehicle = as_object(picture.get("Vehicle") or {}, "Picture.Vehicle")
    box = plate_info.get("BoundingBox")
    values: dict[str, Any] = {
        "id": read_id(
            "dahua",
            text(snap.get("DeviceID"), "Picture.SnapInfo.DeviceID"),
            text(snap.get("LanNo"), "Picture.SnapInfo.LanNo"),
            when.isoformat(),
            plate,
        ),
        "plate": plate,
        "confidence": _percent_text(
            require(plate_info, "Confidence", "Picture.Plate"), "Picture.Plate.Confidence"
        ),
        "captured_at": when,
        "box": edges_to_box(box, "Picture.Plate.BoundingBox") if box and any(box) else None,
        "vehicle": {
            "color": text(vehicle.get("VehicleColor"), "Picture.Vehicle.VehicleColor"),
            "type": text(vehicle.get("VehicleType"), "Picture.Vehicle.VehicleType"),
            "make": text(vehicle.get("VehicleSign"), "Picture.Vehicle.VehicleSign"),
        },
        "plate_image": image(_content(picture, "CutoutPic"), "Picture.CutoutPic.Content"),
        "overview_image": image(
            _content(picture, "NormalPic") or _content(picture, "VehiclePic"), "Picture.NormalPic.Content"
        ),
    }
    names = {
        "plate": "Picture.Plate.PlateNumber",
        "confidence": "Picture.Plate.Confidence",
        "captured_at": field,
        "box": "Picture.Plate.BoundingBox",
        "vehicle": "Picture.Vehicle",
        "plate_image": "Picture.CutoutPic.Content",
        "overview_image": "Picture.NormalPic.Content",
    }
    return [build(values, names)]


def _content(picture: dict[str, Any], key: str) -> Any:
    part = picture.get(key)
    return as_object(part, f"Picture.{key}").get("Content") if part is not None else None


def _local_time(value: Any, field: str, zone: ZoneInfo | None) -> dt.datetime:
    """``2026-11-29 08:12:01`` or ``...01.123`` in the camera's zone (UTC unless the door is told)."""
    if not isinstance(value, str):
        raise refuse(field, "expected a date and time")
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone or dt.UTC)).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise refuse(field, "not a date and time a camera can have taken") from None


def from_genetec(payload: Any) -> list[ReadSubmission]:
    """One Genetec AutoVu / Security Center read as its webhook posts it."""
    read = as_object(payload, "")
    plate = text(require(read, "Plate"), "Plate")
    when = _genetec_time(require(read, "DateUtc"), require(read, "TimeUtc"))
    values: dict[str, Any] = {
        "id": read_id(
            "genetec", text(read.get("VehicleID"), "VehicleID") or f"{read.get('SharpName')}-{when}"
        ),
        "plate": plate,
        "confidence": _percent_text(require(read, "ConfidenceScore"), "ConfidenceScore"),
        "region": text(read.get("State"), "State"),
        "captured_at": when,
        "latitude": _number_text(read.get("Latitude"), "Latitude"),
        "longitude": _number_text(read.get("Longitude"), "Longitude"),
        "vehicle": _genetec_vehicle(read.get("Attributes")),
        "plate_image": image(read.get("PlateImage"), "PlateImage"),
        "overview_image": image(read.get("ContextImage") or read.get("OverviewImage"), "ContextImage"),
    }
    names = {
        "plate": "Plate",
        "confidence": "ConfidenceScore",
        "region": "State",
        "captured_at": "DateUtc",
        "latitude": "Latitude",
        "longitude": "Longitude",
        "vehicle": "Attributes",
        "plate_image": "PlateImage",
        "overview_image": "ContextImage",
    }
    return [build(values, names)]


def _genetec_time(date: Any, time: Any) -> dt.datetime:
    if not isinstance(date, str) or not isinstance(time, str):
        raise refuse("DateUtc", "expected DateUtc and TimeUtc as text")
    for pattern in ("%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M:%S.%f"):
        try:
            return dt.datetime.strptime(f"{date.strip()} {time.strip()}", pattern).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    raise refuse("DateUtc", "expected MM/DD/YYYY (or YYYY-MM-DD) and TimeUtc HH:MM:SS")


def _genetec_vehicle(attributes: Any) -> dict[str, Any]:
    found = as_object(attributes or {}, "Attributes")
    keys = {
        "type": "Vehicle Type",
        "color": "Vehicle Color",
        "make": "Vehicle Make",
        "model": "Vehicle Model",
    }
    return {ours: text(found.get(theirs), join("Attributes", theirs)) for ours, theirs in keys.items()}


def from_survision(payload: Any) -> list[ReadSubmission]:
    """A Survision camera's ``anpr`` push; a decision without a plate carries no read."""
    anpr = as_object(require(as_object(payload, ""), "anpr"), "anpr")
    decision = as_object(require(anpr, "decision", "anpr"), "anpr.decision")
    plate = text(decision.get("@plate"), "anpr.decision.@plate")
    if not plate:
        return []
    stamp = text(decision.get("@date") or require(anpr, "@date", "anpr"), "anpr.@date") or ""
    if not stamp.isdigit():
        raise refuse("anpr.@date", "expected epoch milliseconds")
    edges = [
        _number_text(decision.get(f"@{key}"), f"anpr.decision.@{key}")
        for key in ("x", "y", "width", "height")
    ]
    values: dict[str, Any] = {
        "id": read_id(
            "survision", text(anpr.get("@serial") or anpr.get("@camera"), "anpr.@serial"), stamp, plate
        ),
        "plate": plate,
        "confidence": _percent_text(
            require(decision, "@reliability", "anpr.decision"), "anpr.decision.@reliability"
        ),
        "captured_at": epoch(int(stamp[:15]), "anpr.@date"),
        "box": [int(edge) for edge in edges] if all(edge is not None for edge in edges) else None,  # type: ignore[arg-type]
        "overview_image": image(decision.get("jpeg") or anpr.get("jpeg"), "anpr.decision.jpeg"),
    }
    names = {
        "plate": "anpr.decision.@plate",
        "confidence": "anpr.decision.@reliability",
        "captured_at": "anpr.@date",
        "box": "anpr.decision.@x",
        "overview_image": "anpr.decision.jpeg",
    }
    return [build(values, names)]
