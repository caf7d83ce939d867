"""Which agency may receive ALPR data: the rules for each requester and the configured recipients.

Pure checks on configuration objects (no database): they run with ``--noconftest`` in the mutation bench.
The expected verdicts are written from Civil Code 1798.90.55(b), the AG bulletin and Policy 460.7.
"""

from __future__ import annotations

from typing import Any

import pytest

from plateguard.config import Settings, SharingSettings
from plateguard.errors import ConfigurationError, Forbidden
from plateguard.sharing.models import RequesterKind
from plateguard.sharing.recipients import (
    alert_target_refusal,
    check_alert_recipients,
    check_recipient,
    recipient_refusal,
)
from plateguard.sharing.rules import Verdict, rule_on

HOME = "Manteca Police Department"
DA = "San Joaquin County District Attorney"
RENO = "Reno Police Department"
TOWING = "Acme Towing"
FBI = "FBI Sacramento"
LIBRARY = "Manteca Public Library"
PARTNERS = [
    {"name": DA, "state": "CA", "kind": "prosecutor"},
    {"name": RENO, "state": "NV", "kind": "law_enforcement"},
    {"name": TOWING, "state": "CA", "kind": "private"},
    {"name": FBI, "state": "CA", "kind": "federal"},
    {"name": LIBRARY, "state": "CA", "kind": "other_public"},
]
HOOK = "https://hooks.example/alpr"


def settings(**alerts: Any) -> Settings:
    return Settings.model_validate({"sharing": {"partners": PARTNERS}, "alerts": alerts})


def test_verdicts_keep_the_names_stored_with_release_requests() -> None:
    assert [v.value for v in Verdict] == ["allowed", "refused", "public_records"]


def test_the_state_is_read_without_case_or_spaces() -> None:
    assert rule_on(kind=RequesterKind.PROSECUTOR, state=" ca ", sharing=SharingSettings()).verdict is (
        Verdict.ALLOWED
    )


def test_an_allowed_requester_gets_no_rule_and_each_refusal_names_its_own() -> None:
    default = SharingSettings()
    assert rule_on(kind=RequesterKind.LAW_ENFORCEMENT, state="CA", sharing=default).rule == ""
    federal = rule_on(kind=RequesterKind.FEDERAL, state="CA", sharing=default)
    private = rule_on(kind=RequesterKind.PRIVATE, state="CA", sharing=default)
    foreign = rule_on(kind=RequesterKind.LAW_ENFORCEMENT, state="NV", sharing=default)
    assert "federal agencies" in federal.rule and "private person" not in federal.rule
    assert "private person or company" in private.rule
    assert "(NV)" in foreign.rule and "allowed states: CA" in foreign.rule


def test_configured_states_decide_which_out_of_state_agencies_may_receive() -> None:
    wider = SharingSettings(allowed_states=("CA", "NV"))
    assert rule_on(kind=RequesterKind.LAW_ENFORCEMENT, state="NV", sharing=wider).verdict is Verdict.ALLOWED
    refused = rule_on(kind=RequesterKind.LAW_ENFORCEMENT, state="AZ", sharing=wider)
    assert refused.verdict is Verdict.REFUSED and "allowed states: CA, NV" in refused.rule
    # Federal and private requesters stay refused whatever the states allow.
    assert rule_on(kind=RequesterKind.FEDERAL, state="NV", sharing=wider).verdict is Verdict.REFUSED
    assert rule_on(kind=RequesterKind.PRIVATE, state="NV", sharing=wider).verdict is Verdict.REFUSED


def test_a_kind_given_as_text_is_ruled_like_the_kind() -> None:
    ruling = rule_on(kind="federal", state="CA", sharing=SharingSettings())  # type: ignore[arg-type]
    assert ruling.verdict is Verdict.REFUSED


@pytest.mark.parametrize(
    "agency, refusal",
    [
        ("", None),
        ("   ", None),
        (HOME, None),
        (f"  {HOME} ", None),
        (DA, None),
        (RENO, "out-of-state"),
        (TOWING, "private person"),
        (FBI, "federal agencies"),
        (LIBRARY, "public-records"),
        ("Stockton Police Department", "neither the home agency nor a sharing partner"),
        ("manteca police department", "neither the home agency nor a sharing partner"),
    ],
)
def test_which_agency_may_receive_data(agency: str, refusal: str | None) -> None:
    found = recipient_refusal(settings(), agency)
    if refusal is None:
        assert found is None
    else:
        assert found is not None and refusal in found and found.startswith(f"'{agency}' ")


def test_a_refusal_names_the_agency() -> None:
    assert recipient_refusal(settings(), RENO) == (
        f"'{RENO}' may not receive ALPR data: "
        + rule_on(kind=RequesterKind.LAW_ENFORCEMENT, state="NV", sharing=SharingSettings()).rule
    )
    assert recipient_refusal(settings(), "Nobody") == (
        "'Nobody' is neither the home agency nor a sharing partner in sharing.partners"
    )


def test_check_recipient_names_the_receiving_agency_or_refuses() -> None:
    assert check_recipient(settings(), "") == HOME
    assert check_recipient(settings(), f" {DA} ") == DA
    with pytest.raises(Forbidden, match="out-of-state"):
        check_recipient(settings(), RENO)
    with pytest.raises(Forbidden, match="neither the home agency"):
        check_recipient(settings(), "Nobody")


def test_start_up_refuses_any_alert_recipient_of_an_agency_that_may_not_receive() -> None:
    check_alert_recipients(settings(webhooks=[{"url": HOOK}, {"url": "https://da.example/x", "agency": DA}]))
    hooks = [{"url": HOOK}, {"url": "https://reno.example/x", "agency": RENO}]
    with pytest.raises(ConfigurationError, match=r"alerts\.webhooks\[1\] \(https://reno\.example/x\)"):
        check_alert_recipients(settings(webhooks=hooks))
    mail = {"smtp_host": "mail.example", "recipients": ["desk@reno.example"], "agency": RENO}
    with pytest.raises(ConfigurationError, match=r"alerts\.email\.recipients: .*out-of-state"):
        check_alert_recipients(settings(email=mail))


def test_mail_settings_that_send_nothing_are_not_checked() -> None:
    check_alert_recipients(
        settings(email={"smtp_host": "", "recipients": ["a@reno.example"], "agency": RENO})
    )
    check_alert_recipients(settings(email={"smtp_host": "mail.example", "recipients": [], "agency": RENO}))
    check_alert_recipients(settings(email={"smtp_host": "mail.example", "recipients": ["a@da.example"]}))


def test_at_send_time_the_target_must_still_be_configured_and_allowed() -> None:
    mail = {"smtp_host": "mail.example", "recipients": ["desk@da.example"], "agency": DA}
    now = settings(webhooks=[{"url": HOOK}, {"url": "https://reno.example/x", "agency": RENO}], email=mail)
    assert alert_target_refusal(now, "webhook", HOOK) is None
    assert "out-of-state" in (alert_target_refusal(now, "webhook", "https://reno.example/x") or "")
    assert alert_target_refusal(now, "webhook", "https://gone.example/x") == (
        "https://gone.example/x is no longer a configured alert recipient; not sent"
    )
    assert alert_target_refusal(now, "email", "desk@da.example") is None
    assert "no longer a configured" in (alert_target_refusal(now, "email", "other@da.example") or "")
    # A mailbox is never looked up among the webhooks, nor a webhook among the mailboxes.
    assert "no longer a configured" in (alert_target_refusal(now, "email", HOOK) or "")
    assert "no longer a configured" in (alert_target_refusal(now, "webhook", "desk@da.example") or "")


def test_at_send_time_mail_to_a_partner_that_lost_its_right_is_refused() -> None:
    mail = {"smtp_host": "mail.example", "recipients": ["desk@reno.example"], "agency": RENO}
    assert "out-of-state" in (alert_target_refusal(settings(email=mail), "email", "desk@reno.example") or "")
    stopped = {**mail, "smtp_host": ""}
    assert "no longer a configured" in (
        alert_target_refusal(settings(email=stopped), "email", "desk@reno.example") or ""
    )
