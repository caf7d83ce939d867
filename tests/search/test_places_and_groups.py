"""Searching by camera group and canvassing around an address point; loading address points."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from plateguard.accounts.models import User
from plateguard.cli import app
from plateguard.config import Settings
from plateguard.errors import InvalidInput, NotFound
from plateguard.places import service as places
from tests.conftest import TEST_ACTOR, sign_in
from tests.search.conftest import MAIN_ST, Scene, last_record
from tests.search.test_search import plates, run

ADDRESSES = f"""OBJECTID,FULLADDR,CITY,LAT,LON
1,100 N Main St.,Manteca,{MAIN_ST[0] + 0.0005},{MAIN_ST[1]}
2,1001 W Center St,Manteca,37.7974,-121.2225
""".encode()


def test_a_camera_group_limits_the_search_to_its_cameras(
    db: Session, investigator: User, scene: Scene
) -> None:
    scene.airport_way.group_name = "North"
    db.flush()
    north = run(db, investigator, plate="7ABC123", camera_group="North")
    assert [(r.plate, r.camera_name) for r in north.reads] == [("7ABC123", "Airport Way")]
    assert run(db, investigator, plate="7ABC123", camera_group="Downtown").total == 0
    assert last_record(db).query["camera_group"] == "Downtown"


def test_a_canvass_around_an_address_uses_its_point_and_records_both(
    db: Session, investigator: User, scene: Scene
) -> None:
    assert places.import_csv(session=db, actor=TEST_ACTOR, data=ADDRESSES, source="County GIS").added == 2
    page = run(db, investigator, radius={"address": "100 n main st", "metres": 500})
    assert set(plates(page)) == {"7ABC123", "7A8C123", "7ABC12", "5KX9000"}  # the Main St camera's reads
    radius = last_record(db).query["radius"]
    assert radius["address"] == "100 N Main St." and radius["center"]["latitude"] == pytest.approx(
        MAIN_ST[0] + 0.0005
    )


def test_an_unknown_address_is_refused_naming_the_closest_on_file(
    db: Session, investigator: User, scene: Scene
) -> None:
    places.import_csv(session=db, actor=TEST_ACTOR, data=ADDRESSES, source="County GIS")
    with pytest.raises(NotFound) as refused:
        run(db, investigator, radius={"address": "100 Main", "metres": 500})
    assert refused.value.field == "address" and "did you mean: 100 N Main St." in refused.value.message


def test_reimporting_updates_points_and_a_bad_line_changes_nothing(db: Session) -> None:
    places.import_csv(session=db, actor=TEST_ACTOR, data=ADDRESSES, source="County GIS")
    moved = b"address,latitude,longitude\n100 N MAIN ST,37.9,-121.3\n9 New Rd,37.8,-121.2\n"
    assert places.import_csv(
        session=db, actor=TEST_ACTOR, data=moved, source="update"
    ) == places.ImportReport(added=1, updated=1)
    assert places.locate(session=db, address="100 n main st").latitude == 37.9
    bad = b"address,latitude,longitude\n1 Good St,37.8,-121.2\n2 Bad St,north,-121.2\n"
    with pytest.raises(InvalidInput, match="line 3: latitude and longitude must be numbers"):
        places.import_csv(session=db, actor=TEST_ACTOR, data=bad, source="bad")
    assert places.count(session=db) == 3
    with pytest.raises(InvalidInput, match="needs a column named one of: latitude"):
        places.import_csv(session=db, actor=TEST_ACTOR, data=b"address,x_coord\n1 A St,1\n", source="bad")


def test_the_search_form_canvasses_around_an_address(
    client: TestClient, db: Session, investigator: User, scene: Scene
) -> None:
    places.import_csv(session=db, actor=TEST_ACTOR, data=ADDRESSES, source="County GIS")
    scene.main_st.group_name = "Downtown"
    db.flush()
    sign_in(client, "priya")
    form = {
        "address": "100 N Main St",
        "radius_m": "500",
        "camera_group": "Downtown",
        "purpose": "Criminal investigation",
        "case_number": "24-001234",
    }
    page = client.get("/reads/search", params=form, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "5KX9000" in page.text and "8XYZ999" not in page.text
    assert '<option value="Downtown" selected>' in page.text
    missing = client.get("/reads/search", params={**form, "radius_m": ""}, headers={"Accept": "text/html"})
    assert missing.status_code == 422 and "radius in meters around the address" in missing.text


def test_places_import_command(tmp_path: Path, settings: Settings) -> None:
    from plateguard import bootstrap

    bootstrap.prepare(
        settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'places.sqlite3'}"})
    )
    file = tmp_path / "addresses.csv"
    file.write_bytes(ADDRESSES)
    env = {"PLATEGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'places.sqlite3'}"}
    done = CliRunner().invoke(app, ["places", "import", str(file), "--data-dir", str(tmp_path)], env=env)
    assert done.exit_code == 0, done.output
    assert "2 address points added, 0 updated." in done.output


def test_the_map_gets_the_address_points_inside_its_view_only(  # type: ignore[no-untyped-def]
    client: TestClient, db: Session, investigator: User, trained
) -> None:
    from plateguard.accounts.roles import Role

    places.import_csv(session=db, actor=TEST_ACTOR, data=ADDRESSES, source="County GIS")
    trained("records", Role.RECORDS_CUSTODIAN)
    db.commit()
    sign_in(client, "priya")
    view = {"south": 37.79, "west": -121.22, "north": 37.80, "east": -121.21}  # around Main St only

    def ask(**box: float) -> object:
        return client.get("/api/places/address-points", params=box, headers={"Accept": "application/json"})

    found = ask(**view)
    assert found.status_code == 200  # type: ignore[attr-defined]
    assert [p["address"] for p in found.json()["points"]] == ["100 N Main St."]  # type: ignore[attr-defined]
    wide = ask(**{**view, "south": 37.0, "north": 38.0}).json()  # type: ignore[attr-defined]
    assert wide == {"points": [], "zoom_in": True}  # a county-wide view lists nothing: zoom in
    upside_down = ask(**{**view, "south": 37.81})
    assert upside_down.status_code == 422  # type: ignore[attr-defined]
    off_the_globe = ask(**{**view, "north": 91})
    assert off_the_globe.status_code == 422 and "north" in off_the_globe.text  # type: ignore[attr-defined]
    sign_in(client, "records")  # a records custodian does not search reads, nor their map
    assert ask(**view).status_code == 403  # type: ignore[attr-defined]
