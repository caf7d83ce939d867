"""The plate-read schema that every door (API, MQTT, CLI ingest, demo) turns its input into."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from plateguard.reads.plates import normalize_plate


class Candidate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plate: str = Field(min_length=1, max_length=16)
    confidence: float = Field(ge=0, le=1)


class VehicleAttributes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    color: str | None = Field(None, max_length=20)
    type: str | None = Field(None, max_length=20)
    make: str | None = Field(None, max_length=40)
    model: str | None = Field(None, max_length=40)


class PlateReadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(
        default_factory=uuid.uuid4, description="Client-generated; re-sending it is a no-op."
    )
    plate: str = Field(min_length=1, max_length=16, description="Plate text as read.")
    confidence: float = Field(ge=0, le=1)
    candidates: list[Candidate] = Field(default_factory=list, max_length=10)
    region: str | None = Field(None, pattern=r"^[a-z]{2}-[a-z]{2}$", description="e.g. us-ca")
    region_confidence: float | None = Field(None, ge=0, le=1)
    captured_at: AwareDatetime
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    heading: float | None = Field(None, ge=0, lt=360)
    box: tuple[int, int, int, int] | None = Field(None, description="x, y, width, height in pixels")
    vehicle: VehicleAttributes = Field(default_factory=VehicleAttributes)

    @field_validator("plate")
    @classmethod
    def _plate_has_characters(cls, value: str) -> str:
        if not normalize_plate(value):
            raise ValueError("plate has no letters or digits")
        return value

    @field_validator("captured_at")
    @classmethod
    def _not_in_future(cls, value: dt.datetime) -> dt.datetime:
        if value > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
            raise ValueError("capture time is in the future")
        return value
