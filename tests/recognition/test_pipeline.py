"""Pipeline behaviour with injected fake components (no models)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from plateguard.recognition.color import vehicle_color
from plateguard.recognition.pipeline import Pipeline, PipelineConfig, rerank
from plateguard.recognition.types import (
    BoundingBox,
    Image,
    PlateCandidate,
    PlateDetection,
    PlateDetector,
    PlateReader,
    PlateText,
    RegionClassifier,
    RegionGuess,
)


class FakeDetector:
    def __init__(self, boxes: list[BoundingBox]) -> None:
        self.boxes = boxes

    def predict(self, image: Image) -> list[PlateDetection]:
        return [PlateDetection(b, 0.9, b) for b in self.boxes]


class FakeReader:
    """Reads the plate number from the crop's mean brightness (so each box reads differently)."""

    def __init__(self, table: Mapping[int, tuple[PlateCandidate, ...]]) -> None:
        self.table = table

    def predict(self, crop: Image) -> PlateText:
        return PlateText(self.table.get(int(crop.mean()), ()))


class FakeRegion:
    def __init__(self, guess: RegionGuess) -> None:
        self.guess = guess

    def predict(self, crop: Image, text: PlateText) -> RegionGuess:
        return self.guess


def scene() -> np.ndarray:
    img = np.zeros((200, 400, 3), np.uint8)
    img[10:40, 10:90] = 100
    img[100:130, 200:280] = 200
    img[150:190, 300:390] = 50
    return img


def make(reads: Mapping[int, tuple[PlateCandidate, ...]], region: RegionGuess | None = None) -> Pipeline:
    boxes = [BoundingBox(10, 10, 80, 30), BoundingBox(200, 100, 80, 30), BoundingBox(300, 150, 90, 40)]
    return Pipeline(
        detector=FakeDetector(boxes),
        reader=FakeReader(reads),
        region=FakeRegion(region or RegionGuess("us-ca", 0.9)),
        config=PipelineConfig(min_confidence=0.3),
    )


def test_fakes_satisfy_the_protocols() -> None:
    assert isinstance(FakeDetector([]), PlateDetector)
    assert isinstance(FakeReader({}), PlateReader)
    assert isinstance(FakeRegion(RegionGuess("unknown", 0.0)), RegionClassifier)


def test_plates_are_ordered_by_confidence_and_weak_reads_dropped() -> None:
    reads = {
        100: (PlateCandidate("ABC1234", 0.97),),
        200: (PlateCandidate("7XYZ123", 0.99),),
        50: (PlateCandidate("Q", 0.1),),
    }
    plates = make(reads).recognize(scene())
    assert [p.plate for p in plates] == ["7XYZ123", "ABC1234"]
    assert plates[0].box == BoundingBox(200, 100, 80, 30)
    assert plates[0].region == "us-ca"


def test_caller_image_is_never_modified() -> None:
    img = scene()
    before = img.copy()
    make({200: (PlateCandidate("7XYZ123", 0.95),)}).recognize(img)
    assert np.array_equal(img, before)


def test_read_crop_returns_full_image_box() -> None:
    crop = np.full((60, 120, 3), 200, np.uint8)
    plate = make({200: (PlateCandidate("7XYZ123", 0.95),)}).read_crop(crop)
    assert plate.plate == "7XYZ123"
    assert plate.box == BoundingBox(0, 0, 120, 60)


def test_read_crop_with_nothing_read() -> None:
    plate = make({}).read_crop(np.zeros((20, 40), np.uint8))
    assert plate.plate == ""
    assert plate.candidates == ()


def test_rerank_promotes_region_format_when_region_is_sure() -> None:
    cands = (PlateCandidate("ZABC123", 0.8), PlateCandidate("2ABC123", 0.7))
    assert rerank(cands, RegionGuess("us-ca", 0.9), 0.6)[0].plate == "2ABC123"
    assert rerank(cands, RegionGuess("us-ca", 0.3), 0.6)[0].plate == "ZABC123"
    assert rerank(cands, RegionGuess("unknown", 0.0), 0.6)[0].plate == "ZABC123"


def test_to_dict_matches_the_cli_contract() -> None:
    plate = make({200: (PlateCandidate("7XYZ123", 0.95), PlateCandidate("7XYZ12", 0.5))}).recognize(scene())[
        0
    ]
    d = plate.to_dict()
    assert set(d) == {
        "plate",
        "confidence",
        "box",
        "region",
        "region_confidence",
        "candidates",
        "vehicle_color",
    }
    assert d["box"] == [200, 100, 80, 30]
    assert d["candidates"] == [
        {"plate": "7XYZ123", "confidence": 0.95},
        {"plate": "7XYZ12", "confidence": 0.5},
    ]


def test_vehicle_color_names_and_unknown() -> None:
    img = np.zeros((300, 300, 3), np.uint8)
    img[:] = (30, 30, 200)  # BGR red body
    box = BoundingBox(120, 200, 60, 30)
    assert vehicle_color(img, box) == "red"
    img[:] = (240, 240, 240)
    assert vehicle_color(img, box) == "white"
    noisy = np.random.default_rng(0).integers(0, 255, (300, 300, 3), dtype=np.uint8)
    assert vehicle_color(noisy, box) == "unknown"
    assert vehicle_color(img, BoundingBox(0, 0, 300, 300)) == "unknown"  # nothing around the plate


def test_small_secondary_text_is_not_a_second_plate() -> None:
    """The plate is the largest text: a confident read on much smaller text is dropped."""
    img = np.zeros((300, 400, 3), np.uint8)
    img[10:70, 10:130] = 100  # plate text 60 px high
    img[200:220, 200:260] = 200  # 20 px high text (sign, badge)
    boxes = [BoundingBox(10, 10, 120, 60), BoundingBox(200, 200, 60, 20)]
    reads = {100: (PlateCandidate("ABC1234", 0.8),), 200: (PlateCandidate("7XYZ123", 0.99),)}
    pipe = Pipeline(
        detector=FakeDetector(boxes),
        reader=FakeReader(reads),
        region=FakeRegion(RegionGuess("us-ca", 1)),
    )
    assert [p.plate for p in pipe.recognize(img)] == ["ABC1234"]


def test_a_date_overlay_or_a_weak_second_read_is_not_a_plate() -> None:
    reads = {
        100: (PlateCandidate("20140501", 0.99),),  # the camera's date stamp
        200: (PlateCandidate("7XYZ123", 0.95),),
        50: (PlateCandidate("4KDE778", 0.5),),  # a second, weak read of the same height: dropped
    }
    assert [p.plate for p in make(reads).recognize(scene())] == ["7XYZ123"]


def test_hybrid_reader_skips_the_second_opinion_only_when_sure() -> None:
    from plateguard.recognition.hybrid import HybridReader

    sure = FakeReader({200: (PlateCandidate("7XYZ123", 0.95),)})
    unsure = FakeReader({200: (PlateCandidate("7XYZ12", 0.4),)})
    second = FakeReader({200: (PlateCandidate("7XYZ128", 0.8),)})
    crop = np.full((20, 40, 3), 200, np.uint8)
    assert HybridReader(sure, second, sure_above=0.9).predict(crop).best.plate == "7XYZ123"
    assert HybridReader(unsure, second, sure_above=0.9).predict(crop).best.plate == "7XYZ128"
    # by default both always read: the confident first reading outweighs the second one
    both = HybridReader(sure, second).predict(crop)
    assert [c.plate for c in both.candidates] == ["7XYZ123", "7XYZ128"]


def test_fused_candidates_add_both_readers_votes() -> None:
    from plateguard.recognition.hybrid import fuse

    first = (PlateCandidate("8ABC123", 0.6), PlateCandidate("BABC123", 0.5))
    second = (PlateCandidate("BABC123", 0.7), PlateCandidate("8ABC123", 0.1), PlateCandidate("O1", 0.1))
    fused = fuse(first, second, 0.5)
    assert [c.plate for c in fused] == ["BABC123", "8ABC123", "O1"]
    # each string keeps its higher confidence, so one reader's thresholds still apply
    assert [c.confidence for c in fused] == [0.7, 0.6, 0.1]
    # O and 0 are one character: their votes add up
    merged = fuse((PlateCandidate("7OK", 0.5),), (PlateCandidate("70K", 0.5),), 0.5)
    assert [(c.plate, c.confidence) for c in merged] == [("70K", 0.5)]
