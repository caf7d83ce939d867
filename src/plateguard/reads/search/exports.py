"""Exports of a result set to CSV and GeoJSON, each recorded in the access log with its purpose."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy.orm import Session

from plateguard.access_log.service import Actor, audited_access
from plateguard.config import Settings
from plateguard.reads.models import PlateRead
from plateguard.reads.search import service as search_service
from plateguard.reads.search.schemas import ExportFormat, ExportRequest
from plateguard.sharing.recipients import check_recipient
from plateguard.spreadsheet import safe_row

MAX_EXPORT_READS = 10_000
CSV_COLUMNS = (
    "read_id",
    "plate",
    "captured_at",
    "camera",
    "region",
    "latitude",
    "longitude",
    "confidence",
    "vehicle_color",
    "vehicle_type",
)


def export(
    *,
    session: Session,
    actor: Actor,
    request: ExportRequest,
    purposes: search_service.Purposes,
    settings: Settings,
) -> tuple[bytes, str, str]:
    """The file's bytes, its media type and its file name (an export always needs a case number, and
    names the agency it goes to: the home agency or a sharing partner the sharing rules allow)."""
    checked = search_service.justification(
        request, purposes=purposes, action="reads.export", actor=actor, session=session
    ).justification
    recipient = check_recipient(settings, request.recipient)
    request = request.model_copy(
        update={"query": search_service.located(session=session, query=request.query)}
    )
    audit = {"format": request.format.value, "recipient": recipient, **request.query.audit_form()}
    with audited_access(
        session=session, actor=actor, action="reads.export", query=audit, justification=checked
    ) as result:
        rows = search_service.all_matching(session=session, query=request.query, limit=MAX_EXPORT_READS)
        result.count = len(rows)
    stem = f"plateguard-{(checked.case_number or 'export').lower()}"
    if request.format is ExportFormat.GEOJSON:
        return to_geojson(rows), "application/geo+json", f"{stem}.geojson"
    return to_csv(rows), "text/csv", f"{stem}.csv"


def _row(read: PlateRead) -> dict[str, Any]:
    vehicle = read.vehicle or {}
    return {
        "read_id": str(read.id),
        "plate": read.plate_normalized,
        "captured_at": read.captured_at.isoformat(),
        "camera": read.camera.name,
        "region": read.region or "",
        "latitude": read.latitude,
        "longitude": read.longitude,
        "confidence": read.confidence,
        "vehicle_color": vehicle.get("color", ""),
        "vehicle_type": vehicle.get("type", ""),
    }


def to_csv(rows: list[PlateRead]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for read in rows:
        writer.writerow(safe_row(_row(read)))
    return buffer.getvalue().encode()


def to_geojson(rows: list[PlateRead]) -> bytes:
    features = []
    for read in rows:
        properties = _row(read)
        lat, lon = properties.pop("latitude"), properties.pop("longitude")
        geometry = (
            {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        )
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1).encode()
