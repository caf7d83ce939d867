"""A SearchQuery compiled to SQL conditions that run on SQLite and PostgreSQL alike.

Only the partial-plate prefilter differs: PostgreSQL's planner uses the pg_trgm index on
``plate_normalized LIKE ...`` by itself, while on SQLite the FTS5 trigram table ``plate_read_fts``
(kept in sync by triggers, see migration 0005) is asked for the candidate rowids first.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import ColumnElement, Select, and_, case, func, literal_column, or_, select, table, union
from sqlalchemy.sql.elements import literal

from plateguard.cameras.models import Camera
from plateguard.reads.models import PlateRead
from plateguard.reads.search.fuzzy import (
    literal_runs,
    lookalike_variants,
    one_edit_patterns,
    wildcard_to_like,
)
from plateguard.reads.search.schemas import PlateMatch, Point, Radius, SearchQuery

METRES_PER_DEGREE_LATITUDE = 110_540.0
METRES_PER_DEGREE_LONGITUDE = 111_320.0  # at the equator; times cos(latitude)
FTS_TABLE = "plate_read_fts"
SHORT_WINDOW = dt.timedelta(days=2)


def conditions(query: SearchQuery, *, dialect: str) -> list[ColumnElement[bool]]:
    """The WHERE clause of a search, as a list of conditions that all must hold."""
    where: list[ColumnElement[bool]] = []
    if query.plate:
        where.append(plate_condition(query.plate, query.match, dialect=dialect))
    if query.region:
        where.append(PlateRead.region == query.region)
    if query.since:
        where.append(PlateRead.captured_at >= query.since)
    if query.until:
        where.append(PlateRead.captured_at < query.until)
    if query.camera_ids:
        where.append(PlateRead.camera_id.in_(query.camera_ids))
    if query.camera_group:
        where.append(
            PlateRead.camera_id.in_(select(Camera.id).where(Camera.group_name == query.camera_group))
        )
    spatial_index = not _short_window(query)
    if query.radius:
        where.extend(radius_conditions(query.radius, use_index=spatial_index))
    if query.polygon:
        where.extend(bounding_box(query.polygon, use_index=spatial_index))
    if query.vehicle_color:
        where.append(func.lower(PlateRead.vehicle["color"].as_string()) == query.vehicle_color.lower())
    if query.vehicle_type:
        # Senders write "Sedan" or "sedan": compared without case.
        where.append(func.lower(PlateRead.vehicle["type"].as_string()) == query.vehicle_type.lower())
    return where


def _short_window(query: SearchQuery) -> bool:
    """A time window short enough that the time index should drive the query, not the area index."""
    if query.since is None or query.until is None:
        return False
    return query.until - query.since <= SHORT_WINDOW


def _position(use_index: bool) -> tuple[ColumnElement[float | None], ColumnElement[float | None]]:
    # "+ 0" keeps the planner (SQLite's above all) off the latitude/longitude index when the time
    # index finds far fewer rows: a 4-hour canvass reads thousands of rows instead of a whole area's year.
    if use_index:
        return PlateRead.__table__.c.latitude, PlateRead.__table__.c.longitude
    return PlateRead.latitude + 0, PlateRead.longitude + 0


def plate_condition(plate: str, match: PlateMatch, *, dialect: str) -> ColumnElement[bool]:
    column = PlateRead.plate_normalized
    if match is PlateMatch.EXACT:
        return column == plate
    if match is PlateMatch.PARTIAL:
        pattern = wildcard_to_like(plate)
        exact_check = column.like(pattern)
        if dialect == "sqlite" and literal_runs(plate) and len(literal_runs(plate)[0]) >= 3:
            return and_(_fts_rowids([pattern]), exact_check)
        return exact_check
    patterns, deletions = one_edit_patterns(plate)
    alike = [plate, *lookalike_variants(plate), *deletions]
    if dialect == "sqlite" and all(len(literal_runs(p.replace("_", "?"))[0]) >= 3 for p in patterns):
        edits: ColumnElement[bool] = and_(_fts_rowids(patterns), or_(*(column.like(p) for p in patterns)))
    else:
        edits = or_(*(column.like(p) for p in patterns))
    return or_(column.in_(alike), edits)


def rank(query: SearchQuery) -> ColumnElement[int]:
    """0 for the plate itself, 1 for a look-alike, 2 for one edit; constant 0 unless fuzzy."""
    if not query.plate or query.match is not PlateMatch.FUZZY:
        return literal(0)
    variants = lookalike_variants(query.plate)
    return case(
        (PlateRead.plate_normalized == query.plate, 0),
        (PlateRead.plate_normalized.in_(variants or [query.plate]), 1),
        else_=2,
    )


def _fts_rowids(patterns: list[str]) -> ColumnElement[bool]:
    fts = table(FTS_TABLE, literal_column("plate_normalized"))
    selects: list[Select[tuple[int]]] = [
        select(literal_column("rowid")).select_from(fts).where(literal_column("plate_normalized").like(p))
        for p in patterns
    ]
    subquery = selects[0] if len(selects) == 1 else union(*selects)
    return literal_column("plate_read.rowid").in_(subquery)


def radius_conditions(radius: Radius, *, use_index: bool = True) -> list[ColumnElement[bool]]:
    """A bounding box (served by the latitude/longitude index) and the distance on a local plane."""
    latitude, longitude = _position(use_index)
    centre = radius.centre()
    lat0, lon0 = centre.latitude, centre.longitude
    per_lon = METRES_PER_DEGREE_LONGITUDE * max(math.cos(math.radians(lat0)), 0.01)
    d_lat, d_lon = radius.metres / METRES_PER_DEGREE_LATITUDE, radius.metres / per_lon
    dy = (PlateRead.latitude - lat0) * METRES_PER_DEGREE_LATITUDE
    dx = (PlateRead.longitude - lon0) * per_lon
    return [
        latitude.between(lat0 - d_lat, lat0 + d_lat),
        longitude.between(lon0 - d_lon, lon0 + d_lon),
        dx * dx + dy * dy <= radius.metres * radius.metres,
    ]


def bounding_box(points: tuple[Point, ...], *, use_index: bool = True) -> list[ColumnElement[bool]]:
    latitude, longitude = _position(use_index)
    lats, lons = [p.latitude for p in points], [p.longitude for p in points]
    return [latitude.between(min(lats), max(lats)), longitude.between(min(lons), max(lons))]


def inside_polygon(latitude: float, longitude: float, polygon: tuple[Point, ...]) -> bool:
    """Ray casting on latitude/longitude: exact enough for the size of a canvass."""
    inside = False
    previous = polygon[-1]
    for point in polygon:
        crosses = (point.latitude > latitude) != (previous.latitude > latitude)
        if crosses:
            slope = (previous.longitude - point.longitude) / (previous.latitude - point.latitude)
            if longitude < point.longitude + slope * (latitude - point.latitude):
                inside = not inside
        previous = point
    return inside
