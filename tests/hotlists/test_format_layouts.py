"""The shapes real hot files come in (shared/reference/hotlist-formats.md): NCIC files with and without a
header line, right-trimmed and extended lines, CA DOJ records with and without the space before the state,
blank lines; each malformed shape refused with its line and reason."""

from __future__ import annotations

import pytest

from plateguard.hotlists.formats import parse
from plateguard.hotlists.models import HotlistCategory as C
from plateguard.hotlists.parsed import HotFileError, ParsedEntry

FBI_HEADER = "SYNTHETIC NCIC LPR EXTRACT HEADER 20261105"
RECORD = "V000000101CA001999920261103TEST101   CA2027PC2016H0NDCIV4DSIL"


def entries(fmt: str, lines: list[str], file_name: str = "svs.tbl") -> list[ParsedEntry]:
    return parse(fmt, lines, file_name=file_name).entries


def refusal(fmt: str, lines: list[str], file_name: str = "svs.tbl") -> HotFileError:
    with pytest.raises(HotFileError) as refused:
        parse(fmt, lines, file_name=file_name)
    return refused.value


def test_a_michigan_or_new_jersey_file_has_no_header_and_keeps_its_first_record() -> None:
    michigan = "M035777045WIMPD006320200403AHG5263   WI2020PC2003CHEVSUBLLBLK    MISSING PERSON NCIC"
    new_jersey = "S                          ABC123    NJ      1985NIS SEN04BLUE"
    found = entries("ncic", [michigan, new_jersey])
    assert [(e.plate, e.state, e.line) for e in found] == [("AHG5263", "WI", 1), ("ABC123", "NJ", 2)]
    assert found[0].category == C.MISSING_PERSON


def test_a_first_record_without_a_plate_is_listed_as_skipped_not_taken_for_a_header() -> None:
    parsed = parse("ncic", [RECORD.replace("TEST101", "       "), RECORD])
    assert [str(s) for s in parsed.skipped_rows] == ["line 1: no plate"]
    assert [e.line for e in parsed.entries] == [2]


def test_the_fbi_files_header_line_is_not_a_record() -> None:
    found = entries("ncic", [FBI_HEADER, RECORD, "", RECORD.replace("TEST101", "TEST102")])
    assert [(e.plate, e.line) for e in found] == [("TEST101", 2), ("TEST102", 4)]


def test_a_header_shaped_like_a_record_but_with_letters_for_its_date_is_a_header() -> None:
    header = "X" * 19 + "HEADERAB" + "LPR FILE  " + "US"
    assert [e.plate for e in entries("ncic", [header, RECORD])] == ["TEST101"]


def test_an_ncic_line_needs_the_29_characters_up_to_the_plate() -> None:
    assert [e.plate for e in entries("ncic", [FBI_HEADER, RECORD[:29]])] == ["TE"]  # cut inside the plate
    error = refusal("ncic", [FBI_HEADER, RECORD, RECORD[:28]])
    assert (error.line, error.reason) == (3, "line is 28 characters; an NCIC record needs at least 29")


def test_the_vehicle_description_stops_at_the_colour_before_michigans_text() -> None:
    line = RECORD[:45] + "2012F0RDF15PKWHI/BLUSTOLEN VEHICLE MI"
    assert entries("ncic", [FBI_HEADER, line])[0].vehicle_description == "2012 F0RD F15 PK WHI/BLU"


def test_ncic_date_errors_say_which_date_is_wrong() -> None:
    error = refusal("ncic", [FBI_HEADER, RECORD.replace("20261103", "20261340")])
    assert (error.line, error.reason) == (2, "date '20261340' is not a date YYYYMMDD")


def test_ncic_comma_form_header_and_skipped_rows() -> None:
    row = "V000000101,CA0019999,20261103,TEST101,CA,2027,2016,H0ND,CIV,4D,SIL"
    assert [e.plate for e in entries("ncic-csv", ["NIC,ORI", row])] == ["TEST101"]
    error = refusal("ncic-csv", ["V000000101,CA0019999,20261103", row])
    assert (error.line, error.reason) == (1, "3 columns; the NCIC comma form has 11 or 12")
    parsed = parse("ncic-csv", [row, row.replace("TEST101", "UNKNOWN")])
    assert [str(s) for s in parsed.skipped_rows] == ["line 2: plate 'UNKNOWN' is a placeholder, not a plate"]


def test_a_ca_doj_record_may_run_the_plate_into_the_state() -> None:
    lines = [
        "DATE11/05/2026 06:00",
        "TEST201CA1920261101",
        "",
        "ZZ7203  NV0120261028",
        "TOTAL RECORD 0000002",
    ]
    found = entries("clew", lines)
    assert [(e.plate, e.state, e.line, e.vehicle_description) for e in found] == [
        ("TEST201", "CA", 2, ""),
        ("ZZ7203", "NV", 4, ""),
    ]


def test_a_ca_doj_record_without_a_plate_or_with_a_long_one_names_its_line() -> None:
    no_plate = refusal("clew", ["DATE11/05/2026 06:00", "CA1920261101", "TOTAL RECORD 0000001"])
    assert (no_plate.line, no_plate.reason) == (2, "record has no plate")
    long = refusal("clew", ["DATE11/05/2026 06:00", "ABCDE123456CA1920261101", "TOTAL RECORD 0000001"])
    assert long.reason.startswith("plate 'ABCDE123456' is 11 characters long; a plate has at most 10")


def test_a_ca_doj_file_name_may_come_with_windows_folders() -> None:
    lines = ["DATE11/05/2026 06:00", "TEST201 CA1920261101", "TOTAL RECORD 0000001"]
    assert entries("clew", lines, file_name="C:\\hot\\SFR.tbl")[0].category == C.FELONY_VEHICLE


@pytest.mark.parametrize(
    ("header", "value", "category"),
    [
        ("category", "stolen_vehicle", C.STOLEN_VEHICLE),
        ("Type", "Stolen plate", C.STOLEN_PLATE),
        ("List", "warrant", C.WARRANT),
    ],
)
def test_a_category_column_decides_over_the_reason(header: str, value: str, category: C) -> None:
    found = entries("csv", [f"plate,{header},reason", f"7ABC123,{value},wanted felon"])
    assert found[0].category == category


def test_a_partial_plate_keeps_only_letters_digits_and_wildcards() -> None:
    found = entries("csv", ["plate", "te*t-30 ?"])
    assert (found[0].plate, found[0].is_wildcard) == ("TE*T30?", True)
