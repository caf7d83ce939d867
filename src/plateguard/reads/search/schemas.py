"""The typed search query: every criterion an investigator can combine, validated before any SQL runs."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from plateguard.reads import regions
from plateguard.reads.plates import normalize_plate

MAX_PAGE_SIZE = 500
MAX_POLYGON_POINTS = 100
_PATTERN_CHARACTERS = re.compile(r"^[A-Z0-9?*]+$")


class PlateMatch(StrEnum):
    EXACT = "exact"
    PARTIAL = "partial"  # wildcards: ? one character, * any run of characters
    FUZZY = "fuzzy"  # OCR confusions and one edit, ranked below the exact plate


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Radius(BaseModel):
    """A circle around an address point or coordinates: the crime-scene canvass of 460.3(c).

    Give ``center`` or ``address`` (one of the department's address points); the search looks the
    address up and keeps both in the access record.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    center: Point | None = None
    address: str | None = Field(None, max_length=200)
    metres: float = Field(gt=0, le=50_000)

    @model_validator(mode="after")
    def _one_centre(self) -> Radius:
        if self.center is None and not (self.address or "").strip():
            raise ValueError("a radius needs a center: coordinates or an address")
        return self

    def centre(self) -> Point:
        if self.center is None:
            raise ValueError(f"address {self.address!r} was not looked up")
        return self.center


class SearchQuery(BaseModel):
    """One search; every given criterion must hold (they combine with AND)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plate: str | None = Field(
        None, max_length=24, description="Plate, or a pattern with ? and * for partial."
    )
    match: PlateMatch = PlateMatch.EXACT
    region: str | None = Field(None, description="State or region code, e.g. us-ca or CA.")
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    camera_ids: tuple[int, ...] = Field((), max_length=200)
    camera_group: str | None = Field(None, max_length=60, description="Only cameras of this group.")
    radius: Radius | None = None
    polygon: tuple[Point, ...] | None = Field(None, min_length=3, max_length=MAX_POLYGON_POINTS)
    vehicle_color: str | None = Field(None, max_length=20)
    vehicle_type: str | None = Field(None, max_length=20)
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("plate")
    @classmethod
    def _plate(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        cleaned = re.sub(r"[^A-Za-z0-9?*]", "", value).upper()
        cleaned = re.sub(r"\*+", "*", cleaned)
        if not cleaned or not _PATTERN_CHARACTERS.match(cleaned):
            raise ValueError("plate has no letters or digits")
        return cleaned

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        # Read the way a read's own region is stored (``regions``), so the two always compare equal.
        stored = regions.normalize(value).code
        if stored is None:
            raise ValueError("region must be a state (CA) or a region code (us-ca)")
        return stored

    @field_validator("vehicle_color", "vehicle_type")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.strip().lower() or None if value is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> SearchQuery:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("'since' must be before 'until'")
        if self.plate and self.match is not PlateMatch.PARTIAL and self.plate != normalize_plate(self.plate):
            raise ValueError("wildcards ? and * need the partial match")
        if self.plate and self.match is PlateMatch.PARTIAL and not self.plate.replace("*", ""):
            raise ValueError("a partial plate needs at least one character or ? place")
        if self.radius and self.polygon:
            raise ValueError("give a radius or a polygon, not both")
        if not self.has_criteria:
            raise ValueError("give at least one criterion: a plate, a time range, cameras or an area")
        return self

    @property
    def has_criteria(self) -> bool:
        return any(
            (
                self.plate,
                self.since,
                self.until,
                self.camera_ids,
                self.camera_group,
                self.radius,
                self.polygon,
                self.region,
            )
        )

    def audit_form(self) -> dict[str, Any]:
        """The exact query as written to the access log (without the paging)."""
        return self.model_dump(
            mode="json", exclude_none=True, exclude={"page", "page_size"}, exclude_defaults=False
        )


class Justified(BaseModel):
    """Why the search is made: a purpose from the configured list and, for investigations, a case number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    purpose: str = Field(min_length=1, max_length=100)
    case_number: str | None = Field(None, max_length=40)
    detail: str = Field("", max_length=2000)


class SearchRequest(Justified):
    query: SearchQuery


class ExportFormat(StrEnum):
    CSV = "csv"
    GEOJSON = "geojson"


class ExportRequest(Justified):
    query: SearchQuery
    format: ExportFormat = ExportFormat.CSV
    recipient: str = Field(
        "",
        max_length=200,
        description="Agency the file goes to (empty: the home agency); a release under 460.7",
    )


class SeenNearRequest(Justified):
    read_ids: tuple[str, ...] = Field(min_length=1, max_length=50)
    metres: float = Field(300, gt=0, le=5_000)
    minutes: int = Field(10, ge=1, le=240)


class ReadSummary(BaseModel):
    id: str
    plate: str
    captured_at: dt.datetime
    camera_id: int
    camera_name: str
    region: str | None
    latitude: float | None
    longitude: float | None
    confidence: float
    vehicle: dict[str, Any]
    has_plate_image: bool
    has_overview_image: bool
    rank: int = Field(0, description="0 exact plate, 1 OCR confusion, 2 one edit; 0 without fuzzy search.")


class SearchPage(BaseModel):
    total: int
    page: int
    page_size: int
    reads: list[ReadSummary]
