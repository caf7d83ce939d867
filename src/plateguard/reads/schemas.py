"""The plate-read schema that every door (API, MQTT, CLI ingest, demo) turns its input into."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from plateguard.reads import regions
from plateguard.reads.plates import normalize_plate

REGION_PATTERN = r"^[a-z]{2}(-[a-z0-9]{1,3})?$"
# Validation context key: what a bare two-letter region means to the sender (see reads/regions.py).
BARE_REGION = "bare_region"


# No control characters (a NUL byte is refused by PostgreSQL, and none belongs on a plate); checked by
# pydantic's own regex engine, so it costs nothing per read in Python.
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x1f\x7f]*$")]


class Candidate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plate: Text = Field(min_length=1, max_length=16)
    confidence: float = Field(ge=0, le=1)


class VehicleAttributes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    color: Text | None = Field(None, max_length=20)
    type: Text | None = Field(None, max_length=20)
    make: Text | None = Field(None, max_length=40)
    model: Text | None = Field(None, max_length=40)


class PlateReadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(
        default_factory=uuid.uuid4, description="Client-generated; re-sending it is a no-op."
    )
    plate: Text = Field(min_length=1, max_length=16, description="Plate text as read.")
    confidence: float = Field(ge=0, le=1)
    candidates: list[Candidate] = Field(default_factory=list, max_length=10)
    region: str | None = Field(
        None,
        pattern=REGION_PATTERN,
        description="us-ca, ca-on, fr; also accepted as senders write them: CA, US_CA, usa.",
    )
    region_unmapped: Text | None = Field(
        None, max_length=regions.MAX_SENT_LENGTH, description="A region code that maps to nothing, as sent."
    )
    region_confidence: float | None = Field(None, ge=0, le=1)
    captured_at: AwareDatetime
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    heading: float | None = Field(None, ge=0, lt=360)
    box: tuple[int, int, int, int] | None = Field(None, description="x, y, width, height in pixels")
    vehicle: VehicleAttributes = Field(default_factory=VehicleAttributes)

    @model_validator(mode="before")
    @classmethod
    def _region_as_stored(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict) or not data.get("region"):
            return data
        bare = (info.context or {}).get(BARE_REGION, regions.BareCode.STATE)
        region = regions.normalize(data["region"], bare=bare)
        data = {**data, "region": region.code}
        if region.unmapped is not None:
            data["region_unmapped"] = region.unmapped
            data.pop("region_confidence", None)
        return data

    @field_validator("plate")
    @classmethod
    def _plate_has_characters(cls, value: str) -> str:
        if not normalize_plate(value):
            raise ValueError("plate has no letters or digits")
        return value

    @field_validator("captured_at")
    @classmethod
    def _not_in_future(cls, value: dt.datetime) -> dt.datetime:
        try:  # year 1 with a positive offset is before year 1 in UTC: not a time a camera saw
            value = value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("capture time out of range") from None
        if value > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
            raise ValueError("capture time is in the future")
        return value
