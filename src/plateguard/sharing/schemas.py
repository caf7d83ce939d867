"""The written request for ALPR data and the decision on it, validated before anything is written."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from plateguard.sharing.models import RequesterKind

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


class ReleaseRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    agency_name: str = Field(min_length=2, max_length=200)
    agency_state: str = Field(pattern=r"^[A-Za-z]{2}$", description="Two-letter state of the agency.")
    requester_kind: RequesterKind
    requester_name: str = Field(min_length=2, max_length=200)
    contact: str = Field(min_length=5, max_length=300, description="Phone, e-mail or address.")
    purpose: str = Field(min_length=5, max_length=4000, description="What the data is for.")
    data_requested: str = Field(min_length=5, max_length=4000, description="Which reads are asked for.")
    case_number: str = Field("", max_length=40, description="The requesting agency's case number.")
    legal_basis: str = Field(min_length=5, max_length=2000, description="Warrant, subpoena, statute...")


class ReleaseDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    approve: bool
    reason: str = Field(min_length=10, max_length=2000)
    approved_case: str = Field(
        "", max_length=40, description="Our case number whose held reads are released (approval only)."
    )
    approved_scope: str = Field("", max_length=2000, description="What is released, in words.")
