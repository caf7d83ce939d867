"""The state and federal layouts: the FBI's NCIC LPR extract (fixed width, and its comma form) and the
California DOJ CLEW files (reference: shared/reference/hotlist-formats.md §1, §2 and §8)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PureWindowsPath

from plateguard.hotlists.models import HotlistCategory as C
from plateguard.hotlists.parsed import (
    DUMMY_PLATES,
    MAX_RECORD_ID,
    HotFileError,
    ParsedEntry,
    ParsedFile,
    blank_row,
    check_ymd,
    checked_length,
    checked_plate,
    csv_rows,
    placeholder_reason,
)
from plateguard.hotlists.states import from_ncic
from plateguard.reads.plates import normalize_plate

NCIC_CATEGORIES = {
    "V": C.STOLEN_VEHICLE,
    "P": C.STOLEN_PLATE,
    "W": C.WANTED_PERSON,
    "M": C.MISSING_PERSON,
    "R": C.STOLEN_VEHICLE,
}
NCIC_LABELS = {
    "V": "Stolen vehicle (NCIC)",
    "P": "Stolen plate (NCIC)",
    "W": "Wanted person (NCIC)",
    "M": "Missing person (NCIC)",
    "C": "Supervised release (NCIC)",
    "H": "Protection order (NCIC)",
    "K": "Protective interest (NCIC)",
    "L": "Violent person (NCIC)",
    "R": "Canadian stolen vehicle/plate (CPIC)",
    "T": "Gang / threat screening (NCIC)",
    "X": "Sex offender registry (NCIC)",
    "N": "Immigration violator (NCIC)",
    "B": "Boat (NCIC)",
}
CLEW_CATEGORIES = {"svs": C.STOLEN_VEHICLE, "sfr": C.FELONY_VEHICLE, "slr": C.STOLEN_PLATE}


def _ncic_record(line: int, nic: str, plate: str, lis: str, date: str, vehicle: str) -> ParsedEntry | None:
    letter = nic[:1].upper()
    if len(nic) == 10 and nic[:2].isdigit():  # Washington: two-character prefix before the letter
        letter = nic[2].upper()
    if not letter.isalpha():
        raise HotFileError(line, f"record id {nic!r} does not start with a category letter")
    raw_plate, plate = plate, normalize_plate(plate)
    if plate in DUMMY_PLATES:
        return None
    check_ymd(date, line)
    return ParsedEntry(
        plate=checked_plate(line, plate, raw_plate),
        state=from_ncic(lis),
        category=NCIC_CATEGORIES.get(letter, C.OTHER),
        reason=NCIC_LABELS.get(letter, f"NCIC record {letter}"),
        vehicle_description=" ".join(vehicle.split()),
        record_id=checked_length(line, "record id", nic.strip(), MAX_RECORD_ID) or None,
        line=line,
    )


def parse_ncic_fixed(lines: list[str]) -> ParsedFile:
    """FBI NCIC LPR extract (VEHEXTRT), fixed width; also PA, NC, WA, MI, NJ re-issues."""
    result = ParsedFile()
    for number, text in enumerate(lines, start=1):
        if (number == 1 and not _record_shaped(text)) or not text.strip():
            continue
        if len(text) < 29:
            raise HotFileError(number, f"line is {len(text)} characters; an NCIC record needs at least 29")
        entry = _ncic_record(
            number,
            text[0:10],
            text[27:37],
            text[37:39],
            text[19:27],
            " ".join((text[45:49], text[49:53], text[53:56], text[56:58], text[58:65])),
        )
        if entry is None:
            result.skip(number, placeholder_reason(text[27:37]))
        else:
            result.entries.append(entry)
    return result


def _record_shaped(text: str) -> bool:
    """Line 1 is a header in the FBI's, PA's, NC's and WA's files but the first record in MI's and NJ's:
    it is read as a record when it has a record's shape (a date or none, and a state), so a first record is
    never dropped unseen (one without a plate is listed as skipped, as any other would be)."""
    date, state = text[19:27].strip(), text[37:39]
    dated = not date or (len(date) == 8 and date.isdigit())
    return dated and len(state) == 2 and state.isalnum()


def parse_ncic_csv(lines: list[str]) -> ParsedFile:
    """NCIC extract, comma form: 11 columns (Texas, no LIT) or 12 (Minnesota, Kansas; header allowed)."""
    result = ParsedFile()
    for number, row in csv_rows(lines):
        if blank_row(result, number, row):
            continue
        if number == 1 and not (len(row) > 2 and re.fullmatch(r"\d{8}", row[2].strip())):
            continue  # Minnesota-style header line
        if len(row) not in (11, 12):
            raise HotFileError(number, f"{len(row)} columns; the NCIC comma form has 11 or 12")
        vehicle = " ".join(row[-5:])
        entry = _ncic_record(number, row[0].strip(), row[3], row[4].strip(), row[2], vehicle)
        if entry is None:
            result.skip(number, placeholder_reason(row[3]))
        else:
            result.entries.append(entry)
    return result


def parse_clew(lines: list[str], *, file_name: str) -> ParsedFile:
    """California DOJ CLEW hot files svs.tbl / sfr.tbl / slr.tbl: DATE header, TOTAL RECORD trailer."""
    stem = PureWindowsPath(file_name).name.lower().partition(".")[0]  # either slash separates folders
    category = CLEW_CATEGORIES.get(stem, C.STOLEN_VEHICLE)
    result, total = ParsedFile(), None
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        if number == 1 and text.startswith("DATE"):
            try:
                stamp = dt.datetime.strptime(text[4:].strip(), "%m/%d/%Y %H:%M")
                result.file_date = stamp.replace(tzinfo=dt.UTC)
            except ValueError:
                raise HotFileError(number, f"header {text!r} is not DATEMM/DD/YYYY HH:MM") from None
            continue
        if text.startswith("TOTAL RECORD"):
            total = _clew_total(number, text)
            continue
        if total is not None:
            raise HotFileError(number, "record after the TOTAL RECORD trailer")
        result.entries.append(_clew_record(number, text, category))
    if total is None:
        raise HotFileError(len(lines), "no TOTAL RECORD trailer: the file looks truncated")
    if total != len(result.entries):
        raise HotFileError(
            len(lines), f"trailer says {total} records but the file holds {len(result.entries)}"
        )
    return result


def _clew_total(number: int, text: str) -> int:
    digits = text.removeprefix("TOTAL RECORD").strip()
    if not digits.isdigit():
        raise HotFileError(number, f"trailer {text!r} has no record count")
    return int(digits)


def _clew_record(number: int, text: str, category: C) -> ParsedEntry:
    # The last 12 characters are state(2) + county(2) + date(8); the plate is everything before them.
    if not re.fullmatch(r"[A-Z0-9]{2}\d{2}\d{8}", text[-12:]):
        raise HotFileError(number, "a record needs plate, state, 2-digit county and date YYYYMMDD")
    check_ymd(text[-8:], number)
    plate = normalize_plate(text[:-12])
    if not plate:
        raise HotFileError(number, "record has no plate")
    return ParsedEntry(
        plate=checked_plate(number, plate, text[:-12]),
        state=from_ncic(text[-12:-10]),
        category=category,
        reason=f"{category.label} (CA DOJ, county {text[-10:-8]})",
        line=number,
    )
