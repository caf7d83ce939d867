"""The in-memory matcher: each match kind, its score order, state mismatch and expiry."""

from __future__ import annotations

import pytest

from plateguard.hotlists.matching import Matcher, MatcherEntry, fold

NOW = 1_800_000_000.0


def entry(
    entry_id: int,
    plate: str,
    state: str | None = "CA",
    *,
    wildcard: bool = False,
    expires: float | None = None,
) -> MatcherEntry:
    return MatcherEntry(entry_id, 1, plate, state, "stolen_vehicle", expires, wildcard)


@pytest.fixture()
def matcher() -> Matcher:
    return Matcher(
        [
            entry(1, "7ABC123"),
            entry(2, "8XYZ99", None),
            entry(3, "4KPD*", wildcard=True),
            entry(4, "?MNR55?", wildcard=True),
            entry(5, "6OLD001", expires=NOW - 1),
            entry(6, "5LIVE01", expires=NOW + 3600),
        ],
        now=NOW - 7200,
    )


def hits(matcher: Matcher, plate: str, state: str | None = "CA") -> list[tuple[int, str, bool]]:
    return [(m.entry.entry_id, m.rule, m.state_mismatch) for m in matcher.match(plate, state=state, now=NOW)]


@pytest.mark.parametrize(
    ("plate", "expected"),
    [
        ("7ABC123", [(1, "exact", False)]),
        ("7A8C123", [(1, "confusion", False)]),  # B read as 8
        ("7ABCI23", [(1, "confusion", False)]),  # 1 read as I
        ("7AB0123", []),  # C is in no confusion class
        ("7ABC1234", [(1, "edit", False)]),  # one extra character
        ("7ABC12", [(1, "edit", False)]),  # one missing character
        ("ABC123", [(1, "edit", False)]),  # first character missing
        ("7ABC12345", []),  # two extra: no match
        ("4KPD1", [(3, "wildcard", False)]),
        ("4KP0999", [(3, "wildcard", False)]),  # wildcards are confusion tolerant too (D/0)
        ("1MNR559", [(4, "wildcard", False)]),
        ("MNR559", []),  # ? needs exactly one character
        ("9QQQ999", []),
    ],
)
def test_each_match_kind(matcher: Matcher, plate: str, expected: list[tuple[int, str, bool]]) -> None:
    assert hits(matcher, plate) == expected


def test_scores_order_exact_confusion_edit_wildcard() -> None:
    both = Matcher(
        [entry(1, "7ABC123"), entry(2, "7A8C123"), entry(3, "7ABC12"), entry(4, "7AB*", wildcard=True)],
        now=NOW,
    )
    found = both.match("7ABC123", state="CA", now=NOW)
    assert [(m.entry.entry_id, m.rule) for m in found] == [
        (1, "exact"),
        (2, "confusion"),
        (3, "edit"),
        (4, "wildcard"),
    ]
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
    assert [m.kind for m in found] == ["exact", "fuzzy", "fuzzy", "wildcard"]


def test_state_mismatch_is_flagged_not_hidden(matcher: Matcher) -> None:
    assert hits(matcher, "7ABC123", "NV") == [(1, "exact", True)]
    assert hits(matcher, "7ABC123", None) == [(1, "exact", False)]  # unknown read state: no claim
    assert hits(matcher, "8XYZ99", "NV") == [(2, "exact", False)]  # entry for any state


def test_expired_entries_never_match(matcher: Matcher) -> None:
    assert hits(matcher, "6OLD001") == []
    assert hits(matcher, "5LIVE01") == [(6, "exact", False)]
    later = NOW + 7200
    assert matcher.match("5LIVE01", now=later) == []
    assert Matcher([entry(9, "6OLD001", expires=NOW - 1)], now=NOW).size == 0


def test_fold_maps_each_confusion_class_to_one_character() -> None:
    assert fold("O0DQ") == "0000"
    assert fold("I1LT") == "1111"
    assert fold("B8S5Z2G6") == "88552266"
    assert fold("ACEFH") == "ACEFH"


def test_empty_matcher_matches_nothing() -> None:
    assert Matcher([], now=NOW).match("7ABC123", now=NOW) == []
