"""Benchmark the recognition engine on ../shared/data/openalpr next to the RapidOCR baseline (one thread).

Usage: python bench/recognition.py [--data DIR] [--limit N] [--no-baseline]
The last line printed is one JSON object with the metrics (fractions 0-1, times in ms).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

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
    scene_ms: list[float] = field(default_factory=list)
    crop_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


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
    t.top10 += ok1 or any(normalize_plate(c.plate) == truth for p in hits for c in p.candidates[:10])
    if not ok1:
        t.misses.append(f"scene {scene.path.name} {scene.plate} -> {[p.plate for p in plates]}")


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
    return t


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
    "scene_ms_median": "<= 80",
    "crop_ms_median": "<= 3",
}


def print_table(ours: dict[str, float], base: dict[str, float] | None) -> None:
    print(f"{'metric':<18} {'plateguard':>11} {'rapidocr':>10}  target")
    for key, target in TARGETS.items():
        b = f"{base[key]:>10}" if base else f"{'-':>10}"
        print(f"{key:<18} {ours[key]:>11} {b}  {target}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "openalpr")
    ap.add_argument("--limit", type=int, default=0, help="use every N-th sample only (quick runs)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--misses", action="store_true", help="print the misses")
    ap.add_argument("--only", choices=["scenes", "crops"], help="evaluate one part only (quick runs)")
    ap.add_argument("--reader", default=DEFAULT_READER, help="ppocr, crnn, hybrid or fast")
    args = ap.parse_args()
    scenes, crops = load_scenes(args.data), load_crops(args.data)
    if args.limit:
        scenes, crops = scenes[:: args.limit], crops[:: args.limit]
    if args.only == "scenes":
        crops = []
    elif args.only == "crops":
        scenes = []
    pipeline: Pipeline = build_default(threads=1, reader=args.reader)
    tally = run_engine(scenes, crops, pipeline.recognize, pipeline.read_crop)
    ours = metrics(tally)
    base = None
    if not args.no_baseline:
        from support.rapidocr_baseline import RapidOcrBaseline  # type: ignore[import-not-found]

        bl = RapidOcrBaseline()
        base = metrics(run_engine(scenes, crops, bl.recognize, bl.read_crop))
    if args.misses:
        print("\n".join(tally.misses))
    print_table(ours, base)
    ours["baseline_scenes_top1"] = base["scenes_top1"] if base else -1.0
    ours["baseline_crops_top1"] = base["crops_top1"] if base else -1.0
    print(json.dumps(ours))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
