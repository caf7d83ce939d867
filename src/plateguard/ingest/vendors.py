"""OpenALPR / Rekor, Plate Recognizer and Frigate payloads -> ``ReadSubmission`` (pure functions)."""

from __future__ import annotations

from typing import Any

from plateguard.errors import InvalidInput
from plateguard.ingest.adapters import (
    as_object,
    build,
    candidates,
    corners_to_box,
    edges_to_box,
    epoch,
    first,
    first_name,
    heading,
    image,
    iso_time,
    join,
    number,
    optional_number,
    read_id,
    refuse,
    require,
    text,
)
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.regions import BareCode

IGNORED_OPENALPR_TYPES = frozenset({"heartbeat", "vehicle"})


def from_openalpr(payload: Any) -> list[ReadSubmission]:
    """``alpr_group`` (one per vehicle pass), ``alpr_results`` (per frame), ``alpr_alert``; heartbeats: []."""
    payload = as_object(payload, "")
    kind = text(payload.get("data_type"), "data_type")
    if kind == "alpr_group":
        return [_openalpr_group(payload, "")]
    if kind == "alpr_alert":
        return [_openalpr_group(as_object(require(payload, "group"), "group"), "group")]
    if kind in IGNORED_OPENALPR_TYPES:
        return []
    if kind == "alpr_results" or (kind is None and "results" in payload):
        return _openalpr_results(payload)
    raise InvalidInput(f"data_type: unknown OpenALPR message type {kind!r}", field="data_type")


def _percent(value: Any, field: str) -> float:
    """OpenALPR confidences are 0-100; a missing or non-numeric one is refused, never made up."""
    if value is None:
        raise refuse(field, "required by this format")
    return round(min(100.0, max(0.0, number(value, field))) / 100, 4)


def _openalpr_vehicle(vehicle: Any, where: str) -> dict[str, Any]:
    if vehicle is None:
        return {}
    vehicle = as_object(vehicle, where)
    make_model = first_name(vehicle.get("make_model"), f"{where}.make_model", limit=40)
    return {
        "color": first_name(vehicle.get("color"), f"{where}.color"),
        "type": first_name(vehicle.get("body_type"), f"{where}.body_type"),
        "make": first_name(vehicle.get("make"), f"{where}.make", limit=40),
        "model": make_model.split("_", 1)[-1] if make_model else None,
    }


def _group_time(group: dict[str, Any], where: str) -> tuple[Any, str]:
    """The best frame's time: v3 ``best_uuid_epoch_ms``, the end of ``best_uuid``, else ``epoch_start``."""
    if group.get("best_uuid_epoch_ms") is not None:
        return group["best_uuid_epoch_ms"], join(where, "best_uuid_epoch_ms")
    best_uuid = text(group.get("best_uuid"), join(where, "best_uuid")) or ""
    frame_ms = best_uuid.rsplit("-", 1)[-1]
    if frame_ms.isdigit() and len(frame_ms) <= 15:
        return int(frame_ms), join(where, "best_uuid")
    return require(group, "epoch_start", where), join(where, "epoch_start")


def _openalpr_group(group: dict[str, Any], where: str) -> ReadSubmission:
    best = as_object(group.get("best_plate") or {}, join(where, "best_plate"))
    names = _group_names(where)
    plate_key = "best_plate_number" if group.get("best_plate_number") else "best_plate.plate"
    plate = group.get("best_plate_number") or best.get("plate")
    if not plate:
        require(group, "best_plate_number", where)
    when, when_field = _group_time(group, where)
    names["plate"] = join(where, plate_key)
    names["captured_at"] = when_field
    confidence = group.get("best_confidence", best.get("confidence"))
    region = group.get("best_region") or best.get("region")
    overview = image(group.get("overview_jpeg"), names["overview_image"])
    if overview is None:  # no full frame: the vehicle crop is the best picture of the car there is
        overview = image(group.get("vehicle_crop_jpeg"), join(where, "vehicle_crop_jpeg"))
        names["overview_image"] = join(where, "vehicle_crop_jpeg")
    values: dict[str, Any] = {
        "id": read_id(
            "openalpr",
            text(group.get("agent_uid") or group.get("site_id"), join(where, "agent_uid")),
            text(group.get("camera_id"), join(where, "camera_id")),
            text(group.get("epoch_start"), join(where, "epoch_start")) or group.get("best_uuid"),
        ),
        "plate": text(plate, names["plate"]),
        "confidence": _percent(confidence, names["confidence"]),
        "candidates": candidates(
            group.get("candidates") or best.get("candidates"), join(where, "candidates"), "confidence", 100
        ),
        "region": text(region, names["region"]),
        "captured_at": epoch(when, when_field),
        "latitude": optional_number(group.get("gps_latitude"), names["latitude"]),
        "longitude": optional_number(group.get("gps_longitude"), names["longitude"]),
        "heading": heading(group.get("travel_direction"), names["heading"]),
        "box": corners_to_box(best.get("coordinates"), names["box"]),
        "vehicle": _openalpr_vehicle(group.get("vehicle"), join(where, "vehicle")),
        "plate_image": image(best.get("plate_crop_jpeg"), names["plate_image"]),
        "overview_image": overview,
    }
    if values["region"] and group.get("best_region_confidence") is not None:
        values["region_confidence"] = _percent(group["best_region_confidence"], names["region_confidence"])
    return build(values, names)


def _group_names(where: str) -> dict[str, str]:
    ours_theirs = {
        "confidence": "best_confidence",
        "region": "best_region",
        "region_confidence": "best_region_confidence",
        "latitude": "gps_latitude",
        "longitude": "gps_longitude",
        "heading": "travel_direction",
        "box": "best_plate.coordinates",
        "vehicle": "vehicle",
        "candidates": "candidates",
        "plate_image": "best_plate.plate_crop_jpeg",
        "overview_image": "overview_jpeg",
    }
    return {ours: join(where, theirs) for ours, theirs in ours_theirs.items()}


def _openalpr_results(payload: dict[str, Any]) -> list[ReadSubmission]:
    results = payload.get("results")
    if not isinstance(results, list):
        raise refuse("results", "expected a list")
    frame_id = text(payload.get("uuid"), "uuid") or f"{payload.get('camera_id')}-{payload.get('epoch_time')}"
    position = {
        "latitude": optional_number(payload.get("gps_latitude"), "gps_latitude"),
        "longitude": optional_number(payload.get("gps_longitude"), "gps_longitude"),
        "heading": heading(payload.get("travel_direction"), "travel_direction"),
    }
    return [
        _openalpr_result(as_object(result, f"results.{index}"), payload, frame_id, index, position)
        for index, result in enumerate(results)
    ]


def _openalpr_result(
    result: dict[str, Any], payload: dict[str, Any], frame_id: str, index: int, position: dict[str, Any]
) -> ReadSubmission:
    where = f"results.{index}"
    names = {ours: f"{where}.{ours}" for ours in ("plate", "confidence", "region", "region_confidence")}
    names |= {"box": f"{where}.coordinates", "plate_image": f"{where}.plate_crop_jpeg"}
    names |= {"latitude": "gps_latitude", "longitude": "gps_longitude", "heading": "travel_direction"}
    when, when_field = result.get("epoch_time"), f"{where}.epoch_time"
    if when is None:
        when, when_field = require(payload, "epoch_time"), "epoch_time"
    names["captured_at"] = when_field
    vehicle = result.get("vehicle", payload.get("vehicle"))
    values: dict[str, Any] = {
        "id": read_id("openalpr", frame_id, text(result.get("plate_index"), f"{where}.plate_index") or index),
        "plate": text(require(result, "plate", where), names["plate"]),
        "confidence": _percent(result.get("confidence"), names["confidence"]),
        "candidates": candidates(result.get("candidates"), f"{where}.candidates", "confidence", 100),
        "region": text(result.get("region"), names["region"]),
        "captured_at": epoch(when, when_field),
        "box": corners_to_box(result.get("coordinates"), names["box"]),
        "vehicle": _openalpr_vehicle(vehicle, f"{where}.vehicle" if "vehicle" in result else "vehicle"),
        "plate_image": image(result.get("plate_crop_jpeg"), names["plate_image"]),
        **position,
    }
    if values["region"] and result.get("region_confidence") is not None:
        values["region_confidence"] = _percent(result["region_confidence"], names["region_confidence"])
    return build(values, names)


def from_platerecognizer(payload: Any) -> list[ReadSubmission]:
    """Snapshot responses, Snapshot/Stream webhooks (``{"hook", "data"}``), both result shapes."""
    payload = as_object(payload, "")
    where = "data" if "data" in payload else ""
    data = as_object(payload["data"], "data") if where else payload
    results = data.get("results")
    if not isinstance(results, list):
        raise refuse(join(where, "results"), "expected a list")
    captured = iso_time(require(data, "timestamp", where), join(where, "timestamp"))
    camera = text(data.get("camera_id"), join(where, "camera_id"))
    reads = []
    for index, result in enumerate(results):
        item = join(where, f"results.{index}")
        values = _platerecognizer_result(as_object(result, item), item)
        if values is None:
            continue
        values["id"] = read_id("platerecognizer", camera, data.get("timestamp"), index, values["plate"])
        values["captured_at"] = captured
        names = {ours: f"{item}.{theirs}" for ours, theirs in _PR_NAMES.items()}
        names["captured_at"] = join(where, "timestamp")
        reads.append(build(values, names, bare=BareCode.COUNTRY))
    return reads


_PR_NAMES = {
    "plate": "plate",
    "confidence": "score",
    "candidates": "candidates",
    "region": "region.code",
    "region_confidence": "region.score",
    "box": "box",
    "heading": "direction",
    "vehicle": "vehicle",
}


def _platerecognizer_result(result: dict[str, Any], item: str) -> dict[str, Any] | None:
    plate = result.get("plate")
    vehicle = as_object(result.get("vehicle") or {}, f"{item}.vehicle")
    if isinstance(plate, dict) or (plate is None and "props" in vehicle):  # vehicle detection mode
        return _platerecognizer_vehicle_mode(plate, vehicle, item) if plate else None
    if not plate:
        return None
    region_info = as_object(result.get("region") or {}, f"{item}.region")
    make_model = first(result.get("model_make"), f"{item}.model_make")
    values = {
        "plate": text(plate, f"{item}.plate"),
        "confidence": result.get("score"),
        "candidates": candidates(result.get("candidates"), f"{item}.candidates", "score", 1),
        "region": text(region_info.get("code"), f"{item}.region.code"),
        "box": edges_to_box(result.get("box"), f"{item}.box"),
        "heading": heading(result.get("direction"), f"{item}.direction"),
        "vehicle": {
            "type": (text(vehicle.get("type"), f"{item}.vehicle.type") or "")[:20] or None,
            "color": first_name(result.get("color"), f"{item}.color", "color"),
            "make": text(make_model.get("make"), f"{item}.model_make.0.make"),
            "model": text(make_model.get("model"), f"{item}.model_make.0.model"),
        },
    }
    if values["region"]:
        values["region_confidence"] = region_info.get("score")
    return values


def _platerecognizer_vehicle_mode(plate: Any, vehicle: dict[str, Any], item: str) -> dict[str, Any] | None:
    plate = as_object(plate, f"{item}.plate")
    props = as_object(plate.get("props") or {}, f"{item}.plate.props")
    texts = props.get("plate")
    reading = first(texts, f"{item}.plate.props.plate")
    if not reading:
        return None
    vehicle_props = as_object(vehicle.get("props") or {}, f"{item}.vehicle.props")
    make_model = first(vehicle_props.get("make_model"), f"{item}.vehicle.props.make_model")
    where = f"{item}.plate.props.plate"
    return {
        "plate": text(reading.get("value"), f"{where}.0.value"),
        "confidence": reading.get("score"),
        "candidates": candidates(
            [{"plate": t.get("value"), "score": t.get("score")} for t in texts or [] if isinstance(t, dict)],
            where,
            "score",
            1,
        ),
        "region": text(first(props.get("region"), f"{item}.plate.props.region").get("value"), "region"),
        "box": edges_to_box(plate.get("box"), f"{item}.plate.box"),
        "vehicle": {
            "type": (text(vehicle.get("type"), f"{item}.vehicle.type") or "")[:20] or None,
            "color": first_name(vehicle_props.get("color"), f"{item}.vehicle.props.color", "value"),
            "make": text(make_model.get("make"), f"{item}.vehicle.props.make_model.0.make"),
            "model": text(make_model.get("model"), f"{item}.vehicle.props.make_model.0.model"),
        },
    }


def from_frigate(payload: Any) -> tuple[str, list[ReadSubmission]]:
    """Frigate 0.16+ ``frigate/events`` and ``frigate/tracked_object_update`` (type ``lpr``).

    Returns the Frigate camera name (matched to a plateguard camera by name) and zero or one read. The
    read id comes from the camera and Frigate's event id: the many messages of one vehicle pass are one
    read, and a later, more confident plate of that pass updates it.
    """
    payload = as_object(payload, "")
    if payload.get("type") == "lpr":
        plate, score = payload.get("plate"), payload.get("score")
        values: dict[str, Any] = {
            "captured_at": epoch(require(payload, "timestamp"), "timestamp"),
            "box": edges_to_box(payload.get("plate_box"), "plate_box"),
        }
        names = {"plate": "plate", "confidence": "score", "captured_at": "timestamp"}
        event_id, camera = require(payload, "id"), require(payload, "camera")
    elif payload.get("type") in ("new", "update", "end"):
        after = as_object(require(payload, "after"), "after")
        plate, score = _frigate_plate(after)
        values = {
            "captured_at": epoch(require(after, "frame_time", "after"), "after.frame_time"),
            "vehicle": {"type": (text(after.get("label"), "after.label") or "")[:20] or None},
        }
        names = {"plate": "after.recognized_license_plate", "confidence": "after.recognized_license_plate"}
        names |= {"captured_at": "after.frame_time", "vehicle": "after.label"}
        event_id, camera = require(after, "id", "after"), require(after, "camera", "after")
    else:
        return "", []
    camera_name = text(camera, "camera") or ""
    if not plate:
        return camera_name, []
    values |= {"plate": text(plate, names["plate"]), "confidence": score}
    values["id"] = read_id("frigate", camera_name, text(event_id, "id"))
    return camera_name, [build(values, names)]


def _frigate_plate(after: dict[str, Any]) -> tuple[Any, Any]:
    recognised = after.get("recognized_license_plate")
    if isinstance(recognised, list) and len(recognised) == 2:  # the real wire format: [plate, score]
        return recognised[0], recognised[1]
    return recognised, after.get("recognized_license_plate_score")
