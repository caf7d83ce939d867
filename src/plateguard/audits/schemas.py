"""Forms of the audit and incident pages."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class _Form(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class OpenAudit(_Form):
    period_start: dt.date
    period_end: dt.date
    sample_size: int = Field(25, ge=1, le=1000)


class RecordFinding(_Form):
    finding: str = Field(max_length=20)
    note: str = Field("", max_length=4000)


class SignOff(_Form):
    summary: str = Field(max_length=8000)


class RecordIncident(_Form):
    discovered_at: dt.datetime
    discovered_by: str = Field(max_length=200)
    data_involved: str = Field(max_length=4000)
    persons_affected: str = Field(max_length=4000)
    residents_affected: int = Field(0, ge=0, le=100_000_000)
    description: str = Field("", max_length=8000)
    encrypted_with_key_safe: bool = False


class RecordNotice(_Form):
    notice: str = Field(max_length=20)
    given_on: dt.date
