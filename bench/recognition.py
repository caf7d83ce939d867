"""Benchmark the recognition engine on ../shared/data/openalpr next to the RapidOCR baseline (one thread).

Usage: python bench/recognition.py [--data DIR] [--part tuning|validation|both] [--limit N] [--no-baseline]

The development images are split once, by a hash of the file name (`part_of`), into a tuning part and a
validation part. Every threshold, filter and model choice is made on the tuning part only (the tuning aid
in bench/support/ sees nothing else); the validation part is only ever reported. A synthetic validation
set (plates rendered by training/render.py with a fixed seed) is read too.

Besides scenes and crops, "closeups" reads every crop in scene mode (`Pipeline.recognize`), as a
dedicated ALPR camera that sends only the plate would be read.

The baseline is the off-the-shelf RapidOCR pipeline, which plateguard does not install: `pip install
--no-deps rapidocr-onnxruntime==1.4.4 && pip install pyyaml six tqdm` (without its desktop OpenCV, which
would clash with opencv-python-headless); or run with --no-baseline.

The last line printed is one JSON object: the validation figures under their plain names, the tuning
figures prefixed `tuning_`, the baseline's prefixed `baseline_` (fractions 0-1, times in ms).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

from support.intervals import expected_range, wilson  # noqa: E402
from support.taxonomy import classify, report  # noqa: E402

from plateguard.recognition.formats import normalize_plate  # noqa: E402
from plateguard.recognition.images import load_image  # noqa: E402
from plateguard.recognition.pipeline import DEFAULT_READER, Pipeline, build_default  # noqa: E402
from plateguard.recognition.types import BoundingBox, Image, RecognizedPlate  # noqa: E402


@dataclass(frozen=True)
class Scene:
    path: Path
    box: BoundingBox
    plate: str


@dataclass(frozen=True)
class Crop:
    path: Path
    state: str
    plate: str


@dataclass
class Tally:
    scenes: int = 0
    top1: int = 0
    top10: int = 0
    detected: int = 0
    false: int = 0
    crops: int = 0
    crop_top1: int = 0
    state_ok: int = 0
    closeup_top1: int = 0
    box_ious: list[float] = field(default_factory=list)
    scene_ms: list[float] = field(default_factory=list)
    crop_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    scene_kinds: Counter[str] = field(default_factory=Counter)
    crop_kinds: Counter[str] = field(default_factory=Counter)
    scene_pairs: Counter[str] = field(default_factory=Counter)
    crop_pairs: Counter[str] = field(default_factory=Counter)


PARTS = ("tuning", "validation")
HELD_OUT = {"scenes": 111, "crops": 376}
"""Sizes of the held-out half the project does not have (from the report that measured it)."""


def part_of(name: str) -> str:
    """The fixed part of a development image: the lowest bit of the SHA-256 of "plateguard-split/" and its
    file name (salted: the development images themselves share the unsalted hash's lowest bit)."""
    return PARTS[hashlib.sha256(f"plateguard-split/{name}".encode()).digest()[0] & 1]


def load_scenes(root: Path) -> list[Scene]:
    out = []
    for txt in sorted((root / "scenes-us").glob("*.txt")):
        name, x, y, w, h, plate = txt.read_text().strip().split("\t")[:6]
        out.append(Scene(txt.parent / name, BoundingBox(int(x), int(y), int(w), int(h)), plate))
    return out


def load_crops(root: Path) -> list[Crop]:
    with (root / "crops-us" / "groundtruth.csv").open() as fh:
        return [Crop(root / "crops-us" / r[0], r[1], r[2]) for r in csv.reader(fh) if len(r) >= 3]


def overlaps(pred: BoundingBox, truth: BoundingBox) -> bool:
    return pred.iou(truth) >= 0.3 or truth.contains(*pred.centre)


def score_scene(t: Tally, scene: Scene, plates: list[RecognizedPlate]) -> None:
    truth = normalize_plate(scene.plate)
    hits = [p for p in plates if overlaps(p.box, scene.box)]
    t.scenes += 1
    t.false += len(plates) - len(hits)
    t.detected += bool(hits)
    ok1 = any(normalize_plate(p.plate) == truth for p in hits)
    t.top1 += ok1
    t.box_ious.extend(p.box.iou(scene.box) for p in hits)
    t.misses.extend(
        f"box {scene.path.name} {p.plate} iou {p.box.iou(scene.box):.2f}"
        for p in hits
        if p.box.iou(scene.box) < 0.3
    )
    t.top10 += ok1 or any(normalize_plate(c.plate) == truth for p in hits for c in p.candidates[:10])
    if not ok1:
        t.misses.append(f"scene {scene.path.name} {scene.plate} -> {[p.plate for p in plates]}")
        best = max(hits, key=lambda p: p.confidence) if hits else None
        count_miss(t.scene_kinds, t.scene_pairs, truth, best)


def count_miss(kinds: Counter[str], pairs: Counter[str], truth: str, read: RecognizedPlate | None) -> None:
    text = normalize_plate(read.plate) if read else ""
    candidates = [normalize_plate(c.plate) for c in read.candidates] if read else []
    kind, pair = classify(truth, text, candidates)
    kinds[kind] += 1
    if pair:
        pairs[pair] += 1


def run_engine(
    scenes: list[Scene],
    crops: list[Crop],
    recognize: Callable[[Image], list[RecognizedPlate]],
    read_crop: Callable[[Image], RecognizedPlate],
) -> Tally:
    t = Tally()
    for scene in scenes:
        image = load_image(scene.path)
        start = time.perf_counter()
        plates = recognize(image)
        t.scene_ms.append((time.perf_counter() - start) * 1000)
        score_scene(t, scene, plates)
    for crop in crops:
        image = load_image(crop.path)
        start = time.perf_counter()
        plate = read_crop(image)
        t.crop_ms.append((time.perf_counter() - start) * 1000)
        t.crops += 1
        ok = normalize_plate(plate.plate) == normalize_plate(crop.plate)
        t.crop_top1 += ok
        t.state_ok += plate.region == f"us-{crop.state}"
        if not ok:
            t.misses.append(f"crop {crop.path.name} {crop.plate} -> {plate.plate} ({plate.region})")
            count_miss(t.crop_kinds, t.crop_pairs, normalize_plate(crop.plate), plate)
        closeup = recognize(image)
        t.closeup_top1 += bool(closeup) and normalize_plate(closeup[0].plate) == normalize_plate(crop.plate)
    return t


def synthetic_crops_top1(read_crop: Callable[[Image], RecognizedPlate], count: int) -> float:
    """Accuracy on plates rendered by the training renderer with a fixed seed (never trained on: the
    training run draws from other seeds)."""
    sys.path.insert(0, str(REPO / "training"))
    import render

    rng = random.Random(460_460)
    ok = 0
    for _ in range(count):
        sample = render.sample(rng, 256, 96)
        ok += normalize_plate(read_crop(sample.image).plate) == normalize_plate(sample.text)
    return round(ok / count, 4) if count else 0.0


def metrics(t: Tally) -> dict[str, float]:
    def frac(a: int, b: int) -> float:
        return round(a / b, 4) if b else 0.0

    return {
        "scenes_top1": frac(t.top1, t.scenes),
        "scenes_top10": frac(t.top10, t.scenes),
        "detection_recall": frac(t.detected, t.scenes),
        "false_per_image": frac(t.false, t.scenes),
        "crops_top1": frac(t.crop_top1, t.crops),
        "state_acc": frac(t.state_ok, t.crops),
        "closeups_top1": frac(t.closeup_top1, t.crops),
        "box_iou_ok": frac(sum(iou >= 0.3 for iou in t.box_ious), len(t.box_ious)),
        "box_iou_median": round(statistics.median(t.box_ious), 3) if t.box_ious else 0.0,
        "scene_ms_median": round(statistics.median(t.scene_ms), 1) if t.scene_ms else 0.0,
        "crop_ms_median": round(statistics.median(t.crop_ms), 1) if t.crop_ms else 0.0,
    }


TARGETS = {
    "scenes_top1": ">= 0.92",
    "scenes_top10": "",
    "detection_recall": "",
    "false_per_image": "<= 0.3",
    "crops_top1": ">= 0.95",
    "state_acc": ">= 0.80",
    "closeups_top1": "",
    "box_iou_ok": "= 1.0",
    "box_iou_median": "",
    "scene_ms_median": "<= 80",
    "crop_ms_median": "<= 3",
}


def interval_lines(t: Tally) -> list[str]:
    """The validation rates with their 95 % interval and the range expected on the held-out half."""
    rows = [
        ("scenes_top1", t.top1, t.scenes, HELD_OUT["scenes"]),
        ("crops_top1", t.crop_top1, t.crops, HELD_OUT["crops"]),
        ("state_acc", t.state_ok, t.crops, HELD_OUT["crops"]),
    ]
    lines = [
        "validation rates, their 95 % interval (Wilson), and the 95 % range expected on the held-out half"
    ]
    for name, right, n, other in rows:
        (low, high), (e_low, e_high) = wilson(right, n), expected_range(right, n, other)
        rate, held_out = f"rate {low:.3f}-{high:.3f}", f"held-out ({other}) {e_low:.3f}-{e_high:.3f}"
        lines.append(f"  {name:<12} {right:>3}/{n:<3} {rate}  {held_out}")
    return lines


def print_table(results: dict[str, dict[str, float]]) -> None:
    columns = list(results)
    print(f"{'metric':<18} " + " ".join(f"{c:>20}" for c in columns) + "  target")
    for key, target in TARGETS.items():
        cells = " ".join(f"{results[c].get(key, '-'):>20}" for c in columns)
        print(f"{key:<18} {cells}  {target}")


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "openalpr")
    ap.add_argument("--part", choices=[*PARTS, "both"], default="both")
    ap.add_argument("--limit", type=int, default=0, help="use every N-th sample only (quick runs)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument(
        "--baseline-ppocr-v6",
        action="store_true",
        help="the baseline with the rapidocr 3.10 wheel's PP-OCRv6 small models (needs that wheel)",
    )
    ap.add_argument("--misses", action="store_true", help="print the misses (tuning part only)")
    ap.add_argument("--only", choices=["scenes", "crops"], help="evaluate one part only (quick runs)")
    ap.add_argument("--reader", default=DEFAULT_READER, help="ppocr, crnn, hybrid or fast")
    ap.add_argument("--synthetic", type=int, default=300, help="rendered plates to read (0: none)")
    return ap.parse_args()


def main() -> None:
    args = parse_args()
    cv2.setNumThreads(1)  # one thread for OpenCV's resizing and warping too, not only for ONNX Runtime
    scenes, crops = load_scenes(args.data), load_crops(args.data)
    if args.limit:
        scenes, crops = scenes[:: args.limit], crops[:: args.limit]
    scenes = [] if args.only == "crops" else scenes
    crops = [] if args.only == "scenes" else crops
    pipeline: Pipeline = build_default(threads=1, reader=args.reader)
    baseline = None
    if not args.no_baseline:
        from support.rapidocr_baseline import RapidOcrBaseline

        baseline = RapidOcrBaseline(ppocr_v6=args.baseline_ppocr_v6)
    results: dict[str, dict[str, float]] = {}
    taxonomy: list[str] = []
    for part in PARTS if args.part == "both" else (args.part,):
        mine_s = [s for s in scenes if part_of(s.path.name) == part]
        mine_c = [c for c in crops if part_of(c.path.name) == part]
        tally = run_engine(mine_s, mine_c, pipeline.recognize, pipeline.read_crop)
        results[part] = metrics(tally)
        if baseline is not None:
            results[f"{part} rapidocr"] = metrics(
                run_engine(mine_s, mine_c, baseline.recognize, baseline.read_crop)
            )
        if args.misses and part == "tuning":
            print("\n".join(tally.misses))
        taxonomy.extend(report(f"{part} scenes", tally.scene_kinds, tally.scene_pairs, tally.scenes))
        taxonomy.extend(report(f"{part} crops", tally.crop_kinds, tally.crop_pairs, tally.crops))
        if part == "validation":
            taxonomy.extend(interval_lines(tally))
    print("\n".join(taxonomy))
    print_table(results)
    synthetic = synthetic_crops_top1(pipeline.read_crop, args.synthetic)
    print(f"synthetic validation crops top-1 ({args.synthetic} rendered plates): {synthetic}")
    print(json.dumps(summary(results, synthetic)))


def summary(results: dict[str, dict[str, float]], synthetic: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for column, figures in results.items():
        part, _, engine = column.partition(" ")
        prefix = ("baseline_" if engine else "") + ("tuning_" if part == "tuning" else "")
        out.update({prefix + key: value for key, value in figures.items()})
    out["synthetic_crops_top1"] = synthetic
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
