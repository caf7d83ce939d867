"""The sharing rules (Civil Code 1798.90.55, Attorney General bulletin 2023-DLE-06), set in configuration.

Pure functions: given who asks, say whether they may receive ALPR data, must be refused (naming the
rule), or are to be sent to the public-records process instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from plateguard.config import SharingSettings
from plateguard.sharing.models import RequesterKind

CIVIL_CODE = "Civil Code 1798.90.55(b)"
BULLETIN = "Attorney General bulletin 2023-DLE-06"


class Verdict(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"
    PUBLIC_RECORDS = "public_records"


@dataclass(frozen=True)
class Ruling:
    verdict: Verdict
    rule: str  # in words, naming the law; empty when allowed


def rule_on(*, kind: RequesterKind, state: str, sharing: SharingSettings) -> Ruling:
    """Whether a requester of this kind and state may receive ALPR data under the configured rules."""
    state, kind = state.strip().upper(), RequesterKind(kind)
    if kind is RequesterKind.FEDERAL:
        return Ruling(
            Verdict.REFUSED,
            f"{CIVIL_CODE}: ALPR data goes only to California public agencies; federal agencies are not "
            f"one ({BULLETIN})",
        )
    if kind is RequesterKind.PRIVATE:
        return Ruling(
            Verdict.REFUSED,
            f"{CIVIL_CODE}: ALPR data may not be sold, shared or transferred to a private person or company",
        )
    if state not in sharing.allowed_states:
        return Ruling(
            Verdict.REFUSED,
            f"{CIVIL_CODE}: out-of-state agencies ({state}) may not receive ALPR data ({BULLETIN}); "
            f"allowed states: {', '.join(sharing.allowed_states)}",
        )
    if kind.value not in sharing.allowed_kinds:
        return Ruling(
            Verdict.PUBLIC_RECORDS,
            "Policy 460.7: only law enforcement or prosecutorial agencies receive ALPR data on request; "
            "other public requesters go through the public-records (records release) process",
        )
    return Ruling(Verdict.ALLOWED, "")
