"""Forms of the retention domain: schedules and legal holds, validated before anything is written."""

from __future__ import annotations

import uuid

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from plateguard.reads.search.schemas import PlateMatch, SearchQuery
from plateguard.retention.models import DataKind, HoldReason


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    data_kind: DataKind
    days: int = Field(ge=1, le=36_500, description="Days kept after capture (or creation).")
    legal_override: str = Field("", max_length=2000, description="Legal authority for reads under one year.")
    note: str = Field("", max_length=2000)


class HoldCriteria(BaseModel):
    """Which reads a hold takes: a search (plate, time, cameras) and/or named reads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plate: str | None = Field(None, max_length=24)
    match: PlateMatch = PlateMatch.EXACT
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    camera_ids: tuple[int, ...] = Field((), max_length=200)
    read_ids: tuple[uuid.UUID, ...] = Field((), max_length=10_000)

    @model_validator(mode="after")
    def _something_chosen(self) -> HoldCriteria:
        if not self.read_ids and not self.plate and not (self.since and self.until):
            raise ValueError("a hold needs a plate, a time window (since and until) or read ids")
        return self

    def search(self) -> SearchQuery | None:
        if not (self.plate or self.since or self.until or self.camera_ids):
            return None
        return SearchQuery(
            plate=self.plate, match=self.match, since=self.since, until=self.until, camera_ids=self.camera_ids
        )

    def audit_form(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude_defaults=True)


class HoldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    case_number: str = Field(min_length=1, max_length=40)
    reason: HoldReason
    requester: str = Field(min_length=2, max_length=200, description="Who asked for the hold.")
    detail: str = Field("", max_length=2000)
    criteria: HoldCriteria
