"""Demo data for the scheduled hotlist refresh: a regional list kept up to date from a file, loaded once
by the real refresh, then refused when its next file holds far fewer entries (as a download cut short
does), which leaves the loaded list live and raises a notice on the Hotlists page."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.service import Actor
from plateguard.config import Settings
from plateguard.database import transaction
from plateguard.hotlists import refresh
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import HotlistSource

REGIONAL_LIST = "Regional stolen vehicles (county share)"
LOADED, CUT_SHORT = 40, 11


def add_refreshed_list(settings: Settings, factory: sessionmaker[Session]) -> None:
    folder = (settings.data_dir / "hotfiles").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "regional-stolen.csv"
    with transaction(factory) as session:
        hotlist_service.create(
            session=session,
            actor=Actor.system(settings.agency.name, "demo"),
            name=REGIONAL_LIST,
            source=HotlistSource.DEPARTMENT,
            description="Fetched every hour from the county's shared folder (in the demo, a file in "
            "DATA_DIR/hotfiles)",
            file_format="csv",
            refresh_path=str(source),
        )
    for rows in (LOADED, CUT_SHORT):
        source.write_text(hot_file(rows), encoding="utf-8")
        refresh.refresh_all(factory=factory, organisation=settings.agency.name, zone=settings.agency.timezone)


def hot_file(rows: int) -> str:
    lines = ["plate,state,category,reason"]
    lines += [f"8RGN{n:03d},CA,stolen_vehicle,Stolen vehicle (county report)" for n in range(rows)]
    return "\n".join(lines) + "\n"
