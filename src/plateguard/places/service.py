"""Loading address points from a CSV file and finding one by its address.

Addresses never leave the system: there is no online geocoder. The department loads the address-point
file its city or county GIS publishes (most have columns such as ``FULLADDR``, ``LAT``, ``LON``), and an
investigator types an address from it to canvass around that point.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.errors import InvalidInput, NotFound
from plateguard.places.models import AddressPoint

ADDRESS_COLUMNS = ("address", "full_address", "fulladdr", "fulladdress", "site_address", "siteaddr", "addr")
LATITUDE_COLUMNS = ("latitude", "lat", "y", "point_y")
LONGITUDE_COLUMNS = ("longitude", "lon", "lng", "long", "x", "point_x")
SUGGESTIONS = 5


def address_key(address: str) -> str:
    """The form addresses are compared in: upper case, punctuation dropped, single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"[.,#]", " ", address)).strip().upper()


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int


def import_csv(*, session: Session, actor: Actor, data: bytes, source: str) -> ImportReport:
    """Add or update every address in the file; a bad line stops the import and nothing changes."""
    rows = list(_parse(data))
    existing = {p.address_key: p for p in session.scalars(select(AddressPoint))}
    added = updated = 0
    for address, latitude, longitude in rows:
        key = address_key(address)
        point = existing.get(key)
        if point is None:
            point = AddressPoint(address=address, address_key=key, source=source)
            session.add(point)
            existing[key] = point
            added += 1
        else:
            updated += 1
        point.latitude, point.longitude, point.source = latitude, longitude, source
    session.flush()
    query = {"source": source, "added": added, "updated": updated}
    access_log.append(session=session, actor=actor, action="places.imported", query=query)
    return ImportReport(added=added, updated=updated)


def _parse(data: bytes) -> list[tuple[str, float, float]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("address file is not UTF-8 text", field="file") from exc
    reader = csv.DictReader(io.StringIO(text))
    columns = {name.strip().lower(): name for name in reader.fieldnames or []}
    address, lat, lon = (
        _column(columns, names) for names in (ADDRESS_COLUMNS, LATITUDE_COLUMNS, LONGITUDE_COLUMNS)
    )
    rows = []
    for line, row in enumerate(reader, start=2):
        rows.append(_point(row, address, lat, lon, line))
    if not rows:
        raise InvalidInput("address file has no rows", field="file")
    return rows


def _column(columns: dict[str, str], names: tuple[str, ...]) -> str:
    for name in names:
        if name in columns:
            return columns[name]
    raise InvalidInput(f"address file needs a column named one of: {', '.join(names)}", field="file")


def _point(row: dict[str, str], address: str, lat: str, lon: str, line: int) -> tuple[str, float, float]:
    text = (row.get(address) or "").strip()
    if not text:
        raise InvalidInput(f"line {line}: the address is empty; nothing was imported", field="file")
    try:
        latitude, longitude = float(row.get(lat) or ""), float(row.get(lon) or "")
    except ValueError as exc:
        raise InvalidInput(
            f"line {line}: latitude and longitude must be numbers; nothing was imported", field="file"
        ) from exc
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInput(f"line {line}: coordinates out of range; nothing was imported", field="file")
    return text[:200], latitude, longitude


def locate(*, session: Session, address: str) -> AddressPoint:
    """The point of an address; NotFound names the closest addresses on file when there is no exact one."""
    key = address_key(address)
    point = session.scalar(select(AddressPoint).where(AddressPoint.address_key == key))
    if point is not None:
        return point
    words = [_escape_like(word) for word in key.split(" ")]
    pattern = "%" + "%".join(words[:3]) + "%"
    near = session.scalars(
        select(AddressPoint.address)
        .where(AddressPoint.address_key.like(pattern, escape="\\"))
        .order_by(AddressPoint.address_key)
        .limit(SUGGESTIONS)
    ).all()
    hint = (
        f"; did you mean: {'; '.join(near)}"
        if near
        else "; load the address-point file with `plateguard places import`"
    )
    raise NotFound(f"no address point {address.strip()!r}{hint}", field="address")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def count(*, session: Session) -> int:
    from sqlalchemy import func

    return int(session.scalar(select(func.count()).select_from(AddressPoint)) or 0)


MAP_POINTS = 500  # the most address points one map view asks for


def within(
    *, session: Session, south: float, west: float, north: float, east: float, limit: int = MAP_POINTS
) -> list[AddressPoint]:
    """The address points inside a map view, in address order (at most ``limit``)."""
    query = (
        select(AddressPoint)
        .where(AddressPoint.latitude.between(south, north), AddressPoint.longitude.between(west, east))
        .order_by(AddressPoint.address_key)
        .limit(limit)
    )
    return list(session.scalars(query))
