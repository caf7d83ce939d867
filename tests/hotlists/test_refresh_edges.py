"""Reading a hot file's source at its edges: every kind of damaged archive is one clear error naming the
file field, the size caps hold to the byte, and the list of skipped rows names each row up to its limit."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from plateguard.errors import InvalidInput
from plateguard.hotlists import refresh
from plateguard.hotlists.models import Hotlist, HotlistCategory
from plateguard.hotlists.parsed import ParsedFile, SkippedRow
from tests.hotlists.conftest import stolen
from tests.hotlists.test_service import GOOD_CLEW


def zipped(data: bytes, *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        archive.writestr("svs.tbl", data)
    return buffer.getvalue()


def with_header_field(archive: bytes, offset: int, fmt: str, value: int) -> bytes:
    """The zip with one field of its first local header and of its central directory entry changed."""
    changed = bytearray(archive)
    struct.pack_into(fmt, changed, offset, value)  # local file header
    central = changed.find(b"PK\x01\x02")
    struct.pack_into(fmt, changed, central + offset + 2, value)  # the same field, two bytes further on
    return bytes(changed)


def encrypted_zip() -> bytes:
    return with_header_field(zipped(GOOD_CLEW), 6, "<H", 0x1)  # general purpose flag: encrypted


def unsupported_method_zip() -> bytes:
    return with_header_field(zipped(GOOD_CLEW), 8, "<H", 99)  # compression method 99 (AES)


def corrupt_deflate_zip() -> bytes:
    archive = bytearray(zipped(bytes(range(256)) * 64))
    start = 30 + len("svs.tbl")  # the compressed data right after the first local header
    archive[start : start + 16] = b"\xff" * 16
    return bytes(archive)


def bad_gzip_header() -> bytes:
    packed = bytearray(gzip.compress(GOOD_CLEW))
    packed[2] = 7  # compression method 7: not deflate
    return bytes(packed)


@pytest.mark.parametrize(
    "damaged",
    [encrypted_zip(), unsupported_method_zip(), corrupt_deflate_zip(), bad_gzip_header()],
    ids=["encrypted zip", "zip of an unknown method", "zip with corrupt data", "gzip of an unknown method"],
)
def test_every_kind_of_damaged_archive_is_one_clear_error_naming_the_file(damaged: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        refresh.unpack(damaged, "svs.zip")
    assert refused.value.field == "file"
    assert refused.value.message.startswith("svs.zip is a damaged or unsupported archive: ")


def test_a_zip_holding_only_folders_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hot/", b"")
    with pytest.raises(InvalidInput) as refused:
        refresh.unpack(buffer.getvalue(), "empty.zip")
    assert (refused.value.field, refused.value.message) == ("file", "empty.zip is an empty zip file")


def test_a_zip_is_read_from_its_first_file_not_a_folder() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hot/", b"")
        archive.writestr("hot/svs.tbl", GOOD_CLEW)
        archive.writestr("hot/old.tbl", b"OLD")
    assert refresh.unpack(buffer.getvalue(), "svs.zip") == GOOD_CLEW


@pytest.mark.parametrize("pack", [gzip.compress, zipped], ids=["gzip", "zip"])
def test_an_archive_that_expands_to_the_cap_is_read_and_one_byte_more_is_refused(
    pack: Callable[[bytes], bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refresh, "MAX_EXPANDED_BYTES", 2 * 1024 * 1024)
    at_cap = b"0" * (2 * 1024 * 1024)
    assert refresh.unpack(pack(at_cap), "svs.gz") == at_cap
    with pytest.raises(InvalidInput) as refused:
        refresh.unpack(pack(at_cap + b"0"), "svs.gz")
    assert refused.value.field == "file" and refused.value.message == "svs.gz expands past 2 MB; refused"


def test_an_unreadable_local_file_is_an_error_naming_the_file_field(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as missing:
        refresh.read_source(str(tmp_path / "gone.tbl"))
    assert missing.value.field == "file" and missing.value.message.endswith(
        "gone.tbl: No such file or directory"
    )


def rows(count: int) -> list[SkippedRow]:
    return [SkippedRow(line, "no plate") for line in range(2, count + 2)]


def test_skipped_rows_are_each_named_up_to_twenty_then_counted() -> None:
    assert refresh.describe_skipped(rows(20)) == "; ".join(f"line {n}: no plate" for n in range(2, 22))
    described = refresh.describe_skipped(rows(23))
    assert described == "; ".join(f"line {n}: no plate" for n in range(2, 22)) + "; and 3 more"
    assert refresh.describe_skipped(rows(21)).endswith("line 21: no plate; and 1 more")


@pytest.mark.parametrize(
    ("old", "new", "max_shrink", "refused"),
    [
        (0, 0, 0.5, False),  # an empty list stays empty
        (1, 0, 0.5, True),  # a file that empties a list of one
        (2, 1, 0.5, False),  # half: allowed at 0.5
        (10, 10, 0.5, False),
        (10, 0, 1.0, True),  # emptying a list always needs confirmation, whatever the share
        (10, 1, 1.0, False),
        (10, 1, 0.5, True),  # "1 entry", not "1 entries"
    ],
)
def test_a_shrink_is_refused_past_its_share_and_an_emptied_list_always(
    old: int, new: int, max_shrink: float, refused: bool
) -> None:
    hotlist = Hotlist(name="SVS")
    if not refused:
        refresh.check_shrink(hotlist=hotlist, old=old, new_count=new, max_shrink=max_shrink)
        return
    with pytest.raises(refresh.ShrinkRefused) as stopped:
        refresh.check_shrink(hotlist=hotlist, old=old, new_count=new, max_shrink=max_shrink)
    assert stopped.value.field == "file"
    holds = {0: "0 entries", 1: "1 entry"}[new]
    assert stopped.value.message.startswith(f"SVS: the file holds {holds} and the list {old}; ")


def test_skipped_rows_stop_an_import_until_confirmed_naming_each_row() -> None:
    one = ParsedFile([stolen("TEST201")], skipped_rows=rows(1))
    with pytest.raises(refresh.SkippedRowsRefused) as stopped:
        refresh.check_skipped(parsed=one)
    assert stopped.value.field == "file"
    assert stopped.value.message.startswith("1 row of the file would be skipped (line 2: no plate). ")
    assert "to load the other 1 entries" in stopped.value.message
    with pytest.raises(refresh.SkippedRowsRefused, match=r"^2 rows of the file"):
        refresh.check_skipped(parsed=ParsedFile([], skipped_rows=rows(2)))
    refresh.check_skipped(parsed=ParsedFile([stolen("TEST201")]))  # nothing skipped: nothing to confirm


def test_parsing_reports_progress_and_takes_the_category_from_the_file_name_or_the_default() -> None:
    seen: list[tuple[int, int]] = []
    felony = refresh.parse_bytes(
        GOOD_CLEW,
        file_format="clew",
        source_name="/srv/hot/SFR.TBL",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(0, 4), (4, 4)]
    assert {entry.category for entry in felony.entries} == {HotlistCategory.FELONY_VEHICLE}
    listed = refresh.parse_bytes(
        b"plate,state\r\n7ABC123,CA\r\n",
        file_format="csv",
        source_name="bolo.csv",
        default_category=HotlistCategory.BOLO,
    )
    assert [entry.category for entry in listed.entries] == [HotlistCategory.BOLO]


def test_a_hot_file_of_a_few_megabytes_is_read_whole(tmp_path: Path) -> None:
    big = b"7ABC123,CA\r\n" * 300_000  # 3.6 MB, the size of a large state extract's CSV
    (tmp_path / "big.csv").write_bytes(big)
    assert refresh.read_source(str(tmp_path / "big.csv")) == big
    assert refresh.unpack(gzip.compress(big), "big.csv.gz") == big
