"""bench/support/taxonomy.py sorts misses into the kinds the held-out report used."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.conftest import load_bench


@pytest.fixture(scope="module")
def taxonomy() -> ModuleType:
    return load_bench("support/taxonomy.py")


@pytest.mark.parametrize(
    ("truth", "read", "candidates", "kind", "pair"),
    [
        ("7ABC123", "", [], "no read on the plate", ""),
        ("7ABC123", "7A8C123", ["7A8C123", "7ABC123"], "right string among the candidates, not first", ""),
        ("BMN2079", "BMNC2079", ["BMNC2079"], "one character extra", ""),  # an emblem read as a letter
        ("MSH861", "MSH86", ["MSH86"], "one character lost", ""),
        ("8D79882", "8079882", ["8079882"], "one character wrong", "D/0"),
        ("5520", "5520E7", ["5520E7"], "other (two or more edits)", ""),
        ("ABC123", "ABD124", ["ABD124"], "other (two or more edits)", ""),
    ],
)
def test_a_miss_is_sorted_into_its_kind(
    taxonomy: ModuleType, truth: str, read: str, candidates: list[str], kind: str, pair: str
) -> None:
    assert taxonomy.classify(truth, read, candidates) == (kind, pair)


def test_the_report_gives_shares_of_all_items(taxonomy: ModuleType) -> None:
    from collections import Counter

    lines = taxonomy.report("validation crops", Counter({"one character extra": 3}), Counter({"D/0": 2}), 60)
    assert lines[0] == "validation crops: 3 misses of 60"
    assert any(line.strip().startswith("one character extra") and line.endswith("5.0%") for line in lines)
    assert lines[-1].endswith("D/0 x2")
