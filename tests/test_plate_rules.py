"""What counts as a look-alike plate is one rule: a search and an alert never disagree on it."""

from __future__ import annotations

import pytest

from plateguard.hotlists.matching import fold
from plateguard.reads.search.fuzzy import lookalike_variants

# Pairs a plate reader really confuses, and pairs it does not (written out, not taken from the table).
CONFUSED = [("O", "0"), ("D", "0"), ("Q", "O"), ("I", "1"), ("L", "1"), ("T", "I"), ("B", "8"), ("S", "5"),
            ("Z", "2"), ("G", "6")]  # fmt: skip
DISTINCT = [("A", "4"), ("B", "3"), ("E", "F"), ("M", "N"), ("7", "1"), ("K", "X")]


@pytest.mark.parametrize(("seen", "meant"), CONFUSED)
def test_a_look_alike_is_one_for_search_and_for_alerting(seen: str, meant: str) -> None:
    read, listed = f"7{seen}BC123", f"7{meant}BC123"
    assert fold(read) == fold(listed)
    assert listed in lookalike_variants(read)


@pytest.mark.parametrize(("seen", "meant"), DISTINCT)
def test_a_different_character_is_different_for_both(seen: str, meant: str) -> None:
    read, listed = f"7{seen}XC123", f"7{meant}XC123"
    assert fold(read) != fold(listed)
    assert listed not in lookalike_variants(read)
