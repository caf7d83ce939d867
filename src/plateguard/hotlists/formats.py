"""Parsers for real hot-file layouts (see docs/hotlists-and-alerts.md for each one).

Every parser reads the whole file before anything is stored. Header and trailer lines that belong to a
format are recognised; rows that real files carry and vendors skip (blank plates, comma-only rows,
dummy plates, plates with no letters or digits) are listed as skipped with their line number and reason,
so the importer sees each one before the list is replaced; any other malformed line (a CSV row whose
columns do not match the header among them) raises ``HotFileError`` naming the line number and the
reason, and the import stores nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from plateguard.errors import InvalidInput
from plateguard.hotlists.models import HotlistCategory as C
from plateguard.hotlists.states import from_ncic, from_region_or_usps
from plateguard.reads.plates import normalize_plate

DUMMY_PLATES = frozenset({"", "0", "00", "190", "UNKNOWN", "NONE", "NOTAG", "TEMP", "NOPLATE"})
WILDCARD_PLATE = re.compile(r"^[A-Z0-9?*]+$")
MAX_PLATE = 10
"""NCIC's plate field (LIC) is 10 characters wide and no North American plate is longer: a longer "plate"
is a file read in the wrong format or with the wrong delimiter, and would never match a read."""
MAX_CASE_NUMBER = 40  # the stored column's width: a longer case number would be cut into another one
MAX_RECORD_ID = 20
# NCIC record category is the first letter of the NIC (reference §8.1); letters not listed are "other".
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


class HotFileError(InvalidInput):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}; nothing was imported", field="file")
        self.line = line
        self.reason = reason


@dataclass
class ParsedEntry:
    plate: str
    state: str | None
    category: C
    reason: str = ""
    vehicle_description: str = ""
    case_number: str | None = None
    record_id: str | None = None
    expires_at: dt.datetime | None = None
    is_wildcard: bool = False
    line: int = 0  # the file line it came from (0: entered by hand)

    @property
    def plate_normalized(self) -> str:
        return wildcard_normalize(self.plate) if self.is_wildcard else normalize_plate(self.plate)


@dataclass(frozen=True)
class SkippedRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ParsedFile:
    entries: list[ParsedEntry] = field(default_factory=list)
    skipped_rows: list[SkippedRow] = field(default_factory=list)
    file_date: dt.datetime | None = None

    @property
    def skipped(self) -> int:
        return len(self.skipped_rows)

    def skip(self, line: int, reason: str) -> None:
        self.skipped_rows.append(SkippedRow(line, reason))


def placeholder_reason(raw_plate: str) -> str:
    """Why a row with no usable plate is skipped, in the words an importer would check the file with."""
    text = raw_plate.strip()
    if not text:
        return "no plate"
    if not normalize_plate(text):
        return f"plate {text!r} has no letters or digits"
    return f"plate {text!r} is a placeholder, not a plate"


def wildcard_normalize(text: str) -> str:
    return re.sub(r"[^A-Z0-9?*]", "", text.upper())


def _ymd(value: str, line: int, what: str) -> dt.datetime | None:
    value = value.strip()
    if not value or set(value) == {"0"}:
        return None
    try:
        return dt.datetime.strptime(value, "%Y%m%d").replace(tzinfo=dt.UTC)
    except ValueError:
        raise HotFileError(line, f"{what} {value!r} is not a date YYYYMMDD") from None


def _iso_date(value: str, line: int, what: str) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HotFileError(line, f"{what} {value!r} is not an ISO date") from None
    if len(value) == 10:  # a date alone: valid to the end of that day
        parsed = parsed + dt.timedelta(days=1)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _ncic_record(line: int, nic: str, plate: str, lis: str, date: str, vehicle: str) -> ParsedEntry | None:
    letter = nic[:1].upper()
    if len(nic) == 10 and nic[:2].isdigit():  # Washington: two-character prefix before the letter
        letter = nic[2].upper()
    if not letter.isalpha():
        raise HotFileError(line, f"record id {nic!r} does not start with a category letter")
    raw_plate, plate = plate, normalize_plate(plate)
    if plate in DUMMY_PLATES:
        return None
    _ymd(date, line, "date")
    return ParsedEntry(
        plate=_checked_plate(line, plate, raw_plate),
        state=from_ncic(lis),
        category=NCIC_CATEGORIES.get(letter, C.OTHER),
        reason=NCIC_LABELS.get(letter, f"NCIC record {letter}"),
        vehicle_description=" ".join(vehicle.split()),
        record_id=_checked_length(line, "record id", nic.strip(), MAX_RECORD_ID) or None,
    )


def _checked_plate(line: int, plate: str, raw: str) -> str:
    if len(plate) > MAX_PLATE:
        raise HotFileError(
            line,
            f"plate {raw.strip()[:40]!r} is {len(plate)} characters long; a plate has at most {MAX_PLATE} "
            "(is the file in the chosen format, with its delimiter?)",
        )
    return plate


def _checked_length(line: int, what: str, value: str, most: int) -> str:
    if len(value) > most:
        raise HotFileError(line, f"{what} {value[:60]!r} is {len(value)} characters long; at most {most}")
    return value


def parse_ncic_fixed(lines: list[str], *, header_lines: int = 1) -> ParsedFile:
    """FBI NCIC LPR extract (VEHEXTRT), fixed width; also PA, NC, WA, MI, NJ re-issues."""
    result = ParsedFile()
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n")
        if number <= header_lines or not text.strip():
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


def csv_rows(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """CSV rows with their line numbers; the csv module's own errors (a field over its 128 KB limit, a
    NUL byte) become a ``HotFileError`` naming the line instead of a traceback."""
    reader = csv.reader(lines)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = f"a field is longer than {csv.field_size_limit() // 1024} KB"
            raise HotFileError(reader.line_num, reason) from None
        yield reader.line_num, row


def parse_ncic_csv(lines: list[str]) -> ParsedFile:
    """NCIC extract, comma form: 11 columns (Texas, no LIT) or 12 (Minnesota, Kansas; header allowed)."""
    result = ParsedFile()
    for number, row in csv_rows(lines):
        if not any(cell.strip() for cell in row):
            if row:
                result.skip(number, "empty row (commas only)")
            continue
        if number == 1 and not re.fullmatch(r"\d{8}", (row[2] if len(row) > 2 else "").strip()):
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


def parse_clew(lines: list[str], *, file_name: str = "", check_total: bool = True) -> ParsedFile:
    """California DOJ CLEW hot files svs.tbl / sfr.tbl / slr.tbl: DATE header, TOTAL RECORD trailer."""
    stem = file_name.lower().rsplit("/", 1)[-1].split(".", 1)[0]
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
    if check_total and total is None:
        raise HotFileError(len(lines), "no TOTAL RECORD trailer: the file looks truncated")
    if check_total and total != len(result.entries):
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
    if len(text) < 13 or not re.fullmatch(r"[A-Z0-9]{2}\d{2}\d{8}", text[-12:]):
        raise HotFileError(number, "a record needs plate, state, 2-digit county and date YYYYMMDD")
    _ymd(text[-8:], number, "date")
    plate = normalize_plate(text[:-12])
    if not plate:
        raise HotFileError(number, "record has no plate")
    return ParsedEntry(
        plate=_checked_plate(number, plate, text[:-12]),
        state=from_ncic(text[-12:-10]),
        category=category,
        reason=f"{category.label} (CA DOJ, county {text[-10:-8]})",
    )


CSV_COLUMNS = {
    "plate": ("plate", "plate number", "platenumber", "lic", "plate_number"),
    "state": ("state", "state/province", "platestate", "lis", "plate_state"),
    "category": ("category", "type", "list"),
    "reason": ("reason", "description", "alert"),
    "case_number": ("case_number", "casenumber", "case number", "case", "oca"),
    "expires": ("expiry", "expires", "expirydate", "expires_at", "expiry_date"),
    "vehicle": ("vehicle", "vehicle_description", "note", "description_vehicle"),
}


def parse_csv(lines: list[str], *, default_category: C = C.OTHER) -> ParsedFile:
    """CSV with a header naming its columns: plateguard's own, Rekor/OpenALPR, or Flock-shaped files."""
    rows = csv_rows(lines)
    header = [cell.strip().lower() for cell in next(rows, (1, []))[1]]
    columns = {name: _column(header, aliases) for name, aliases in CSV_COLUMNS.items()}
    if columns["plate"] is None:
        raise HotFileError(1, "header has no plate column (plate, Plate Number, PlateNumber or LIC)")
    result = ParsedFile()
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise HotFileError(number, f"{len(row)} columns but the header names {len(header)}")
        values = {
            name: row[index].strip() if index is not None and index < len(row) else ""
            for name, index in columns.items()
        }
        entry = _csv_entry(number, values, default_category)
        if entry is None:
            result.skip(number, placeholder_reason(values["plate"]))
        else:
            result.entries.append(entry)
    return result


def _column(header: list[str], aliases: tuple[str, ...]) -> int | None:
    for alias in aliases:
        if alias in header:
            return header.index(alias)
    return None


def _csv_entry(number: int, values: dict[str, str], default: C) -> ParsedEntry | None:
    def cell(name: str) -> str:
        return values.get(name, "")

    raw_plate = cell("plate").upper()
    is_wildcard = any(char in raw_plate for char in "?*")
    plate = wildcard_normalize(raw_plate) if is_wildcard else normalize_plate(raw_plate)
    if plate in DUMMY_PLATES:
        return None
    _checked_plate(number, plate, raw_plate)
    category = category_from_text(cell("category") or cell("reason"), default)
    try:
        state = from_region_or_usps(cell("state"))
    except ValueError as exc:
        raise HotFileError(number, str(exc)) from None
    return ParsedEntry(
        plate=plate,
        state=state,
        category=category,
        reason=cell("reason")[:500],
        vehicle_description=cell("vehicle")[:200],
        case_number=_checked_length(number, "case number", cell("case_number"), MAX_CASE_NUMBER) or None,
        expires_at=_iso_date(cell("expires"), number, "expiry"),
        is_wildcard=is_wildcard,
        line=number,
    )


def parse_genetec(lines: list[str], *, default_category: C = C.OTHER) -> ParsedFile:
    """Genetec AutoVu source file, default attribute order Category;PlateState;PlateNumber;Effective;Expiry,
    or the Cloudrunner basic form ``PLATE;`` / ``PLATE;STATE``."""
    result = ParsedFile()
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        fields = [part.strip() for part in text.split(";")]
        if len(fields) == 1 and (delimiter := next((d for d in ",:\t" if d in text), None)):
            raise HotFileError(
                number, f"fields delimited by {delimiter!r}; plateguard reads Genetec files delimited by ';'"
            )
        if len(fields) <= 2:
            fields = ["", fields[1] if len(fields) > 1 else "", fields[0], "", ""]
        elif len(fields) > 5:
            raise HotFileError(
                number, f"{len(fields)} fields; expected Category;PlateState;PlateNumber[;dates]"
            )
        fields += [""] * (5 - len(fields))
        values = dict(zip(("category", "state", "plate", "effective", "expires"), fields, strict=True))
        entry = _csv_entry(number, values, default_category)
        if entry is not None and values["category"]:
            entry.reason = values["category"]
        if entry is None:
            result.skip(number, placeholder_reason(values["plate"]))
        else:
            result.entries.append(entry)
    return result


CATEGORY_WORDS = (
    ("amber", C.MISSING_PERSON),
    ("missing", C.MISSING_PERSON),
    ("felony", C.FELONY_VEHICLE),
    ("stolen plate", C.STOLEN_PLATE),
    ("stolen license", C.STOLEN_PLATE),
    ("stolen", C.STOLEN_VEHICLE),
    ("warrant", C.WARRANT),
    ("wanted", C.WANTED_PERSON),
    ("bolo", C.BOLO),
    ("attempt to locate", C.BOLO),
)


def category_from_text(text: str, default: C) -> C:
    lowered = text.strip().lower().replace("_", " ")
    for value in C:
        if lowered in (value.value.replace("_", " "), value.label.lower()):
            return value
    for word, category in CATEGORY_WORDS:
        if word in lowered:
            return category
    return default


PARSERS = ("csv", "ncic", "ncic-csv", "clew", "genetec")


def parse(fmt: str, lines: list[str], *, file_name: str = "", default_category: C = C.OTHER) -> ParsedFile:
    if fmt == "csv":
        return parse_csv(lines, default_category=default_category)
    if fmt == "ncic":
        return parse_ncic_fixed(lines)
    if fmt == "ncic-csv":
        return parse_ncic_csv(lines)
    if fmt == "clew":
        return parse_clew(lines, file_name=file_name)
    if fmt == "genetec":
        return parse_genetec(lines, default_category=default_category)
    raise InvalidInput(f"unknown hot-file format {fmt!r}; one of {', '.join(PARSERS)}", field="format")


def decode_lines(data: bytes) -> Iterator[str]:
    """Hot files are ASCII in practice; Latin-1 never fails, and a BOM is dropped, as are NUL bytes (they
    mean nothing in a hot file, and PostgreSQL cannot store them)."""
    yield from data.decode("latin-1").removeprefix("\xef\xbb\xbf").replace("\x00", "").splitlines()
