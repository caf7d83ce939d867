"""The demo data a newcomer meets: pictures for every read, one vehicle per plate, an untrained user, and a
list kept up to date from a file whose newest file the refresh refused."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy import select

from plateguard import demo
from plateguard.access_log.guard import system_scope
from plateguard.accounts import service as account_service
from plateguard.accounts import training
from plateguard.database import make_engine, make_session_factory, transaction
from plateguard.demo_refresh import REGIONAL_LIST
from plateguard.hotlists import refresh
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import Hotlist
from plateguard.reads.images import image_path
from plateguard.reads.models import PlateRead
from tests.conftest import agency_today


def test_every_demo_read_has_pictures_one_vehicle_per_plate_and_a_recruit_is_untrained(
    tmp_path: Path,
) -> None:
    settings, logins = demo.build(tmp_path / "demo")
    engine = make_engine(settings.resolved_database_url)
    with transaction(make_session_factory(engine)) as session:
        with system_scope(session, "test"):
            reads = list(session.scalars(select(PlateRead)))
        assert len(reads) >= 240
        vehicles: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
        for read in reads:
            assert read.plate_image_sha256 and read.overview_image_sha256, read.plate_text
            overview = image_path(settings.images_dir, read.overview_image_sha256).read_bytes()
            assert overview.startswith(b"\xff\xd8")  # a JPEG picture of the scene
            vehicle = {key: str(read.vehicle.get(key)) for key in ("make", "model", "color")}
            vehicles[read.plate_normalized].add((vehicle["make"], vehicle["model"], vehicle["color"]))
        assert all(len(seen) == 1 for seen in vehicles.values())
        assert len({v for seen in vehicles.values() for v in seen}) > 5  # not one car for every plate
        recruit = account_service.get_by_username(session=session, username="recruit")
        officer = account_service.get_by_username(session=session, username="officer")
        assert recruit is not None and officer is not None
        assert training.training_gaps(session=session, user=recruit, today=agency_today())
        assert not training.training_gaps(session=session, user=officer, today=agency_today())
        [notice] = refresh.open_notices(session=session)
        assert notice.kind == "stale"
        assert notice.message.startswith(f"{REGIONAL_LIST}: the file holds 11 entries and the list 40")
        regional = session.scalars(select(Hotlist).where(Hotlist.name == REGIONAL_LIST)).one()
        assert hotlist_service.entry_count(session=session, hotlist=regional) == 40, "the loaded list stays"
        assert regional.refresh_path == str(settings.data_dir.resolve() / "hotfiles" / "regional-stolen.csv")
    engine.dispose()
    assert {login.username for login in logins} >= {"recruit", "officer", "detective", "auditor"}
