"""Formats that existing cameras and recognisers already send, turned into plateguard's own read.

Each adapter is a pure function from the parsed JSON to a list of ``ReadSubmission``. Read ids are
derived from the sender's own ids (UUID v5), so a re-sent message is recognised and never stored twice.
Field maps: ../shared/data/ingest-formats/README.md (in the development checkout) and
docs/connecting-cameras.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import re
import uuid
from typing import Any

from pydantic import ValidationError

from plateguard.errors import InvalidInput
from plateguard.ingest.schemas import ReadSubmission, invalid

logger = logging.getLogger(__name__)
NAMESPACE = uuid.UUID("6b1f3f58-4c0e-4a63-9f0c-460460460460")
_REGION = re.compile(r"^[a-z]{2}-[a-z]{2}$")


def read_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(str(part) for part in parts))


def epoch(value: Any, field: str) -> dt.datetime:
    """Epoch seconds or milliseconds (OpenALPR sends both, depending on version)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{field}: expected an epoch time", field=field)
    seconds = value / 1000 if value > 1e11 else float(value)
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidInput(f"{field}: impossible epoch time", field=field) from None


def iso_time(value: Any, field: str) -> dt.datetime:
    """ISO 8601; a time without a zone (older Plate Recognizer docs) is taken as UTC."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: expected an ISO 8601 time", field=field)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field}: not an ISO 8601 time", field=field) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def region(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return text if _REGION.match(text) else None


def optional_base64(value: Any, field: str) -> str | None:
    """Vendor images: real base64 is kept (and must then be an image); placeholders are ignored."""
    if not isinstance(value, str) or not value:
        return None
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        logger.info("ignoring %s: not base64 (a documentation placeholder?)", field)
        return None
    return value


def corners_to_box(points: Any) -> list[int] | None:
    if not isinstance(points, list) or not points:
        return None
    try:
        xs = [int(point["x"]) for point in points]
        ys = [int(point["y"]) for point in points]
    except (KeyError, TypeError, ValueError):
        return None
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


def edges_to_box(box: Any) -> list[int] | None:
    if isinstance(box, dict):
        try:
            x1, y1, x2, y2 = (int(box[key]) for key in ("xmin", "ymin", "xmax", "ymax"))
        except (KeyError, TypeError, ValueError):
            return None
    elif isinstance(box, list) and len(box) == 4:
        x1, y1, x2, y2 = (int(value) for value in box)
    else:
        return None
    return [x1, y1, max(0, x2 - x1), max(0, y2 - y1)]


def heading(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value) % 360
    return None


def first_name(items: Any, key: str = "name", limit: int = 20) -> str | None:
    if isinstance(items, list) and items and isinstance(items[0], dict) and items[0].get(key):
        return str(items[0][key])[:limit]
    return None


def build(values: dict[str, Any], where: str) -> ReadSubmission:
    values["candidates"] = [
        candidate for candidate in values.get("candidates", []) if candidate.get("plate")
    ][:10]
    values["vehicle"] = {key: value for key, value in values.get("vehicle", {}).items() if value}
    try:
        return ReadSubmission.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        raise invalid(exc, where) from None


def require(payload: dict[str, Any], key: str, where: str = "") -> Any:
    value = payload.get(key)
    if value is None or value == "":
        name = f"{where}.{key}" if where else key
        raise InvalidInput(f"{name}: required by this format", field=name)
    return value


def as_object(payload: Any, where: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise InvalidInput(f"{where or 'body'}: expected a JSON object", field=where or "body")
    return payload
