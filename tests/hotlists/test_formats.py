"""Hot-file parsers on synthetic lines shaped like the real layouts (NCIC, CA DOJ, Genetec, Rekor)."""

from __future__ import annotations

import pytest

from plateguard.hotlists.formats import parse
from plateguard.hotlists.models import HotlistCategory as C
from plateguard.hotlists.parsed import HotFileError

NCIC_FIXED = """SYNTHETIC NCIC LPR EXTRACT HEADER 20261105
V000000101CA001999920261103TEST101   CA2027PC2016H0NDCIV4DSIL
P000000102CA001999920261104ZZP4102   CA2026PC
W000000103NV002999920261020TEST103   NV2027PC2012F0RDF15PKWHI/BLU
M000000104AZ003999920261101ZZM7104   AZ2027PC2019T0YTCAM4DGRY
C0000001060R004999920260901ZZC2106   0R2027TK2010CHEVSILPKRED
21V0128839WAKCS000020211006TEST109   NB2022PC
"""


def test_ncic_fixed_width_with_header_short_lines_and_ncic_states() -> None:
    parsed = parse("ncic", NCIC_FIXED.splitlines())
    rows = [(e.plate, e.state, e.category, e.record_id) for e in parsed.entries]
    assert rows == [
        ("TEST101", "CA", C.STOLEN_VEHICLE, "V000000101"),
        ("ZZP4102", "CA", C.STOLEN_PLATE, "P000000102"),
        ("TEST103", "NV", C.WANTED_PERSON, "W000000103"),
        ("ZZM7104", "AZ", C.MISSING_PERSON, "M000000104"),
        ("ZZC2106", "OR", C.OTHER, "C000000106"),  # 0R written with a zero is Oregon
        ("TEST109", "NE", C.STOLEN_VEHICLE, "21V0128839"),  # NCIC NB is Nebraska; WA prefix
    ]
    assert parsed.entries[0].vehicle_description == "2016 H0ND CIV 4D SIL"
    assert parsed.entries[4].reason == "Supervised release (NCIC)"


def test_ncic_comma_forms() -> None:
    lines = [
        "V000000101,CA0019999,20261103,TEST101,CA,2027,PC,2016,H0ND,CIV,4D,SIL",
        "P000000102,CA0019999,20261104,ZZP4102,CA,2026,PC,,,,,",
        ",,,,,,,,,,,",
        "W000000103,NV0029999,20261020,TEST103,NV,2027,2012,F0RD,F15,PK,WHI/BLU",
    ]
    parsed = parse("ncic-csv", lines)
    assert [e.plate for e in parsed.entries] == ["TEST101", "ZZP4102", "TEST103"]
    assert parsed.skipped == 1


def test_ca_doj_clew_file_with_header_and_trailer() -> None:
    lines = [
        "DATE11/05/2026 06:00",
        "TEST201 CA1920261101",
        "ZZS4202 CA0120261030",
        "ZZ7203  CA3720261028",
        "TOTAL RECORD 0000003",
    ]
    parsed = parse("clew", lines, file_name="sfr.tbl")
    assert [(e.plate, e.state, e.category) for e in parsed.entries] == [
        ("TEST201", "CA", C.FELONY_VEHICLE),
        ("ZZS4202", "CA", C.FELONY_VEHICLE),
        ("ZZ7203", "CA", C.FELONY_VEHICLE),
    ]
    assert parsed.file_date is not None and parsed.file_date.day == 5


@pytest.mark.parametrize(
    ("lines", "line", "reason"),
    [
        (["DATE11/05/2026 06:00", "TEST204 CA19", "TOTAL RECORD 0000001"], 2, "needs plate, state"),
        (["DATE11/05/2026 06:00", "TEST201 CA1920261101", "TOTAL RECORD 0000009"], 3, "trailer says 9"),
        (["DATE11/05/2026 06:00", "TEST201 CA1920261101"], 2, "no TOTAL RECORD"),
        (["DATE11/05/2026 06:00", "TEST201 CA1920261399", "TOTAL RECORD 0000001"], 2, "not a date"),
    ],
)
def test_malformed_clew_lines_name_the_line(lines: list[str], line: int, reason: str) -> None:
    with pytest.raises(HotFileError) as failure:
        parse("clew", lines, file_name="svs.tbl")
    assert failure.value.line == line
    assert reason in failure.value.message
    assert "nothing was imported" in failure.value.message


def test_rekor_and_flock_shaped_csv() -> None:
    rekor = parse(
        "csv",
        [
            "Plate Number,Description,State/Province",
            "TEST401,Stolen Vehicle - 20261103 (CA) Silver 2016 Honda CIV,us-ca",
            "ZZR9107,Stolen Canadian Vehicle - 20261002 (BC) Blue 2021 Kia,ca-bc",
            "TEST404,Local BOLO case 26-000404,",
            "UNKNOWN,dummy plate,",
        ],
    )
    assert [(e.plate, e.state, e.category) for e in rekor.entries] == [
        ("TEST401", "CA", C.STOLEN_VEHICLE),
        ("ZZR9107", "BC", C.STOLEN_VEHICLE),
        ("TEST404", None, C.BOLO),
    ]
    assert rekor.skipped == 1
    flock = parse(
        "csv",
        [
            "plate,state,reason,caseNumber,expiry,note",
            "TEST501,CA,Stolen Vehicle,26-000501,2026-12-31T23:59:59Z,Silver Honda Civic",
            "TEST502,CA,Felony Vehicle - Robbery,26-000502,,",
        ],
    )
    first = flock.entries[0]
    assert (first.case_number, first.vehicle_description, first.expires_at is not None) == (
        "26-000501",
        "Silver Honda Civic",
        True,
    )
    assert flock.entries[1].category is C.FELONY_VEHICLE


def test_csv_errors_name_line_and_reason() -> None:
    with pytest.raises(HotFileError, match="line 3: state 'CALIF'"):
        parse("csv", ["plate,state", "TEST1,CA", "TEST2,CALIF"])
    with pytest.raises(HotFileError, match="line 1: header has no plate column"):
        parse("csv", ["number,state", "TEST1,CA"])
    with pytest.raises(HotFileError, match="line 2: expiry 'soon'"):
        parse("csv", ["plate,expiry", "TEST1,soon"])


def test_genetec_default_order_basic_form_and_wildcards() -> None:
    parsed = parse(
        "genetec",
        [
            "Stolen;CA;TEST301;2026-11-01;2026-12-31",
            "Wanted felon;NV;TEST302;;",
            "Felony;CA;TE*T30*;2026-11-01;2026-11-30",
            "TEST305;",
            "TEST306;CA",
        ],
    )
    rows = [(e.plate, e.state, e.category, e.is_wildcard) for e in parsed.entries]
    assert rows == [
        ("TEST301", "CA", C.STOLEN_VEHICLE, False),
        ("TEST302", "NV", C.WANTED_PERSON, False),
        ("TE*T30*", "CA", C.FELONY_VEHICLE, True),
        ("TEST305", None, C.OTHER, False),
        ("TEST306", "CA", C.OTHER, False),
    ]
