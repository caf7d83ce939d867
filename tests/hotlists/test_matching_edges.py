"""The matcher at its edges: where a wildcard's fixed text sits, one-character edits at every position,
alternative readings, expiry at the exact second, and the order of scores."""

from __future__ import annotations

import pytest

from plateguard.hotlists import matching
from plateguard.hotlists.matching import Matcher, MatcherEntry, match_read

NOW = 1_800_000_000.0


@pytest.fixture(autouse=True)
def small_prefilter(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 64 kbit pre-filter instead of 256 Mbit: more false positives (each only a slower path), the
    same answers, and each matcher built in microseconds. test_matching.py uses the real size."""
    monkeypatch.setattr(matching, "PROBE_BITS", 1 << 16)
    monkeypatch.setattr(matching, "PROBE_MASK", (1 << 16) - 1)


def entry(entry_id: int, plate: str, *, wildcard: bool = False, expires: float | None = None) -> MatcherEntry:
    return MatcherEntry(entry_id, 1, plate, "CA", "stolen_vehicle", expires, wildcard)


def found(matcher: Matcher, plate: str) -> list[tuple[int, str]]:
    return [(m.entry.entry_id, m.rule) for m in matcher.match(plate, state="CA", now=NOW)]


@pytest.mark.parametrize(
    ("pattern", "hit", "misses"),
    [
        ("*C123", "7ABC123", ["7ABC124", "C1234"]),  # fixed text at the end
        ("*123", "9XYZ123", ["9XYZ124"]),  # three characters, the very last ones
        ("*23", "4KPX23", ["4KPX24"]),  # only a two-character run, at the end
        ("7K*", "7KXY999", ["8KXY999"]),  # only a two-character run, at the start
        ("?ZX??", "1ZX99", ["1ZY99", "1ZX999"]),  # a two-character run in the middle
        ("???????", "9QQQ999", ["9QQQ99", "9QQQ9999"]),  # no fixed text at all: length alone
        ("*", "W", []),  # anything
        ("7AB*", "7AB", ["7A"]),  # a run may be empty: a wildcard hit, not a one-character edit
        ("7MN*P9", "7MNXXP9", ["7MNXXP8"]),  # two runs: either may carry the index
    ],
)
def test_a_wildcard_matches_wherever_its_fixed_text_is(pattern: str, hit: str, misses: list[str]) -> None:
    matcher = Matcher([entry(1, pattern, wildcard=True)], now=NOW)
    assert matcher.wildcards == 1
    assert found(matcher, hit) == [(1, "wildcard")]
    for miss in misses:
        assert found(matcher, miss) == [], miss


def test_the_matcher_counts_its_live_entries_and_wildcards() -> None:
    entries = [entry(1, "7AB*", wildcard=True), entry(2, "?XY99", wildcard=True), entry(3, "7ABC123")]
    matcher = Matcher([*entries, entry(4, "8*", wildcard=True, expires=NOW)], now=NOW)
    assert (matcher.size, matcher.wildcards) == (3, 2)


def test_one_missing_or_extra_character_at_every_position_is_found() -> None:
    """With one entry, every probe of the pre-filter must answer yes: no byte of it may be lost."""
    plate = "7ABC123"
    matcher = Matcher([entry(1, plate)], now=NOW)
    for position in range(len(plate)):
        assert found(matcher, plate[:position] + plate[position + 1 :]) == [(1, "edit")], position
    for position in range(len(plate) + 1):
        assert found(matcher, plate[:position] + "W" + plate[position:]) == [(1, "edit")], position
    assert found(matcher, "7ABC") == []


def test_many_entries_each_found_by_an_edit() -> None:
    plates = [f"{n}KX{n * 7 % 1000:03d}" for n in range(1, 200)]
    matcher = Matcher([entry(i, p) for i, p in enumerate(plates)], now=NOW)
    assert matcher.size == len(plates)
    for i, plate in enumerate(plates):
        assert (i, "edit") in found(matcher, plate[1:]), plate
        assert (i, "edit") in found(matcher, plate + "W"), plate


def test_an_entry_expiring_exactly_now_no_longer_matches() -> None:
    assert Matcher([entry(1, "7ABC123", expires=NOW)], now=NOW).size == 0
    built_earlier = Matcher([entry(1, "7ABC123", expires=NOW)], now=NOW - 60)
    assert built_earlier.size == 1
    assert built_earlier.match("7ABC123", now=NOW - 1)
    assert built_earlier.match("7ABC123", now=NOW) == []
    wild = Matcher([entry(2, "7AB*", wildcard=True, expires=NOW)], now=NOW - 60)
    assert wild.match("7ABC123", now=NOW) == []
    assert Matcher([entry(3, "7AB*", wildcard=True, expires=NOW)], now=NOW).wildcards == 0


def test_scores_follow_the_documented_order_and_kinds() -> None:
    matcher = Matcher(
        [entry(1, "7ABC123"), entry(2, "7A8C123"), entry(3, "7ABC12"), entry(4, "7AB*", wildcard=True)],
        now=NOW,
    )
    ranked = match_read(matcher, "7ABC123", [], state="CA", now=NOW)
    assert [(m.entry.entry_id, m.rule, m.kind) for m in ranked] == [
        (1, "exact", "exact"),
        (2, "confusion", "fuzzy"),
        (3, "edit", "fuzzy"),
        (4, "wildcard", "wildcard"),
    ]
    scores = [m.score for m in ranked]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4


def test_an_alternative_reading_counts_only_when_it_is_an_exact_hit() -> None:
    matcher = Matcher([entry(1, "8XYZ999"), entry(2, "5KQ*", wildcard=True)], now=NOW)
    (candidate,) = match_read(matcher, "8XYZ990", ["8XYZ999"], state="CA", now=NOW)
    assert (candidate.entry.entry_id, candidate.rule, candidate.kind) == (1, "candidate", "candidate")
    assert candidate.score < 0.75  # below an edit of the plate itself
    assert match_read(matcher, "1AAA111", ["5KQ123", "8XYZ99"], state="CA", now=NOW) == []


def test_an_alternative_reading_flags_a_state_mismatch_too() -> None:
    matcher = Matcher([entry(1, "8XYZ999")], now=NOW)
    (candidate,) = match_read(matcher, "8XYZ990", ["8XYZ999"], state="NV", now=NOW)
    assert (candidate.rule, candidate.state_mismatch) == ("candidate", True)
    (own,) = match_read(matcher, "8XYZ999", [], state="NV", now=NOW)
    assert (own.rule, own.state_mismatch) == ("exact", True)


def test_matches_of_a_read_are_ordered_by_score_then_entry() -> None:
    matcher = Matcher([entry(9, "7ABC123"), entry(5, "5KQ1234"), entry(2, "3ZZZ999")], now=NOW)
    ranked = match_read(matcher, "7ABC123", ["5KQ1234", "3ZZZ999"], state="CA", now=NOW)
    assert [(m.entry.entry_id, m.rule) for m in ranked] == [(9, "exact"), (2, "candidate"), (5, "candidate")]


def test_the_empty_matcher_holds_and_matches_nothing() -> None:
    assert (matching.EMPTY_MATCHER.size, matching.EMPTY_MATCHER.match("7ABC123", now=NOW)) == (0, [])


def test_the_reads_own_match_is_not_replaced_by_an_alternative() -> None:
    matcher = Matcher([entry(1, "8XYZ999"), entry(2, "8XYZ99")], now=NOW)
    ranked = match_read(matcher, "8XYZ999", ["8XYZ99", "8XYZ999"], state="CA", now=NOW)
    assert [(m.entry.entry_id, m.rule) for m in ranked] == [(1, "exact"), (2, "edit")]
    wider = Matcher([entry(1, "8XYZ999"), entry(3, "3QQQ333")], now=NOW)
    assert [
        (m.entry.entry_id, m.rule) for m in match_read(wider, "8XYZ999", ["3QQQ333"], state="CA", now=NOW)
    ] == [
        (1, "exact"),
        (3, "candidate"),
    ]


def test_entries_sharing_a_plate_are_all_found_in_entry_order() -> None:
    matcher = Matcher([entry(7, "7ABC123"), entry(3, "7ABC123"), entry(5, "7A8C123")], now=NOW)
    assert found(matcher, "7ABC123") == [(3, "exact"), (7, "exact"), (5, "confusion")]
    pair = Matcher([entry(7, "7ABC123"), entry(3, "7ABC123")], now=NOW)
    assert found(pair, "7ABC123") == [(3, "exact"), (7, "exact")]


def test_the_documented_scores() -> None:
    """docs/hotlists-and-alerts.md: exact 1.0, confusion 0.9, one character 0.75, wildcard 0.6."""
    matcher = Matcher(
        [entry(1, "7ABC123"), entry(2, "7A8C123"), entry(3, "7ABC12"), entry(4, "7AB*", wildcard=True)],
        now=NOW,
    )
    assert [m.score for m in matcher.match("7ABC123", now=NOW)] == [1.0, 0.9, 0.75, 0.6]
    (candidate,) = match_read(matcher, "1ZZZ999", ["7ABC123"], state=None, now=NOW)[:1]
    assert (candidate.rule, candidate.score) == ("candidate", 0.7)
