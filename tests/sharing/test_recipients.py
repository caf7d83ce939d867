"""Alert webhooks and mailboxes belong to an allowed agency: checked at start-up and at send time."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.alerts import delivery
from plateguard.config import Settings
from plateguard.errors import ConfigurationError
from plateguard.hotlists.models import HotlistSource
from plateguard.main import create_app
from tests.alerts.test_delivery import (  # noqa: F401
    Ingest,
    Receiver,
    configured,
    deliveries,
    factory_for,
    ingest,
    webhook,
)
from tests.hotlists.conftest import make_list, stolen

PARTNERS = [
    {"name": "San Joaquin County District Attorney", "state": "CA", "kind": "prosecutor"},
    {"name": "Reno Police Department", "state": "NV", "kind": "law_enforcement"},
    {"name": "Acme Towing", "state": "CA", "kind": "private"},
]


def with_partners(settings: Settings, **alerts: object) -> Settings:
    base = configured(settings, **alerts)
    sharing = {**base.sharing.model_dump(), "partners": PARTNERS}
    return Settings.model_validate({**base.model_dump(), "sharing": sharing})


@pytest.mark.parametrize(
    "agency, refused",
    [
        ("", None),
        ("San Joaquin County District Attorney", None),
        ("Reno Police Department", "out-of-state"),
        ("Acme Towing", "private"),
        ("Unregistered Sheriff", "neither the home agency nor a sharing partner"),
    ],
)
def test_start_up_refuses_a_webhook_of_an_agency_that_may_not_receive_data(
    settings: Settings, agency: str, refused: str | None
) -> None:
    chosen = with_partners(settings, webhooks=[{"url": "https://hooks.example/alpr", "agency": agency}])
    if refused is None:
        create_app(chosen)
        return
    with pytest.raises(ConfigurationError, match=refused):
        create_app(chosen)


def test_start_up_refuses_mailboxes_of_a_foreign_agency(settings: Settings) -> None:
    mail = {"smtp_host": "127.0.0.1", "recipients": ["tips@fbi.example"], "agency": "FBI Sacramento"}
    with pytest.raises(ConfigurationError, match=r"alerts\.email\.recipients"):
        create_app(with_partners(settings, email=mail))


def test_a_recipient_dropped_from_the_configuration_is_refused_at_send_time(
    db: Session,
    settings: Settings,
    ingest: Ingest,  # noqa: F811
    webhook: Receiver,  # noqa: F811
) -> None:
    partner = "San Joaquin County District Attorney"
    allowed = with_partners(settings, webhooks=[{"url": webhook.url, "agency": partner}])
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    ingest(allowed)
    ingest(allowed, plate="7ABC123")
    # The partnership ended between the alert and its sending: the partner is no longer configured.
    ended = Settings.model_validate(
        {**allowed.model_dump(), "sharing": {**allowed.sharing.model_dump(), "partners": []}}
    )
    report = delivery.deliver_due(factory=factory_for(db), settings=ended)
    assert report.sent == 0 and webhook.received == []
    assert all(
        "neither the home agency nor a sharing partner" in (d.last_error or "") for d in deliveries(db)
    )
    sent = delivery.deliver_due(factory=factory_for(db), settings=allowed, now=None)
    assert sent.sent == 0  # waiting for its retry time, not lost
    logged = db.scalars(select(AccessRecord).where(AccessRecord.action == "alerts.delivered")).all()
    assert logged == []
