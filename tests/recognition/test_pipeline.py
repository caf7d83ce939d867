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
    # the plate's box: as wide as its text line, 1.6 times as high, centred on it
    assert plates[0].box == BoundingBox(200, 91, 80, 48)
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
    assert plate.corners == ((0, 0), (120, 0), (120, 60), (0, 60)), "a crop is the plate: its own corners"


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
        "corners",
    }
    assert d["box"] == [200, 91, 80, 48]
    # the text line (200, 100, 80 x 30) grown 1.6 x across its height: the plate's corners, clockwise
    assert d["corners"] == [[200.0, 91.0], [280.0, 91.0], [280.0, 139.0], [200.0, 139.0]]
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


class SizeAwareDetector:
    """Finds one plate (given in full-size pixels) in whatever size of the scene it is shown, and only
    when the plate's text would be at least `min_height` pixels high there; records the widths it saw."""

    def __init__(self, plate: BoundingBox, full_width: int, min_height: int = 0) -> None:
        self.plate, self.full_width, self.min_height = plate, full_width, min_height
        self.widths: list[int] = []

    def predict(self, image: Image) -> list[PlateDetection]:
        self.widths.append(image.shape[1])
        f = image.shape[1] / self.full_width
        p = self.plate
        if p.h * f < self.min_height:
            return []
        box = BoundingBox(round(p.x * f), round(p.y * f), round(p.w * f), round(p.h * f))
        return [PlateDetection(box, 0.9, box)]


def large_scene() -> np.ndarray:
    img = np.zeros((900, 1600, 3), np.uint8)
    img[600:640, 1000:1100] = 200
    return img


def quick_pipeline(detector: SizeAwareDetector, confidence: float) -> Pipeline:
    return Pipeline(
        detector=detector,
        reader=FakeReader({200: (PlateCandidate("7XYZ123", confidence),)}),
        region=FakeRegion(RegionGuess("us-ca", 0.9)),
        config=PipelineConfig(quick_side=800, quick_sure=0.8),
    )


def test_a_sure_plate_in_the_shrunk_scene_skips_the_full_size_search() -> None:
    detector = SizeAwareDetector(BoundingBox(1000, 600, 100, 40), 1600)
    [found] = quick_pipeline(detector, 0.95).recognize(large_scene())
    assert detector.widths == [800]
    assert found.plate == "7XYZ123"
    # the box is in the caller's pixels, not the shrunk scene's
    assert found.box.iou(BoundingBox(1000, 600, 100, 40)) >= 0.5


def test_an_unsure_quick_read_is_searched_again_at_full_size() -> None:
    detector = SizeAwareDetector(BoundingBox(1000, 600, 100, 40), 1600)
    [found] = quick_pipeline(detector, 0.7).recognize(large_scene())
    assert detector.widths == [800, 1600]
    assert found.plate == "7XYZ123"


def test_a_plate_too_small_for_the_shrunk_scene_is_found_at_full_size() -> None:
    detector = SizeAwareDetector(BoundingBox(1000, 600, 100, 40), 1600, min_height=30)
    [found] = quick_pipeline(detector, 0.95).recognize(large_scene())
    assert detector.widths == [800, 1600]
    assert found.box.iou(BoundingBox(1000, 600, 100, 40)) >= 0.5


def test_a_scene_no_larger_than_the_quick_size_is_searched_once() -> None:
    detector = SizeAwareDetector(BoundingBox(100, 100, 100, 40), 800)
    img = np.zeros((600, 800, 3), np.uint8)
    img[100:140, 100:200] = 200
    quick_pipeline(detector, 0.7).recognize(img)
    assert detector.widths == [800]


def test_a_scene_with_nothing_read_is_searched_once_more_with_raised_contrast_at_the_quick_size() -> None:
    detector = SizeAwareDetector(BoundingBox(1000, 600, 100, 40), 1600, min_height=1000)  # never found
    assert quick_pipeline(detector, 0.95).recognize(large_scene()) == []
    assert detector.widths == [800, 1600, 800]  # quick, full size, then the contrast retry
