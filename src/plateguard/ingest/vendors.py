"""OpenALPR / Rekor, Plate Recognizer and Frigate payloads -> ``ReadSubmission`` (pure functions)."""

from __future__ import annotations

from typing import Any

from plateguard.errors import InvalidInput
from plateguard.ingest.adapters import (
    as_object,
    build,
    corners_to_box,
    edges_to_box,
    epoch,
    first_name,
    heading,
    iso_time,
    optional_base64,
    read_id,
    region,
    require,
)
from plateguard.ingest.schemas import ReadSubmission

IGNORED_OPENALPR_TYPES = frozenset({"heartbeat", "vehicle"})


def from_openalpr(payload: Any) -> list[ReadSubmission]:
    """``alpr_group`` (one per vehicle pass), ``alpr_results`` (per frame), ``alpr_alert``; heartbeats: []."""
    payload = as_object(payload, "")
    kind = payload.get("data_type")
    if kind == "alpr_group":
        return [_openalpr_group(payload, "")]
    if kind == "alpr_alert":
        return [_openalpr_group(as_object(require(payload, "group"), "group"), "group")]
    if kind in IGNORED_OPENALPR_TYPES:
        return []
    if kind == "alpr_results" or (kind is None and "results" in payload):
        return _openalpr_results(payload)
    raise InvalidInput(f"data_type: unknown OpenALPR message type {kind!r}", field="data_type")


def _confidence(value: Any) -> float:
    return round(float(value) / 100, 4) if isinstance(value, int | float) else 0.0


def _candidates(items: Any, score_key: str = "confidence", scale: float = 100) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        return []
    return [
        {"plate": str(item.get("plate", ""))[:16], "confidence": min(1.0, float(item[score_key]) / scale)}
        for item in items
        if isinstance(item, dict) and isinstance(item.get(score_key), int | float)
    ]


def _openalpr_vehicle(vehicle: Any) -> dict[str, Any]:
    if not isinstance(vehicle, dict):
        return {}
    make_model = first_name(vehicle.get("make_model"), limit=40)
    return {
        "color": first_name(vehicle.get("color")),
        "type": first_name(vehicle.get("body_type")),
        "make": first_name(vehicle.get("make"), limit=40),
        "model": make_model.split("_", 1)[-1] if make_model else None,
    }


def _openalpr_group(group: dict[str, Any], where: str) -> ReadSubmission:
    prefix = f"{where}." if where else ""
    best: dict[str, Any] = group["best_plate"] if isinstance(group.get("best_plate"), dict) else {}
    plate = group.get("best_plate_number") or best.get("plate")
    if not plate:
        require(group, "best_plate_number", where)
    best_uuid = str(group.get("best_uuid") or "")
    frame_ms = best_uuid.rsplit("-", 1)[-1]
    captured = frame_ms if frame_ms.isdigit() else require(group, "epoch_start", where)
    values: dict[str, Any] = {
        "id": read_id(
            "openalpr",
            group.get("agent_uid") or group.get("site_id"),
            group.get("camera_id"),
            best_uuid,
            plate,
        ),
        "plate": plate,
        "confidence": _confidence(group.get("best_confidence", best.get("confidence"))),
        "candidates": _candidates(group.get("candidates") or best.get("candidates")),
        "region": region(group.get("best_region") or best.get("region")),
        "captured_at": epoch(int(captured), f"{prefix}epoch_start"),
        "latitude": group.get("gps_latitude"),
        "longitude": group.get("gps_longitude"),
        "heading": heading(group.get("travel_direction")),
        "box": corners_to_box(best.get("coordinates")),
        "vehicle": _openalpr_vehicle(group.get("vehicle")),
        "plate_image": optional_base64(best.get("plate_crop_jpeg"), f"{prefix}best_plate.plate_crop_jpeg"),
        "overview_image": optional_base64(group.get("overview_jpeg"), f"{prefix}overview_jpeg"),
    }
    if values["region"]:
        values["region_confidence"] = _confidence(group.get("best_region_confidence"))
    return build(values, where)


def _openalpr_results(payload: dict[str, Any]) -> list[ReadSubmission]:
    results = payload.get("results")
    if not isinstance(results, list):
        raise InvalidInput("results: expected a list", field="results")
    frame_id = payload.get("uuid") or f"{payload.get('camera_id')}-{payload.get('epoch_time')}"
    reads = []
    for index, result in enumerate(results):
        where = f"results.{index}"
        result = as_object(result, where)
        when = result.get("epoch_time") or require(payload, "epoch_time")
        values: dict[str, Any] = {
            "id": read_id("openalpr", frame_id, result.get("plate_index", index)),
            "plate": require(result, "plate", where),
            "confidence": _confidence(result.get("confidence")),
            "candidates": _candidates(result.get("candidates")),
            "region": region(result.get("region")),
            "captured_at": epoch(when, f"{where}.epoch_time"),
            "box": corners_to_box(result.get("coordinates")),
            "plate_image": optional_base64(result.get("plate_crop_jpeg"), f"{where}.plate_crop_jpeg"),
        }
        if values["region"]:
            values["region_confidence"] = _confidence(result.get("region_confidence"))
        reads.append(build(values, where))
    return reads


def from_platerecognizer(payload: Any) -> list[ReadSubmission]:
    """Snapshot responses, Snapshot/Stream webhooks (``{"hook", "data"}``), both result shapes."""
    payload = as_object(payload, "")
    data = as_object(payload["data"], "data") if "data" in payload else payload
    where = "data" if "data" in payload else ""
    results = data.get("results")
    if not isinstance(results, list):
        raise InvalidInput(f"{where + '.' if where else ''}results: expected a list", field="results")
    captured = iso_time(require(data, "timestamp", where), f"{where}.timestamp".lstrip("."))
    reads = []
    for index, result in enumerate(results):
        item = f"{where}.results.{index}".lstrip(".")
        values = _platerecognizer_result(as_object(result, item))
        if values is None:
            continue
        values["id"] = read_id(
            "platerecognizer", data.get("camera_id"), data.get("timestamp"), index, values["plate"]
        )
        values["captured_at"] = captured
        reads.append(build(values, item))
    return reads


def _platerecognizer_result(result: dict[str, Any]) -> dict[str, Any] | None:
    plate = result.get("plate")
    vehicle: dict[str, Any] = result["vehicle"] if isinstance(result.get("vehicle"), dict) else {}
    if isinstance(plate, dict) or (plate is None and "props" in vehicle):  # vehicle detection mode
        if not plate:
            return None
        props = plate.get("props") or {}
        texts = props.get("plate") or []
        if not texts:
            return None
        regions = props.get("region") or []
        vehicle_props = vehicle.get("props") or {}
        make_model = (vehicle_props.get("make_model") or [{}])[0]
        return {
            "plate": texts[0].get("value"),
            "confidence": texts[0].get("score"),
            "candidates": _candidates(
                [{"plate": t.get("value"), "score": t.get("score")} for t in texts], "score", 1
            ),
            "region": region(regions[0].get("value")) if regions else None,
            "box": edges_to_box(plate.get("box")),
            "vehicle": {
                "type": (vehicle.get("type") or "")[:20] or None,
                "color": first_name(vehicle_props.get("color"), "value"),
                "make": make_model.get("make"),
                "model": make_model.get("model"),
            },
        }
    if not plate:
        return None
    region_info: dict[str, Any] = result["region"] if isinstance(result.get("region"), dict) else {}
    make_model = (result.get("model_make") or [{}])[0]
    values = {
        "plate": plate,
        "confidence": result.get("score"),
        "candidates": _candidates(result.get("candidates"), "score", 1),
        "region": region(region_info.get("code")),
        "box": edges_to_box(result.get("box")),
        "heading": heading(result.get("direction")),
        "vehicle": {
            "type": (str(vehicle.get("type") or ""))[:20] or None,
            "color": first_name(result.get("color"), "color"),
            "make": make_model.get("make"),
            "model": make_model.get("model"),
        },
    }
    if values["region"]:
        values["region_confidence"] = region_info.get("score")
    return values


def from_frigate(payload: Any) -> tuple[str, list[ReadSubmission]]:
    """Frigate 0.16+ ``frigate/events`` and ``frigate/tracked_object_update`` (type ``lpr``).

    Returns the Frigate camera name (matched to a plateguard camera by name) and zero or one read; the
    read id comes from Frigate's event id, so the many updates of one vehicle pass store one read.
    """
    payload = as_object(payload, "")
    if payload.get("type") == "lpr":
        plate, score = payload.get("plate"), payload.get("score")
        values: dict[str, Any] = {
            "plate": plate,
            "confidence": score,
            "captured_at": epoch(require(payload, "timestamp"), "timestamp"),
            "box": edges_to_box(payload.get("plate_box")),
        }
        event_id, camera = require(payload, "id"), require(payload, "camera")
    elif payload.get("type") in ("new", "update", "end"):
        after = as_object(require(payload, "after"), "after")
        plate, score = _frigate_plate(after)
        values = {
            "plate": plate,
            "confidence": score,
            "captured_at": epoch(require(after, "frame_time", "after"), "after.frame_time"),
            "vehicle": {"type": str(after.get("label") or "")[:20] or None},
        }
        event_id, camera = require(after, "id", "after"), require(after, "camera", "after")
    else:
        return "", []
    if not plate:
        return str(camera), []
    values["id"] = read_id("frigate", event_id)
    return str(camera), [build(values, "")]


def _frigate_plate(after: dict[str, Any]) -> tuple[Any, Any]:
    recognised = after.get("recognized_license_plate")
    if isinstance(recognised, list) and len(recognised) == 2:  # the real wire format: [plate, score]
        return recognised[0], recognised[1]
    return recognised, after.get("recognized_license_plate_score")
