"""A read of a hotlisted plate arriving through an ingest door raises its alert in the same transaction."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.alerts.models import Alert
from plateguard.hotlists.models import HotlistSource
from tests.hotlists.conftest import make_list, stolen
from tests.ingest.conftest import a_read


def alerts_for(db: Session, plate: str) -> list[Alert]:
    from plateguard.reads.models import PlateRead

    with system_scope(db, "test"):
        return list(db.scalars(select(Alert).join(PlateRead).where(PlateRead.plate_normalized == plate)))


def test_http_read_of_a_hotlisted_plate_raises_an_alert(device: TestClient, db: Session) -> None:
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("6TRJ244"))
    response = device.post("/api/v1/reads", json={"reads": [a_read("6TRJ244"), a_read("7ABC123")]})
    assert response.status_code == 200, response.text
    [alert] = alerts_for(db, "6TRJ244")
    assert alert.match_kind == "exact"
    assert alerts_for(db, "7ABC123") == []


def test_a_resent_read_raises_no_second_alert(device: TestClient, db: Session) -> None:
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("6TRJ244"))
    read = a_read("6TRJ244")
    device.post("/api/v1/reads", json=read)
    device.post("/api/v1/reads", json=read)
    assert len(alerts_for(db, "6TRJ244")) == 1
