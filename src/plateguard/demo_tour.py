"""The short tour `plateguard demo` prints: an alert, its verification, a search, a canvass, the access log.

The steps name real demo data (the hotlisted plate, its vehicle, an address point), read back from the
data directory the demo just filled, so each step works as printed.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from sqlalchemy import select

from plateguard.access_log.guard import system_scope
from plateguard.config import Settings
from plateguard.database import make_engine, make_session_factory, transaction
from plateguard.hotlists.models import Hotlist, HotlistEntry

BOLO_LIST = "Department BOLO"
CANVASS_ADDRESS = "100 N Main St"
TOUR_CASE = "26-004711"
TOUR_PURPOSE = "Criminal investigation"


@dataclass(frozen=True)
class TourFacts:
    plate: str
    reason: str
    vehicle: str

    @property
    def partial(self) -> str:
        return self.plate[:3] + "*"


@dataclass(frozen=True)
class TourStep:
    title: str
    who: str
    text: str


def tour_facts(settings: Settings) -> TourFacts:
    """The exact (not wildcard) entry of the demo BOLO list: the plate the tour follows."""
    engine = make_engine(settings.resolved_database_url)
    try:
        with transaction(make_session_factory(engine)) as session, system_scope(session, "demo tour"):
            entry = session.scalars(
                select(HotlistEntry)
                .join(Hotlist, Hotlist.id == HotlistEntry.hotlist_id)
                .where(Hotlist.name == BOLO_LIST, HotlistEntry.is_wildcard.is_(False))
            ).one()
            return TourFacts(entry.plate, entry.reason, entry.vehicle_description)
    finally:
        engine.dispose()


def tour(facts: TourFacts) -> list[TourStep]:
    return [
        TourStep(
            "Alert",
            "officer",
            f"Open Alerts (a red banner also announces new hits on every page) and click plate {facts.plate}"
            f" on {BOLO_LIST}: the plate crop, the overview of the {facts.vehicle} and the reason"
            f" '{facts.reason}' are beside the verification form.",
        ),
        TourStep(
            "Verification",
            "officer",
            "On that alert choose Yes (plate and state match), CLETS result 'confirmed', outcome"
            " 'enforcement taken' and Record verification: the status becomes closed. Recording"
            " enforcement before both checks is refused (Policy 460.3(f)).",
        ),
        TourStep(
            "Search",
            "detective",
            f"Search reads: plate {facts.partial}, Match 'Partial (wildcards)', purpose '{TOUR_PURPOSE}',"
            f" case {TOUR_CASE}: every read of {facts.plate} and its look-alikes, on the map and in the"
            " table.",
        ),
        TourStep(
            "Canvass",
            "detective",
            f"Search reads again with an empty plate, address '{CANVASS_ADDRESS}', radius 1000,"
            f" the same purpose and case: the reads near that address; the map shows the cameras,"
            " the address points and the 1 km circle.",
        ),
        TourStep(
            "Access log",
            "auditor",
            "Open Access log: the officer's alerts.verify and the detective's searches are there, each with"
            " the user, the exact query, the number of results, the purpose and the case number.",
        ),
    ]


def tour_lines(settings: Settings, width: int = 100) -> list[str]:
    """The numbered steps, each wrapped to ``width`` with its continuation lines indented."""
    lines: list[str] = []
    for number, step in enumerate(tour(tour_facts(settings)), 1):
        text = f"{number}. {step.title} (sign in as {step.who}): {step.text}"
        lines += textwrap.wrap(text, width=width, subsequent_indent="   ")
    return lines
