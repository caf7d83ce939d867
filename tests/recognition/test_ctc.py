"""Golden tests for CTC decoding, candidate generation and format-aware ranking."""

from __future__ import annotations

import numpy as np
import pytest

from plateguard.recognition.ctc import beam, rank, segments
from plateguard.recognition.formats import ALPHABET


def probs_for(spec: list[dict[str, float]], blanks: int = 1) -> np.ndarray:
    """A (T, 37) matrix: for each character a frame with the given probabilities, blanks in between."""
    rows = []
    for char_probs in spec:
        for _ in range(blanks):
            row = np.zeros(37, np.float32)
            row[0] = 1.0
            rows.append(row)
        row = np.zeros(37, np.float32)
        for ch, p in char_probs.items():
            row[ALPHABET.index(ch) + 1] = p
        row[0] = max(0.0, 1.0 - row.sum())
        rows.append(row)
    rows.append(np.eye(37, dtype=np.float32)[0])
    return np.stack(rows)


def sure(text: str) -> list[dict[str, float]]:
    return [{c: 0.98} for c in text]


def test_clean_read_is_top1_with_high_confidence() -> None:
    cands = rank(probs_for(sure("7ABC123")))
    assert cands[0].plate == "7ABC123"
    assert cands[0].confidence > 0.9


def test_at_most_ten_candidates_sorted() -> None:
    spec = [{"S": 0.5, "5": 0.4}, {"B": 0.5, "8": 0.4}, {"Z": 0.5, "2": 0.4}, {"I": 0.5, "1": 0.4}]
    spec += sure("ABC")
    cands = rank(probs_for(spec))
    assert 1 < len(cands) <= 10
    assert len({c.plate for c in cands}) == len(cands)


@pytest.mark.parametrize(
    ("spec_text", "region", "expected"),
    [
        # California 9AAA999: a first-position 'Z' read must be the digit 2 when the state is known.
        ([{"Z": 0.6, "2": 0.35}, *sure("ABC123")], "ca", "2ABC123"),
        # New York AAA9999: 'B' at a digit position becomes 8.
        ([*sure("ABC"), {"B": 0.55, "8": 0.4}, *sure("123")], "ny", "ABC8123"),
        # A letter position keeps the letter even if the digit scores slightly higher.
        ([*sure("AB"), {"5": 0.52, "S": 0.45}, *sure("1234")], "ny", "ABS1234"),
    ],
)
def test_region_format_fixes_confusions(
    spec_text: list[dict[str, float]], region: str, expected: str
) -> None:
    assert rank(probs_for(spec_text), region=region)[0].plate == expected


def test_confusion_without_runner_up_probability() -> None:
    """The digit position gets 0 from a confident 'O' through the confusion table, even at p(0)=0."""
    cands = rank(probs_for([*sure("ABC"), {"O": 0.97}, *sure("123")]), region="ny")
    assert cands[0].plate.replace("O", "0") == "ABC0123"


def test_weak_extra_character_can_be_dropped() -> None:
    spec = [{"I": 0.4, "L": 0.25}, *sure("ABC1234")]  # a bolt or sticker edge read as a weak 'I'
    cands = rank(probs_for(spec), region="ny")
    assert cands[0].plate == "ABC1234"
    assert any(c.plate == "IABC1234" for c in cands)


def test_confidences_do_not_increase_down_the_ranking() -> None:
    spec = [{"S": 0.5, "5": 0.4}, {"B": 0.5, "8": 0.4}, *sure("C123")]
    confs = [c.confidence for c in rank(probs_for(spec))]
    assert confs == sorted(confs, reverse=True)


def test_segments_merge_repeated_frames() -> None:
    p = probs_for(sure("AA"), blanks=1)
    doubled = np.concatenate([p[:2], p[1:2], p[2:]])  # 'A' spread over two frames, then blank, then 'A'
    assert len(segments(doubled)) == 2


def test_empty_input_gives_no_candidates() -> None:
    blank = np.zeros((10, 37), np.float32)
    blank[:, 0] = 1.0
    assert rank(blank) == ()
    assert beam([]) == [("", 1.0)]
