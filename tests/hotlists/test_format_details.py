"""Hot-file parsing field by field, with the expectations taken from the published layouts
(`shared/reference/hotlist-formats.md`: NCIC §1 and §8.1, CA DOJ CLEW §2, Genetec §4, dummy plates §10) and
docs/hotlists-and-alerts.md. Synthetic lines only; the last test enters a plate by hand in the console."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from plateguard.accounts.roles import Role
from plateguard.errors import InvalidInput
from plateguard.hotlists.formats import PARSERS, category_from_text, decode_lines, parse
from plateguard.hotlists.models import HotlistCategory as C
from plateguard.hotlists.models import HotlistSource
from plateguard.hotlists.parsed import HotFileError, ParsedEntry
from tests.conftest import Trained, sign_in
from tests.hotlists.conftest import make_list
from tests.hotlists.test_entry_rules import hand_entry_form

HEADER = "SYNTHETIC NCIC LPR EXTRACT HEADER 20261105"


def ncic_line(nic: str, plate: str = "TEST101", *, date: str = "20261103", vehicle: str = "") -> str:
    """A fixed-width NCIC record: NIC 0-10, ORI 10-19, date 19-27, LIC 27-37, LIS 37-39, LIY, LIT, vehicle."""
    return f"{nic:<10}CA0019999{date:<8}{plate:<10}CA2027PC{vehicle}"


def only(fmt: str, lines: list[str], **options: str) -> ParsedEntry:
    parsed = parse(fmt, lines, **options)  # type: ignore[arg-type]
    assert len(parsed.entries) == 1, parsed
    return parsed.entries[0]


def refusal(fmt: str, lines: list[str], **options: str) -> HotFileError:
    with pytest.raises(HotFileError) as refused:
        parse(fmt, lines, **options)  # type: ignore[arg-type]
    return refused.value


# --- NCIC: the record category is the first letter of the NIC (reference §8.1) ---------------------------

LETTERS = [
    ("V", C.STOLEN_VEHICLE, "stolen vehicle"),
    ("P", C.STOLEN_PLATE, "stolen plate"),
    ("W", C.WANTED_PERSON, "wanted person"),
    ("M", C.MISSING_PERSON, "missing person"),
    ("R", C.STOLEN_VEHICLE, "canadian"),
    ("C", C.OTHER, "supervised release"),
    ("H", C.OTHER, "protection order"),
    ("K", C.OTHER, "protective interest"),
    ("L", C.OTHER, "violent person"),
    ("T", C.OTHER, "gang"),
    ("X", C.OTHER, "sex offender"),
    ("N", C.OTHER, "immigration violator"),
    ("B", C.OTHER, "boat"),
]


@pytest.mark.parametrize(("letter", "category", "words"), LETTERS)
def test_each_ncic_letter_gives_its_category_and_names_its_file(letter: str, category: C, words: str) -> None:
    entry = only("ncic", [HEADER, ncic_line(f"{letter}000000101")])
    assert entry.category == category
    assert words in entry.reason.lower()
    assert entry.record_id == f"{letter}000000101"


def test_an_unlisted_ncic_letter_is_kept_as_other_and_named() -> None:
    entry = only("ncic", [HEADER, ncic_line("A000000101")])
    assert (entry.category, entry.reason) == (C.OTHER, "NCIC record A")


def test_washingtons_two_character_prefix_puts_the_letter_third() -> None:
    entry = only("ncic", [HEADER, ncic_line("21P0128839")])
    assert (entry.category, entry.record_id) == (C.STOLEN_PLATE, "21P0128839")


def test_a_record_id_without_a_category_letter_stops_the_import() -> None:
    error = refusal("ncic", [HEADER, ncic_line("1000000101")])
    assert error.line == 2 and "category letter" in error.reason


def test_the_vehicle_columns_become_one_description_and_a_short_line_has_none() -> None:
    full = only("ncic", [HEADER, ncic_line("W000000103", vehicle="2012F0RDF15PKWHI/BLU")])
    assert full.vehicle_description == "2012 F0RD F15 PK WHI/BLU"
    assert only("ncic", [HEADER, ncic_line("P000000102")]).vehicle_description == ""


def test_ncic_dates_must_be_dates_but_may_be_blank_or_zeros() -> None:
    assert only("ncic", [HEADER, ncic_line("V000000101", date="00000000")]).plate == "TEST101"
    assert only("ncic", [HEADER, ncic_line("V000000101", date="")]).plate == "TEST101"
    error = refusal("ncic", [HEADER, ncic_line("V000000101", date="20261340")])
    assert error.line == 2 and "20261340" in error.reason and "YYYYMMDD" in error.reason


def test_ncic_comma_form_has_eleven_or_twelve_columns() -> None:
    texas = "C165399977,0H0671200,20200124,GGX6728,0H,2021,2009,D0DG,CHA,4D,GRY"
    minnesota = "V000000101,CA0019999,20261103,TEST101,CA,2027,PC,2016,H0ND,CIV,4D,SIL"
    assert only("ncic-csv", [texas]).vehicle_description == "2009 D0DG CHA 4D GRY"
    assert only("ncic-csv", [texas]).state == "OH"
    assert (
        only("ncic-csv", ["NIC,ORI,DATE,LIC,LIS,LIY,LIT,VYR,VMA,VMO,VST,VCO", minnesota]).plate == "TEST101"
    )
    for columns in (10, 13):
        row = ",".join([*minnesota.split(","), "X", "Y"][:columns])
        assert refusal("ncic-csv", [row]).reason == f"{columns} columns; the NCIC comma form has 11 or 12"


def test_only_the_first_ncic_comma_line_may_be_a_header() -> None:
    row = "V000000101,CA0019999,20261103,TEST101,CA,2027,PC,2016,H0ND,CIV,4D,SIL"
    error = refusal("ncic-csv", [row, "NIC,ORI,DATE,LIC,LIS,LIY,LIT,VYR,VMA,VMO,VST,VCO"])
    assert error.line == 2


def test_comma_only_rows_are_skipped_with_their_line() -> None:
    row = "V000000101,CA0019999,20261103,TEST101,CA,2027,PC,2016,H0ND,CIV,4D,SIL"
    parsed = parse("ncic-csv", [row, ",,,,,,,,,,,", row.replace("TEST101", "TEST102")])
    assert [e.plate for e in parsed.entries] == ["TEST101", "TEST102"]
    assert [str(s) for s in parsed.skipped_rows] == ["line 2: empty row (commas only)"]


# --- dummy plates (reference §10.3; docs: skipped, listed with their line) -------------------------------

DUMMIES = ["UNKNOWN", "NONE", "NOTAG", "NOPLATE", "TEMP", "0", "00", "190"]


@pytest.mark.parametrize("dummy", DUMMIES)
def test_dummy_plates_are_skipped_in_every_format(dummy: str) -> None:
    expected = f"line 2: plate {dummy!r} is a placeholder, not a plate"
    for fmt, line in (
        ("ncic", ncic_line("V000000101", dummy)),
        ("csv", f"{dummy},CA"),
        ("genetec", f"Stolen;CA;{dummy};;"),
    ):
        lines = [HEADER if fmt == "ncic" else "plate,state", line]
        if fmt == "genetec":
            lines = ["Stolen;CA;REAL001;;", line]
        parsed = parse(fmt, lines)
        assert [str(s) for s in parsed.skipped_rows] == [expected], fmt
        assert all(e.plate != dummy for e in parsed.entries)


# --- CA DOJ CLEW (reference §2) --------------------------------------------------------------------------

CLEW = ["DATE11/05/2026 06:00", "TEST201 CA1920261101", "ZZ7203  CA3720261028", "TOTAL RECORD 0000002"]


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("svs.tbl", C.STOLEN_VEHICLE),
        ("sfr.tbl", C.FELONY_VEHICLE),
        ("/var/hot/SLR.TBL", C.STOLEN_PLATE),
        ("other.txt", C.STOLEN_VEHICLE),
    ],
)
def test_a_clew_files_category_comes_from_its_name(name: str, category: C) -> None:
    parsed = parse("clew", CLEW, file_name=name)
    assert {e.category for e in parsed.entries} == {category}


def test_a_clew_record_keeps_plate_state_and_county_and_the_header_dates_the_file() -> None:
    parsed = parse("clew", CLEW, file_name="svs.tbl")
    assert [(e.plate, e.state) for e in parsed.entries] == [("TEST201", "CA"), ("ZZ7203", "CA")]
    assert parsed.entries[0].reason == "Stolen vehicle (CA DOJ, county 19)"
    assert parsed.file_date == dt.datetime(2026, 11, 5, 6, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("lines", "line", "words"),
    [
        (["DATE 2026-11-05", *CLEW[1:]], 1, "DATEMM/DD/YYYY HH:MM"),
        ([*CLEW[:3], "TOTAL RECORD"], 4, "no record count"),
        ([*CLEW, "TEST299 CA1920261101"], 5, "after the TOTAL RECORD trailer"),
        (CLEW[:3], 3, "no TOTAL RECORD trailer"),
        ([*CLEW[:3], "TOTAL RECORD 0000009"], 4, "trailer says 9 records but the file holds 2"),
        (["TEST204 CA19", *CLEW[1:]], 1, "plate, state, 2-digit county and date"),
        ([CLEW[0], "TEST201 CA1920261340", *CLEW[2:]], 2, "not a date"),
        ([CLEW[0], "CA1920261101", *CLEW[2:]], 2, "record has no plate"),
    ],
)
def test_a_broken_clew_file_stops_the_import_at_its_line(lines: list[str], line: int, words: str) -> None:
    error = refusal("clew", lines, file_name="svs.tbl")
    assert error.line == line and words in error.reason, error.reason


# --- CSV columns (docs: plateguard, Rekor/OpenALPR, Flock-shaped) ----------------------------------------


@pytest.mark.parametrize(
    ("header", "row"),
    [
        (
            "plate,state,category,reason,case_number,expiry,vehicle",
            "7ABC123,CA,stolen_vehicle,r,26-1,2026-12-01,v",
        ),
        (
            "Plate Number,State/Province,Type,Description,CaseNumber,Expires,Note",
            "7ABC123,CA,stolen,r,26-1,2026-12-01,v",
        ),
        (
            "PlateNumber,PlateState,List,Alert,Case Number,ExpiryDate,Vehicle_Description",
            "7ABC123,CA,x,r,26-1,2026-12-01,v",
        ),
        ("LIC,LIS,category,reason,case,expires_at,description_vehicle", "7ABC123,CA,x,r,26-1,2026-12-01,v"),
        ("plate_number,plate_state,category,reason,oca,expiry_date,note", "7ABC123,CA,x,r,26-1,2026-12-01,v"),
    ],
)
def test_every_documented_column_name_is_read(header: str, row: str) -> None:
    entry = only("csv", [header, row])
    assert (entry.plate, entry.state, entry.reason, entry.case_number) == ("7ABC123", "CA", "r", "26-1")
    assert entry.vehicle_description == "v"
    assert entry.expires_at == dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    assert entry.line == 2


def test_expiry_times_are_read_in_utc_and_a_bad_one_names_its_line() -> None:
    def expiry(value: str) -> dt.datetime | None:
        return only("csv", ["plate,expiry", f"7ABC123,{value}"]).expires_at

    assert expiry("2026-12-01T08:30:00Z") == dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
    assert expiry("2026-12-01T08:30:00") == dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
    assert expiry("2026-12-01T08:30:00-08:00") == dt.datetime(2026, 12, 1, 16, 30, tzinfo=dt.UTC)
    assert expiry(" ") is None
    error = refusal("csv", ["plate,expiry", "7ABC123,2026-12-01", "7ABC124,next week"])
    assert error.line == 3 and "expiry 'next week' is not an ISO date" in error.reason


def test_states_are_read_as_codes_or_regions_and_an_unknown_one_names_its_line() -> None:
    assert only("csv", ["plate,state", "7ABC123,us-nv"]).state == "NV"
    assert only("csv", ["plate,state", "7ABC123,"]).state is None
    error = refusal("csv", ["plate,state", "7ABC123,CA", "7ABC124,QQ"])
    assert error.line == 3


def test_long_reasons_and_vehicles_are_cut_to_what_is_kept() -> None:
    entry = only("csv", ["plate,reason,vehicle", f"7ABC123,{'r' * 600},{'v' * 300}"])
    assert (len(entry.reason), len(entry.vehicle_description)) == (500, 200)


def test_a_csv_without_a_plate_column_is_refused() -> None:
    error = refusal("csv", ["state,reason", "CA,stolen"])
    assert error.line == 1 and "no plate column" in error.reason
    empty = refusal("csv", [])
    assert empty.line == 1 and "no plate column" in empty.reason


def test_a_csv_row_of_commas_is_listed_as_skipped_and_a_blank_line_passed_over() -> None:
    parsed = parse("csv", ["plate,reason", "7ABC123,stolen", "", ",", " ", "7ABC124,stolen"])
    assert [(e.plate, e.line) for e in parsed.entries] == [("7ABC123", 2), ("7ABC124", 6)]
    assert [str(s) for s in parsed.skipped_rows] == ["line 4: empty row (commas only)"]


# --- what cannot be a plate, a case number or a record id ------------------------------------------------


def test_a_plate_longer_than_ten_characters_stops_the_import_in_every_format() -> None:
    assert only("csv", ["plate", "ABCDE12345"]).plate == "ABCDE12345"
    cases = [
        ("csv", ["plate", "7ABC123", "ABCDE123456"], 3),
        ("genetec", ["Stolen;CA;ABCDE123456;;"], 1),
        ("ncic-csv", ["V000000101,CA0019999,20261103,ABCDE123456,CA,2027,2016,H0ND,CIV,4D,SIL"], 1),
        ("clew", ["DATE11/05/2026 06:00", "ABCDE123456 CA1920261101", "TOTAL RECORD 0000001"], 2),
        ("csv", ["plate", "AB*CD*EF*GH*"], 2),
    ]
    for fmt, lines, line in cases:
        error = refusal(fmt, lines, file_name="svs.tbl")
        assert error.line == line and "at most 10" in error.reason, (fmt, error.reason)


def test_a_case_number_or_record_id_too_long_to_keep_stops_the_import() -> None:
    assert only("csv", ["plate,case", f"7ABC123,{'9' * 40}"]).case_number == "9" * 40
    error = refusal("csv", ["plate,case", f"7ABC123,{'9' * 41}"])
    assert error.line == 2 and "case number" in error.reason and "at most 40" in error.reason
    long_id = "V" + "0" * 20
    error = refusal("ncic-csv", [f"{long_id},CA0019999,20261103,TEST101,CA,2027,2016,H0ND,CIV,4D,SIL"])
    assert error.line == 1 and "record id" in error.reason and "at most 20" in error.reason


# --- Genetec (reference §4) ------------------------------------------------------------------------------


def test_genetec_lines_in_the_default_order_and_the_cloudrunner_basic_form() -> None:
    parsed = parse(
        "genetec",
        ["Stolen;CA;TEST301;2026-11-01;2026-12-31", "Wanted felon;NV;TEST302;;", "TEST305;", "TEST306;CA"],
    )
    rows = [(e.plate, e.state, e.category, e.reason) for e in parsed.entries]
    assert rows == [
        ("TEST301", "CA", C.STOLEN_VEHICLE, "Stolen"),
        ("TEST302", "NV", C.WANTED_PERSON, "Wanted felon"),
        ("TEST305", None, C.OTHER, ""),
        ("TEST306", "CA", C.OTHER, ""),
    ]
    assert parsed.entries[0].expires_at == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


def test_genetec_lines_with_three_fields_or_a_bare_plate_and_blank_lines_between() -> None:
    parsed = parse("genetec", ["Stolen;CA;TEST303", "", "   ", "TEST307", "Bolo;NV;TEST308;2026-11-01"])
    rows = [(e.plate, e.state, e.reason, e.expires_at, e.line) for e in parsed.entries]
    assert rows == [
        ("TEST303", "CA", "Stolen", None, 1),
        ("TEST307", None, "", None, 4),
        ("TEST308", "NV", "Bolo", None, 5),  # an effective date alone: no expiry
    ]
    assert parsed.skipped_rows == []


def test_a_genetec_wildcard_entry_keeps_its_stars() -> None:
    entry = only("genetec", ["Felony;CA;TE*T30*;2026-11-01;2026-11-30"])
    assert (entry.plate, entry.is_wildcard, entry.plate_normalized) == ("TE*T30*", True, "TE*T30*")


@pytest.mark.parametrize("delimiter", [",", ":", "\t"])
def test_a_genetec_file_with_another_delimiter_is_refused_not_read_as_one_long_plate(delimiter: str) -> None:
    line = delimiter.join(["Stolen", "CA", "TEST303"])
    error = refusal("genetec", ["TEST305;", line])
    assert error.line == 2 and repr(delimiter) in error.reason


def test_a_genetec_line_with_too_many_fields_names_its_line() -> None:
    error = refusal("genetec", ["Stolen;CA;TEST301;2026-11-01;2026-12-31;extra"])
    assert error.line == 1 and "6 fields" in error.reason


# --- categories from words, decoding, the error itself -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("AMBER alert", C.MISSING_PERSON),
        ("Missing juvenile", C.MISSING_PERSON),
        ("Felony vehicle", C.FELONY_VEHICLE),
        ("Stolen plate", C.STOLEN_PLATE),
        ("Stolen plates, Kern County", C.STOLEN_PLATE),
        ("STOLEN LICENSE PLATE", C.STOLEN_PLATE),
        ("stolen", C.STOLEN_VEHICLE),
        ("Warrant service", C.WARRANT),
        ("Wanted felon", C.WANTED_PERSON),
        ("BOLO", C.BOLO),
        ("Attempt to locate", C.BOLO),
        ("stolen_plate", C.STOLEN_PLATE),
        ("Stolen vehicle", C.STOLEN_VEHICLE),
        ("Missing person / AMBER", C.MISSING_PERSON),
        ("other", C.OTHER),
        (" Other ", C.OTHER),
    ],
)
def test_categories_are_read_from_names_and_words(text: str, category: C) -> None:
    assert category_from_text(text, C.OTHER) == category_from_text(text, C.WARRANT) == category


def test_a_reason_that_names_no_category_gets_the_lists_default() -> None:
    assert category_from_text("parking", C.BOLO) == C.BOLO


def test_the_formats_offered_are_the_ones_the_guide_documents() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "hotlists-and-alerts.md").read_text()
    documented = re.findall(r"^  \| `([a-z-]+)` \|", guide, flags=re.MULTILINE)
    assert sorted(PARSERS) == sorted(documented) == ["clew", "csv", "genetec", "ncic", "ncic-csv"]


@pytest.mark.parametrize(
    ("fmt", "lines"),
    [
        ("csv", ["plate,state", "TEST101,CA"]),
        ("ncic", [HEADER, ncic_line("V000000101")]),
        ("ncic-csv", ["V000000101,CA0019999,20261103,TEST101,CA,2027,PC,2016,H0ND,CIV,4D,SIL"]),
        ("clew", ["DATE11/05/2026 06:00", "TEST101 CA1920261101", "TOTAL RECORD 0000001"]),
        ("genetec", ["Stolen;CA;TEST101;;"]),
    ],
)
def test_each_format_name_reads_its_own_layout(fmt: str, lines: list[str]) -> None:
    assert [(e.plate, e.state) for e in parse(fmt, lines, file_name="svs.tbl").entries] == [("TEST101", "CA")]


def test_an_unknown_format_names_the_format_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse("xml", ["<plate/>"])
    assert refused.value.field == "format" and "csv, ncic, ncic-csv, clew, genetec" in refused.value.message


def test_files_are_read_as_latin_1_without_bom_or_nul_bytes() -> None:
    data = b"\xef\xbb\xbfplate,reason\r\n7ABC123,Jos\xe9\x00 M\r\n"
    assert list(decode_lines(data)) == ["plate,reason", "7ABC123,Jos\u00e9 M"]


def test_a_hot_file_error_names_the_file_field_and_its_line() -> None:
    error = HotFileError(7, "bad row")
    assert isinstance(error, InvalidInput)
    assert (error.field, error.line, error.reason) == ("file", 7, "bad row")
    assert error.message == "line 7: bad row; nothing was imported"


def test_a_hand_entry_has_the_same_plate_limit_as_a_file(
    client: TestClient, db: Session, trained: Trained
) -> None:
    trained("lt.alvarez", Role.ADMINISTRATOR)
    bolo = make_list(db, "Department BOLO", HotlistSource.DEPARTMENT)
    csrf = sign_in(client, "lt.alvarez")
    refused = client.post(f"/hotlists/{bolo.id}/entries", data=hand_entry_form(csrf, "ABCDE-123456"))
    assert refused.status_code == 422
    assert "a plate has at most 10 letters or digits" in refused.text
    added = client.post(f"/hotlists/{bolo.id}/entries", data=hand_entry_form(csrf, "ABCDE-12345"))
    assert added.status_code == 200, added.text


@pytest.mark.parametrize(("fmt", "line"), [("csv", "TEST101"), ("genetec", "TEST101;CA")])
def test_a_lists_default_category_applies_where_a_row_names_none(fmt: str, line: str) -> None:
    lines = ["plate", line] if fmt == "csv" else [line]
    assert parse(fmt, lines, default_category=C.BOLO).entries[0].category == C.BOLO
