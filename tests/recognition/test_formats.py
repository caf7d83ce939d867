"""Golden tables for the plate-format rules, normalisation and region text matching."""

from __future__ import annotations

import numpy as np
import pytest

from plateguard.recognition.formats import (
    ALPHABET,
    STATE_FORMATS,
    STATE_NAMES,
    format_prior,
    matches,
    normalize_plate,
    regions_for,
    regions_from_text,
    shape_of,
)


def test_every_state_and_dc_has_formats_and_a_name() -> None:
    assert len(STATE_FORMATS) == 51
    assert set(STATE_FORMATS) == set(STATE_NAMES)
    for fmts in STATE_FORMATS.values():
        assert fmts and all(set(f) <= set("A9*") for f in fmts)


@pytest.mark.parametrize(
    ("text", "shape"), [("7ABC123", "9AAA999"), ("ABC1234", "AAA9999"), ("123", "999"), ("", "")]
)
def test_shape_of(text: str, shape: str) -> None:
    assert shape_of(text) == shape


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("7ABC123", "9AAA999", True),
        ("7AB0123", "9AAA999", False),
        ("ABC123", "AAA*99", True),
        ("ABC12", "AAA999", False),
    ],
)
def test_matches(text: str, fmt: str, expected: bool) -> None:
    assert matches(text, fmt) is expected


@pytest.mark.parametrize(
    ("better", "worse", "region"),
    [
        ("7ABC123", "7ABC1234", "ca"),  # California format beats an 8-character read
        ("ABC1234", "ABC123A4", None),  # a common US format beats an odd 8-character string
        ("ABC1234", "A", None),
        ("A12BCD", "A12BC0", "nj"),  # NJ A99AAA: letters at the end
    ],
)
def test_format_prior_orders(better: str, worse: str, region: str | None) -> None:
    assert format_prior(better, region) > format_prior(worse, region)


@pytest.mark.parametrize(
    ("raw", "norm"),
    [("7abc-123", "7ABC123"), ("OO1 0O", "00100"), ("  n3 · x ", "N3X"), ("ÄB1", "B1")],
)
def test_normalize_plate(raw: str, norm: str) -> None:
    assert normalize_plate(raw) == norm


@pytest.mark.parametrize(
    ("texts", "region"),
    [
        (("NORTHCAROLINA", "FIRSTINFLIGHT"), "nc"),
        (("SOUTHCAROLINA",), "sc"),
        (("WILDWONDERFUL", "VIRGINIA"), "wv"),
        (("VIRGINIA",), "va"),
        (("LIVEFREEORDIE",), "nh"),
        (("CALIFORNLA",), "ca"),  # one OCR error in the name is tolerated
        (("GARDENSTATE", "NEWJERSEY"), "nj"),
        (("FAMOUSPOTATOES",), "id"),
    ],
)
def test_regions_from_text(texts: tuple[str, ...], region: str) -> None:
    scores = regions_from_text(texts)
    assert max(scores, key=lambda r: scores[r]) == region


def test_regions_from_text_ignores_unrelated_text() -> None:
    assert regions_from_text(("AUTOSALES", "123")) == {}


def test_regions_for_uses_formats() -> None:
    assert "ca" in regions_for("7ABC123")
    assert "ca" not in regions_for("ABC1234")


def test_alphabet_is_digits_then_letters() -> None:
    assert ALPHABET == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("TEXAS", True), ("CALIFORNLA", True), ("VACATIONLAND", True), ("TAXI", False), ("ABC1234", False)],
)
def test_is_state_word(text: str, expected: bool) -> None:
    from plateguard.recognition.formats import is_state_word

    assert is_state_word(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("20140501", True), ("201405011230", True), ("20141301", False), ("7ABC123", False), ("1234567", False)],
)
def test_camera_date_overlays_are_recognised(text: str, expected: bool) -> None:
    from plateguard.recognition.formats import is_timestamp

    assert is_timestamp(text) is expected


def test_region_order_state_text_then_a_confident_look_then_the_format() -> None:
    from plateguard.recognition.region import TextRegionClassifier
    from plateguard.recognition.types import PlateCandidate, PlateText

    crop = np.zeros((40, 80, 3), np.uint8)
    cands = (PlateCandidate("7ABC123", 0.9),)  # California's format
    classify = TextRegionClassifier().predict
    named = classify(crop, PlateText(cands, ("TEXAS",), (("ny", 0.9),)))
    assert named.region == "us-tx" and named.confidence > 0.9
    assert classify(crop, PlateText(cands, (), (("ny", 0.9),))).region == "us-ny"
    weak_look = classify(crop, PlateText(cands, (), (("ny", 0.2), ("tx", 0.1))))
    assert weak_look.region == "us-ca" and weak_look.confidence <= 0.35
