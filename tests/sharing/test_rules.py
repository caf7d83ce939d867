"""The sharing rules for each kind of requester (Civil Code 1798.90.55, AG bulletin 2023-DLE-06)."""

from __future__ import annotations

import pytest

from plateguard.config import SharingSettings
from plateguard.sharing.models import RequesterKind
from plateguard.sharing.rules import Verdict, rule_on

K = RequesterKind


@pytest.mark.parametrize(
    "kind, state, verdict, named",
    [
        (K.LAW_ENFORCEMENT, "CA", Verdict.ALLOWED, ""),
        (K.PROSECUTOR, "ca", Verdict.ALLOWED, ""),
        (K.LAW_ENFORCEMENT, "NV", Verdict.REFUSED, "out-of-state"),
        (K.PROSECUTOR, "AZ", Verdict.REFUSED, "2023-DLE-06"),
        (K.FEDERAL, "CA", Verdict.REFUSED, "federal"),
        (K.FEDERAL, "DC", Verdict.REFUSED, "1798.90.55"),
        (K.PRIVATE, "CA", Verdict.REFUSED, "private"),
        (K.OTHER_PUBLIC, "CA", Verdict.PUBLIC_RECORDS, "public-records"),
        (K.OTHER_PUBLIC, "OR", Verdict.REFUSED, "out-of-state"),
    ],
)
def test_each_requester_kind_under_the_default_rules(
    kind: RequesterKind, state: str, verdict: Verdict, named: str
) -> None:
    ruling = rule_on(kind=kind, state=state, sharing=SharingSettings())
    assert ruling.verdict is verdict
    assert named in ruling.rule
    if verdict is Verdict.REFUSED:
        assert "Civil Code 1798.90.55" in ruling.rule


def test_configuration_can_narrow_the_rules_to_law_enforcement_only() -> None:
    narrow = SharingSettings(allowed_kinds=("law_enforcement",))
    assert rule_on(kind=K.PROSECUTOR, state="CA", sharing=narrow).verdict is Verdict.PUBLIC_RECORDS
    assert rule_on(kind=K.LAW_ENFORCEMENT, state="CA", sharing=narrow).verdict is Verdict.ALLOWED
