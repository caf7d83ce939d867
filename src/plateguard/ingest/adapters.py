"""Formats that existing cameras and recognisers already send, turned into plateguard's own read.

Each adapter is a pure function from the parsed payload to a list of ``ReadSubmission``. Read ids are
derived from the sender's own ids for one vehicle pass (UUID v5), so a re-sent message is recognised
and never stored twice, and a later reading of the same pass updates it (see ingest/service.py).
Every garbled value is refused with an ``InvalidInput`` that names the sender's own field.
Field maps: docs/connecting-cameras.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import math
import uuid
from typing import Any

from pydantic import ValidationError

from plateguard.errors import InvalidInput, first_validation_error
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.regions import BareCode
from plateguard.reads.schemas import BARE_REGION

logger = logging.getLogger(__name__)
NAMESPACE = uuid.UUID("6b1f3f58-4c0e-4a63-9f0c-460460460460")
MAX_CANDIDATES = 10
MAX_PLATE = 16


def read_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(str(part) for part in parts))


def join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def refuse(field: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{field}: {problem}", field=field)


def number(value: Any, field: str) -> float:
    """A finite JSON number (not a string, not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise refuse(field, "expected a number")
    return float(value)


def optional_number(value: Any, field: str) -> float | None:
    return None if value is None or value == "" else number(value, field)


def text(value: Any, field: str) -> str | None:
    """Text as sent (numbers accepted as their digits); objects and lists are refused."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise refuse(field, "expected text")
    return str(value)


def epoch(value: Any, field: str) -> dt.datetime:
    """Epoch seconds or milliseconds (OpenALPR sends both, depending on version)."""
    seconds = number(value, field)
    seconds = seconds / 1000 if seconds > 1e11 else seconds
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise refuse(field, "impossible epoch time") from None


def iso_time(value: Any, field: str) -> dt.datetime:
    """ISO 8601; a time without a zone (older Plate Recognizer docs) is taken as UTC."""
    if not isinstance(value, str):
        raise refuse(field, "expected an ISO 8601 time")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise refuse(field, "not an ISO 8601 time a camera can have taken") from None


def image(value: Any, field: str) -> str | None:
    """A base64 image: kept when it decodes (the store then checks it is a picture), refused when not.

    Published documentation examples carry ``"...base64 jpeg data..."``: such a placeholder is skipped,
    with a warning, rather than refused.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise refuse(field, "expected base64 text")
    if value.startswith("...") and value.endswith("...") and len(value) < 100:
        logger.warning("%s holds a documentation placeholder, not an image: skipped", field)
        return None
    compact = "".join(value.split())
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise refuse(field, "not valid base64") from None
    return compact


def corners_to_box(points: Any, field: str) -> list[int] | None:
    """Four corner points ``[{"x", "y"}, ...]`` (OpenALPR) -> x, y, width, height."""
    if points is None or points == []:
        return None
    if not isinstance(points, list) or not all(isinstance(point, dict) for point in points):
        raise refuse(field, "expected a list of {x, y} points")
    xs = [int(number(point.get("x"), f"{field}.{i}.x")) for i, point in enumerate(points)]
    ys = [int(number(point.get("y"), f"{field}.{i}.y")) for i, point in enumerate(points)]
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


def edges_to_box(box: Any, field: str) -> list[int] | None:
    """``{xmin, ymin, xmax, ymax}`` or ``[x1, y1, x2, y2]`` -> x, y, width, height."""
    if box is None:
        return None
    if isinstance(box, dict):
        edges = [box.get(key) for key in ("xmin", "ymin", "xmax", "ymax")]
    elif isinstance(box, list) and len(box) == 4:
        edges = box
    else:
        raise refuse(field, "expected [x1, y1, x2, y2] or {xmin, ymin, xmax, ymax}")
    x1, y1, x2, y2 = (int(number(value, f"{field}.{i}")) for i, value in enumerate(edges))
    return [x1, y1, max(0, x2 - x1), max(0, y2 - y1)]


def heading(value: Any, field: str) -> float | None:
    degrees = optional_number(value, field)
    return degrees % 360 if degrees is not None and degrees >= 0 else None


def first(items: Any, field: str) -> dict[str, Any]:
    """The first object of a list of ``{name, confidence}``-like objects, or {}."""
    if items is None or items == []:
        return {}
    if not isinstance(items, list) or not isinstance(items[0], dict):
        raise refuse(f"{field}.0" if isinstance(items, list) else field, "expected a list of objects")
    return items[0]


def first_name(items: Any, field: str, key: str = "name", limit: int = 20) -> str | None:
    value = text(first(items, field).get(key), f"{field}.0.{key}")
    return value[:limit] if value else None


def candidates(items: Any, field: str, score_key: str, scale: float) -> list[dict[str, Any]]:
    """Alternative readings; an entry without a plate or a score is skipped, a long one too (logged)."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise refuse(field, "expected a list")
    kept = []
    for index, item in enumerate(items):
        plate = item.get("plate") if isinstance(item, dict) else None
        score = item.get(score_key) if isinstance(item, dict) else None
        if not isinstance(plate, str | int) or isinstance(plate, bool) or not str(plate).strip():
            continue
        if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
            continue
        if len(str(plate)) > MAX_PLATE:
            logger.warning(
                "%s.%d: %d characters, longer than a plate: skipped", field, index, len(str(plate))
            )
            continue
        kept.append({"plate": str(plate), "confidence": min(1.0, max(0.0, score / scale))})
    return kept[:MAX_CANDIDATES]


def build(
    values: dict[str, Any],
    names: dict[str, str],
    *,
    bare: BareCode = BareCode.STATE,
) -> ReadSubmission:
    """Validate plateguard's read; an error names the sender's field (``names``: ours -> theirs)."""
    values["vehicle"] = {key: value for key, value in (values.get("vehicle") or {}).items() if value}
    data = {key: value for key, value in values.items() if value is not None}
    try:
        read = ReadSubmission.model_validate(data, context={BARE_REGION: bare})
    except ValidationError as exc:
        field, message = first_validation_error(exc.errors())
        ours = field or "body"
        head = ours.split(".", 1)[0]
        theirs = names.get(ours) or (names[head] + ours[len(head) :] if head in names else ours)
        raise refuse(theirs, message) from None
    read.name_fields(names)
    return read


def require(payload: dict[str, Any], key: str, where: str = "") -> Any:
    value = payload.get(key)
    if value is None or value == "":
        raise refuse(join(where, key), "required by this format")
    return value


def as_object(payload: Any, where: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise refuse(where or "body", "expected a JSON object")
    return payload
