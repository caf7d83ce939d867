"""The investigation pages and API through HTTP: permissions, refusals, exports and audited images."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.config import Settings, SharingPartner
from tests.conftest import MakeUser, Trained, sign_in
from tests.search.conftest import MAIN_ST, Scene, last_record

HTML = {"Accept": "text/html"}
WHY = {"purpose": "Criminal investigation", "case_number": "24-001234"}


def test_search_page_shows_results_with_map_points_and_links(
    client: TestClient, db: Session, investigator: User, scene: Scene
) -> None:
    sign_in(client, "priya")
    form = client.get("/reads/search", headers=HTML)
    assert form.status_code == 200
    assert 'id="map"' in form.text and "Criminal investigation" in form.text
    params = {"plate": "7AB?12?", "match": "partial", **WHY}
    page = client.get("/reads/search", params=params, headers=HTML)
    assert page.status_code == 200, page.text
    assert "2 reads found" in page.text
    assert page.text.count("Open read") == 2
    assert "/images/plate?purpose=Criminal" in page.text  # the thumbnail goes through the audited route
    points = page.text.split('id="map-points">', 1)[1].split("</script>", 1)[0]
    assert {point["plate"] for point in json.loads(points)} == {"7ABC123"}
    assert last_record(db).query["plate"] == "7AB?12?"


def test_search_page_refuses_a_missing_case_number_naming_it(
    client: TestClient, investigator: User, scene: Scene
) -> None:
    sign_in(client, "priya")
    page = client.get(
        "/reads/search", params={"plate": "7ABC123", "purpose": "Criminal investigation"}, headers=HTML
    )
    assert page.status_code == 422
    assert "case or incident number" in page.text
    api = client.post(
        "/api/reads/search",
        json={"purpose": "Criminal investigation", "query": {"plate": "7ABC123"}},
        headers={"X-CSRF-Token": sign_in(client, "priya")},
    )
    assert api.status_code == 422
    assert api.json()["error"]["field"] == "case_number"


def test_api_search_returns_json(client: TestClient, investigator: User, scene: Scene) -> None:
    csrf = sign_in(client, "priya")
    body = {
        **WHY,
        "query": {"radius": {"center": {"latitude": MAIN_ST[0], "longitude": MAIN_ST[1]}, "metres": 200}},
    }
    response = client.post("/api/reads/search", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    assert response.json()["total"] == 4


def test_exports_are_recorded_with_their_purpose(
    client: TestClient, db: Session, investigator: User, scene: Scene
) -> None:
    csrf = sign_in(client, "priya")
    form = {"csrf_token": csrf, "plate": "7ABC123", "match": "exact", "format": "csv", **WHY}
    response = client.post("/reads/export", data=form)
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["plate"] for row in rows] == ["7ABC123", "7ABC123"]
    record = last_record(db)
    assert (record.action, record.result_count, record.purpose, record.case_number) == (
        "reads.export",
        2,
        "Criminal investigation",
        "24-001234",
    )
    assert record.query["format"] == "csv" and record.query["plate"] == "7ABC123"

    geojson = client.post(
        "/api/reads/export",
        json={**WHY, "format": "geojson", "query": {"region": "NV"}},
        headers={"X-CSRF-Token": csrf},
    )
    features = geojson.json()["features"]
    assert features[0]["properties"]["plate"] == "8XYZ999"
    assert features[0]["geometry"]["type"] == "Point"
    assert last_record(db).query == {
        "format": "geojson",
        "recipient": "Manteca Police Department",  # none named: the home agency
        "region": "us-nv",
        "match": "exact",
        "camera_ids": [],
    }


PARTNERS = [
    {"name": "San Joaquin County District Attorney", "state": "CA", "kind": "prosecutor"},
    {"name": "Reno Police Department", "state": "NV", "kind": "law_enforcement"},
]


@pytest.mark.parametrize(
    "recipient, status, recorded",
    [
        ("San Joaquin County District Attorney", 200, "ok"),
        ("Reno Police Department", 403, "out-of-state"),
        ("Acme Towing", 403, "neither the home agency nor a sharing partner"),
    ],
)
def test_an_export_names_its_recipient_and_the_sharing_rules_decide(  # type: ignore[no-untyped-def]
    app_factory,
    settings: Settings,
    db: Session,
    investigator: User,
    scene: Scene,
    recipient,
    status,
    recorded,
) -> None:
    sharing = settings.sharing.model_copy(update={"partners": [SharingPartner(**p) for p in PARTNERS]})
    with TestClient(app_factory(sharing=sharing), raise_server_exceptions=False) as client:
        form = {"csrf_token": sign_in(client, "priya"), "plate": "7ABC123", "format": "csv", **WHY}
        response = client.post("/reads/export", data={**form, "recipient": recipient}, headers=HTML)
    assert response.status_code == status
    if status == 200:
        assert last_record(db).query["recipient"] == recipient
        assert len(list(csv.DictReader(io.StringIO(response.text)))) == 2
    else:
        assert recorded in response.text  # the rule that refused it, and no file
        assert "text/csv" not in response.headers["content-type"]


def test_operators_may_search_but_not_export(client: TestClient, trained: Trained, scene: Scene) -> None:
    trained("olivia", Role.OPERATOR)
    csrf = sign_in(client, "olivia")
    assert client.get("/reads/search", params={"plate": "7ABC123", **WHY}, headers=HTML).status_code == 200
    refused = client.post(
        "/api/reads/export", json={**WHY, "query": {"plate": "7ABC123"}}, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status_code == 403


def test_untrained_or_unauthorised_users_cannot_search(
    client: TestClient, make_user: MakeUser, trained: Trained, scene: Scene
) -> None:
    make_user("untrained", Role.INVESTIGATOR)
    sign_in(client, "untrained")
    refused = client.get("/reads/search")
    assert refused.status_code == 403
    assert "training" in refused.json()["error"]["message"]
    assert "training" in client.get("/reads/search", headers=HTML).text
    trained("audrey", Role.AUDITOR)
    sign_in(client, "audrey")
    assert client.get("/reads/search", params={"plate": "7ABC123", **WHY}).status_code == 403


def test_read_detail_and_images_are_served_only_through_audited_routes(
    client: TestClient, db: Session, investigator: User, scene: Scene
) -> None:
    sign_in(client, "priya")
    read_id = scene.reads["7ABC123"][0]
    detail = client.get(f"/reads/{read_id}", params=WHY, headers=HTML)
    assert detail.status_code == 200
    assert "Read 7ABC123" in detail.text and "Main St" in detail.text
    assert last_record(db).action == "reads.view"
    image = client.get(f"/reads/{read_id}/images/plate", params=WHY)
    assert image.status_code == 200
    assert image.content.startswith(b"\x89PNG")
    record = last_record(db)
    assert (record.action, record.query) == ("reads.image", {"read_id": read_id, "image": "plate"})
    assert client.get(f"/reads/{read_id}/images/plate").status_code == 422  # no purpose, no image
    assert client.get(f"/reads/{read_id}/images/overview", params=WHY).status_code == 404


def test_timeline_page(client: TestClient, db: Session, investigator: User, scene: Scene) -> None:
    sign_in(client, "priya")
    page = client.get("/reads/timeline", params={"plate": "7ABC123", **WHY}, headers=HTML)
    assert page.status_code == 200
    assert "Timeline of 7ABC123" in page.text and "2 reads" in page.text
    assert last_record(db).action == "reads.timeline"


def test_seen_near_api(client: TestClient, investigator: User, scene: Scene) -> None:
    csrf = sign_in(client, "priya")
    body = {**WHY, "read_ids": [scene.reads["7ABC123"][0]], "metres": 300, "minutes": 90}
    response = client.post("/api/reads/seen-near", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    assert {c["plate"] for c in response.json()} == {"7A8C123", "5KX9000"}


def test_seen_near_page(client: TestClient, db: Session, investigator: User, scene: Scene) -> None:
    sign_in(client, "priya")
    params = {"read_ids": scene.reads["7ABC123"][0], "minutes": "90", **WHY}
    page = client.get("/reads/seen-near", params=params, headers=HTML)
    assert page.status_code == 200, page.text
    assert "7A8C123" in page.text and "5KX9000" in page.text
    assert last_record(db).action == "reads.seen_near"


def test_a_read_page_without_a_purpose_is_refused_with_a_page_naming_it(
    client: TestClient, investigator: User, scene: Scene
) -> None:
    sign_in(client, "priya")
    page = client.get(f"/reads/{scene.reads['7ABC123'][0]}", headers=HTML)
    assert page.status_code == 422
    assert "purpose" in page.text.lower()
