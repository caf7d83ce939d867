"""Parsers for real hot-file layouts (see docs/hotlists-and-alerts.md for each one).

Every parser reads the whole file before anything is stored. Header and trailer lines that belong to a
format are recognised; rows that real files carry and vendors skip (blank plates, comma-only rows,
dummy plates, plates with no letters or digits) are listed as skipped with their line number and reason,
so the importer sees each one before the list is replaced; any other malformed line (a CSV row whose
columns do not match the header among them) raises ``HotFileError`` naming the line number and the
reason, and the import stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from plateguard.errors import InvalidInput
from plateguard.hotlists.models import HotlistCategory as C
from plateguard.hotlists.parsed import (
    DUMMY_PLATES,
    MAX_CASE_NUMBER,
    HotFileError,
    ParsedEntry,
    ParsedFile,
    blank_row,
    checked_length,
    checked_plate,
    csv_rows,
    iso_date,
    placeholder_reason,
    wildcard_normalize,
)
from plateguard.hotlists.state_files import parse_clew, parse_ncic_csv, parse_ncic_fixed
from plateguard.hotlists.states import from_region_or_usps
from plateguard.reads.plates import normalize_plate

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
        if blank_row(result, number, row):
            continue
        if len(row) != len(header):
            raise HotFileError(number, f"{len(row)} columns but the header names {len(header)}")
        values = {name: row[index].strip() if index is not None else "" for name, index in columns.items()}
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
    checked_plate(number, plate, raw_plate)
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
        case_number=checked_length(number, "case number", cell("case_number"), MAX_CASE_NUMBER) or None,
        expires_at=iso_date(cell("expires"), number, "expiry"),
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
        values = _genetec_values(number, text)
        entry = _csv_entry(number, values, default_category)
        if entry is None:
            result.skip(number, placeholder_reason(values["plate"]))
            continue
        if values["category"]:
            entry.reason = values["category"]
        result.entries.append(entry)
    return result


def _genetec_values(number: int, text: str) -> dict[str, str]:
    """The fields plateguard uses; EffectiveDate is not one of them (an entry counts from its import)."""
    fields = [part.strip() for part in text.split(";")]
    if len(fields) == 1 and (delimiter := next((d for d in ",:\t" if d in text), None)):
        raise HotFileError(
            number, f"fields delimited by {delimiter!r}; plateguard reads Genetec files delimited by ';'"
        )
    if len(fields) > 5:
        raise HotFileError(number, f"{len(fields)} fields; expected Category;PlateState;PlateNumber[;dates]")
    if len(fields) <= 2:  # Cloudrunner's basic form
        return {"category": "", "state": [*fields, ""][1], "plate": fields[0]}
    category, state, plate, *dates = fields
    expires = dates[1] if len(dates) > 1 else ""
    return {"category": category, "state": state, "plate": plate, "expires": expires}


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
    """A category named by its code (``stolen_plate``), its label or words in a reason; else ``default``."""
    lowered = text.strip().lower().replace("_", " ")
    for word, category in CATEGORY_WORDS:
        if word in lowered:
            return category
    return C.OTHER if lowered == C.OTHER.value else default


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
