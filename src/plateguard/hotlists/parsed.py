"""What a hot file parses into, and the rules every layout shares: the error that stops an import at its
line, the rows skipped and why, the plate, case number and record id limits, CSV rows and dates."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import String

from plateguard.errors import InvalidInput
from plateguard.hotlists.models import HotlistCategory as C
from plateguard.hotlists.models import HotlistEntry
from plateguard.reads.plates import normalize_plate

DUMMY_PLATES = frozenset({"", "0", "00", "190", "UNKNOWN", "NONE", "NOTAG", "TEMP", "NOPLATE"})
MAX_PLATE = 10
"""NCIC's plate field (LIC) is 10 characters wide and no North American plate is longer: a longer "plate"
is a file read in the wrong format or with the wrong delimiter, and would never match a read."""


# The stored columns' widths: a longer case number or record id would be cut into another one.
def _stored_width(column: str) -> int:
    kind = HotlistEntry.__table__.c[column].type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"hotlist_entry.{column} is not a bounded string column")
    return kind.length


MAX_CASE_NUMBER = _stored_width("case_number")
MAX_RECORD_ID = _stored_width("record_id")


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
    reason: str
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


def checked_plate(line: int, plate: str, raw: str) -> str:
    if len(plate) > MAX_PLATE:
        raise HotFileError(
            line,
            f"plate {raw.strip()[:40]!r} is {len(plate)} characters long; a plate has at most {MAX_PLATE} "
            "(is the file in the chosen format, with its delimiter?)",
        )
    return plate


def checked_length(line: int, what: str, value: str, most: int) -> str:
    if len(value) > most:
        raise HotFileError(line, f"{what} {value[:60]!r} is {len(value)} characters long; at most {most}")
    return value


def check_ymd(value: str, line: int) -> None:
    """A record's date is checked, not kept: blank or zeros (NJ leaves it out) or a date YYYYMMDD."""
    value = value.strip()
    if value and set(value) != {"0"}:
        try:
            dt.datetime.strptime(value, "%Y%m%d")
        except ValueError:
            raise HotFileError(line, f"date {value!r} is not a date YYYYMMDD") from None


def iso_date(value: str, line: int, what: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise HotFileError(line, f"{what} {value!r} is not an ISO date") from None
    if len(value) == 10:  # a date alone: valid to the end of that day
        parsed = parsed + dt.timedelta(days=1)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


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


def blank_row(result: ParsedFile, number: int, row: list[str]) -> bool:
    """A blank line is passed over; a row of commas only is listed as skipped."""
    if any(cell.strip() for cell in row):
        return False
    if len(row) > 1:
        result.skip(number, "empty row (commas only)")
    return True
