"""The search form's fields (query string or posted form) turned into a typed SearchQuery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from plateguard.errors import InvalidInput, invalid_input_from
from plateguard.reads.search.schemas import Justified, SearchQuery

Model = TypeVar("Model", bound=BaseModel)

QUERY_FIELDS = (
    "plate",
    "match",
    "region",
    "since",
    "until",
    "camera_ids",
    "camera_group",
    "address",
    "center_lat",
    "center_lon",
    "radius_m",
    "polygon",
    "vehicle_color",
    "vehicle_type",
)


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return str(value).strip() if value is not None else ""


def _time(value: str, field: str, zone: str) -> dt.datetime | None:
    """A form's date and time: typed in the agency's time zone unless it names an offset."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{field} is not a date and time", field=field) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(zone))


def _number(value: str, field: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise InvalidInput(f"{field} is not a number", field=field) from exc


def _polygon(value: str) -> list[dict[str, float]] | None:
    if not value:
        return None
    points = []
    for pair in value.split(";"):
        if not pair.strip():
            continue
        try:
            lat, lon = (float(part) for part in pair.split(","))
        except ValueError as exc:
            raise InvalidInput("polygon must be 'lat,lon; lat,lon; ...'", field="polygon") from exc
        points.append({"latitude": lat, "longitude": lon})
    return points


def query_from_form(
    form: Mapping[str, Any], camera_ids: list[str], page: int = 1, *, zone: str
) -> SearchQuery:
    """Build the query (times in the agency's ``zone``); bad input raises InvalidInput naming the field."""
    raw: dict[str, Any] = {
        "plate": _text(form, "plate") or None,
        "match": _text(form, "match") or "exact",
        "region": _text(form, "region") or None,
        "since": _time(_text(form, "since"), "since", zone),
        "until": _time(_text(form, "until"), "until", zone),
        "camera_ids": [int(c) for c in camera_ids if c.strip().isdigit()],
        "camera_group": _text(form, "camera_group") or None,
        "polygon": _polygon(_text(form, "polygon")),
        "vehicle_color": _text(form, "vehicle_color") or None,
        "vehicle_type": _text(form, "vehicle_type") or None,
        "page": page,
    }
    lat, lon = (
        _number(_text(form, "center_lat"), "center_lat"),
        _number(_text(form, "center_lon"), "center_lon"),
    )
    metres = _number(_text(form, "radius_m"), "radius_m")
    address = _text(form, "address")
    if lat is not None and lon is not None and metres:
        raw["radius"] = {"center": {"latitude": lat, "longitude": lon}, "metres": metres}
    elif address and metres:
        raw["radius"] = {"address": address, "metres": metres}
    elif address:
        raise InvalidInput("give a radius in meters around the address", field="radius_m")
    return validated(SearchQuery, raw)


def justified_from_form(form: Mapping[str, Any]) -> Justified:
    if not _text(form, "purpose"):
        raise InvalidInput("choose the purpose of this access", field="purpose")
    return validated(
        Justified,
        {
            "purpose": _text(form, "purpose"),
            "case_number": _text(form, "case_number") or None,
            "detail": _text(form, "detail"),
        },
    )


def validated(model: type[Model], raw: dict[str, Any]) -> Model:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise invalid_input_from(exc.errors()) from exc
