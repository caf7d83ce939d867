"""The purpose check on its own (no database): what a refusal names, and the policy built from a bare list."""

from __future__ import annotations

import pytest

from plateguard.access_log.purposes import PurposePolicy
from plateguard.access_log.service import Actor, Justification
from plateguard.config import DEFAULT_PURPOSES, ProhibitedPurpose
from plateguard.errors import Forbidden

OFFICER = Actor("ofc.chen", "Sam Chen", "Manteca Police Department", "Operator")
AUDITOR = Actor("aud.reyes", "Dana Reyes", "Manteca Police Department", "Auditor")
DEBT_COLLECTION = ProhibitedPurpose(
    name="Debt collection", rule="Policy 460.5(b): official purposes only", terms=("repossession",)
)


def test_the_prohibited_purposes_own_name_counts_not_only_its_listed_terms() -> None:
    policy = PurposePolicy(DEFAULT_PURPOSES, prohibited=(DEBT_COLLECTION,))
    asked = Justification("Criminal investigation", "debt collection for a lender", "26-000777")
    with pytest.raises(Forbidden, match="debt collection is a prohibited purpose") as refused:
        policy.check(asked, action="reads.search", actor=OFFICER)
    assert refused.value.code == "prohibited_purpose"  # told apart from other refusals by clients
    assert refused.value.field == "purpose"


def test_a_purpose_reserved_to_a_role_is_refused_to_others_naming_the_purpose_field() -> None:
    policy = PurposePolicy.of(DEFAULT_PURPOSES)
    with pytest.raises(Forbidden, match="may be given by Auditor only") as refused:
        policy.check(Justification("Audit of system use"), action="reads.view", actor=OFFICER)
    assert refused.value.field == "purpose"
    assert policy.check(Justification("Audit of system use"), action="reads.view", actor=AUDITOR)


def test_a_policy_from_a_bare_list_of_purposes_keeps_the_default_waivers() -> None:
    policy = PurposePolicy.of(DEFAULT_PURPOSES)
    checked = policy.check(Justification("Alert verification"), action="reads.view", actor=OFFICER)
    assert checked.justification.case_number is None
    assert checked.alert_reads_only  # waived only on condition that the read raised an alert
