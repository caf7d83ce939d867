"""Address points for the maps: those inside the part of the map an investigator is looking at."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from plateguard.errors import InvalidInput
from plateguard.places import service as places
from plateguard.web.dependencies import CurrentLogin, DbSession

router = APIRouter()
MAX_SPAN_DEGREES = 0.2  # about 20 km: wider views show no address points (zoom in)

Latitude = Annotated[float, Query(ge=-90, le=90)]
Longitude = Annotated[float, Query(ge=-180, le=180)]


@router.get("/api/places/address-points")
def address_points(
    db: DbSession, login: CurrentLogin, south: Latitude, west: Longitude, north: Latitude, east: Longitude
) -> dict[str, Any]:
    if north < south or east < west:
        raise InvalidInput("north must not be below south, nor east west of west", field="north")
    if north - south > MAX_SPAN_DEGREES or east - west > MAX_SPAN_DEGREES:
        return {"points": [], "zoom_in": True}
    found = places.within(session=db, south=south, west=west, north=north, east=east)
    points = [{"address": p.address, "lat": p.latitude, "lon": p.longitude} for p in found]
    return {"points": points, "zoom_in": len(points) >= places.MAP_POINTS}
