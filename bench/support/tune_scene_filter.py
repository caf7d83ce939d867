"""Tune the scene post-filter of the recognition pipeline on cached reads (a tuning aid, not a benchmark).

    python bench/support/tune_scene_filter.py [--data DIR] [--cache FILE] [--reader ppocr|hybrid|...]

Reads every text detection of every scene once with a permissive configuration (cached in a pickle), then
replays the pipeline's filtering (plausibility, relative text height, second-plate score, suppression) for
a grid of settings and prints the best by top-1 and by false detections, on the tuning part of the
development scenes only (`part_of` in bench/recognition.py). This is how the defaults in
``PipelineConfig`` were chosen; it does not train on the evaluation data, it only picks thresholds.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1] / "src"))

from plateguard.recognition.geometry import to_bgr  # noqa: E402
from plateguard.recognition.images import load_image  # noqa: E402
from plateguard.recognition.pipeline import (  # noqa: E402
    SURE_PLATE,
    PipelineConfig,
    build_default,
    choose,
    plausible,
)
from plateguard.recognition.types import RecognizedPlate  # noqa: E402
from recognition import Tally, load_scenes, part_of, score_scene  # noqa: E402

Reads = list[tuple[RecognizedPlate, int]]


def collect(data: Path, reader: str) -> list[tuple[Any, Reads]]:
    pipe = build_default(threads=1, reader=reader)
    pipe.config = PipelineConfig(min_confidence=0.0, min_chars=1, max_chars=20, words_confidence=0.0)
    out = []
    for scene in (s for s in load_scenes(data) if part_of(s.path.name) == "tuning"):
        img = to_bgr(load_image(scene.path))
        reads = []
        for det in sorted(pipe.detector.predict(img), key=lambda d: -d.text_box.h):
            plate = pipe._read(img, det)
            if plate is not None:
                reads.append((plate, det.text_box.h))
        out.append((scene, reads))
    return out


def replay(cfg: PipelineConfig, reads: Reads) -> list[RecognizedPlate]:
    """``Pipeline.recognize`` after reading: the same skip of short text, then its own filters."""
    found, sure = [], 0
    for plate, height in reads:
        if height < cfg.second_plate_height * sure or not plausible(plate.plate, plate.confidence, cfg):
            continue
        found.append((plate, height))
        if plate.confidence >= SURE_PLATE:
            sure = max(sure, height)
    return choose(found, cfg)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=HERE.parents[2] / "shared" / "data" / "openalpr")
    ap.add_argument("--reader", default="ppocr", help="plate reader (see build_default)")
    ap.add_argument("--cache", type=Path, help="default: build/scene-reads-READER.pkl")
    args = ap.parse_args()
    args.cache = args.cache or HERE.parents[1] / "build" / f"scene-reads-{args.reader}.pkl"
    if args.cache.exists():
        cached = pickle.loads(args.cache.read_bytes())
    else:
        cached = collect(args.data, args.reader)
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        args.cache.write_bytes(pickle.dumps(cached))
    rows = []
    grid = itertools.product([0.4, 0.5, 0.6], [0.7, 0.8, 0.9], [0.0, 0.6, 0.7, 0.8, 0.9], [1, 2, 4])
    for min_conf, height, second, most in grid:
        cfg = replace(
            PipelineConfig(),
            min_confidence=min_conf,
            second_plate_height=height,
            second_plate_confidence=second,
            max_plates=most,
        )
        tally = Tally()
        for scene, reads in cached:
            score_scene(tally, scene, replay(cfg, reads))
        rows.append((tally.top1, tally.false, min_conf, height, second, most))
    rows.sort(key=lambda r: (-r[0], r[1]))
    print("top1 false min_confidence second_plate_height second_plate_confidence max_plates")
    for row in rows[:15]:
        print(*row)


if __name__ == "__main__":
    main()
