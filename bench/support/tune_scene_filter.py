"""Tune the scene settings of the recognition pipeline on the tuning part (a tuning aid, not a benchmark).

    python bench/support/tune_scene_filter.py [--data DIR] [--reader tuned|ppocr|...] [--top N]

Runs the real ``Pipeline.recognize`` (quick search, full-size fallback, contrast retry, close-ups, the scene
filter) over the tuning part of the development scenes (`part_of` in bench/recognition.py) for a grid of
``PipelineConfig`` settings. The models' outputs are cached in memory by the exact pixels they were given,
so after the first pass each setting costs only the pipeline's own logic, and every setting sees exactly
what the pipeline would compute. Prints the best settings by top-1, then fewest false detections, and the
rank of the current defaults. It never reads the validation part and trains nothing; it only picks
thresholds.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, cast

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1] / "src"))

from plateguard.recognition.images import load_image  # noqa: E402
from plateguard.recognition.pipeline import Pipeline, PipelineConfig, build_default  # noqa: E402
from plateguard.recognition.types import Image  # noqa: E402
from recognition import Scene, Tally, load_scenes, part_of, score_scene  # noqa: E402

Out = TypeVar("Out", covariant=True)


class Stage(Protocol[Out]):
    def predict(self, image: Image, /) -> Out: ...


GRID: dict[str, list[float]] = {
    "min_confidence": [0.4, 0.5, 0.6],
    "second_plate_height": [0.6, 0.7, 0.8],
    "second_plate_confidence": [0.0, 0.6, 0.8],
    "words_confidence": [0.75, 0.85, 0.95],
    "quick_sure": [0.7, 0.8, 0.9],
}


def digest(image: Image) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(image).tobytes() + repr(image.shape).encode()).digest()


class Memo(Generic[Out]):
    """A model stage (detector or reader) whose answers are kept by the exact pixels it was given."""

    def __init__(self, inner: Stage[Out]) -> None:
        self.inner = inner
        self.memo: dict[bytes, Out] = {}

    def predict(self, image: Image) -> Out:
        key = digest(image)
        if key not in self.memo:
            self.memo[key] = self.inner.predict(image)
        return self.memo[key]


def settings() -> list[PipelineConfig]:
    names = list(GRID)
    return [
        replace(PipelineConfig(), **cast(dict[str, Any], dict(zip(names, values, strict=True))))
        for values in itertools.product(*(GRID[n] for n in names))
    ]


def evaluate(pipe: Pipeline, scenes: list[tuple[Scene, Image]], cfg: PipelineConfig) -> Tally:
    pipe.config = cfg
    tally = Tally()
    for scene, image in scenes:
        score_scene(tally, scene, pipe.recognize(image))
    return tally


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=HERE.parents[2] / "shared" / "data" / "openalpr")
    ap.add_argument("--reader", default="tuned", help="plate reader (see build_default)")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    pipe = build_default(threads=1, reader=args.reader)
    pipe.detector = Memo(pipe.detector)
    pipe.reader = Memo(pipe.reader)
    scenes = [(s, load_image(s.path)) for s in load_scenes(args.data) if part_of(s.path.name) == "tuning"]
    default = PipelineConfig()
    rows = []
    for cfg in settings():
        tally = evaluate(pipe, scenes, cfg)
        rows.append((tally.top1, tally.false, tally.detected, cfg))
    rows.sort(key=lambda r: (-r[0], r[1], -r[2]))
    names = list(GRID)
    print(f"{len(scenes)} tuning scenes, {len(rows)} settings")
    print("top1 false detected " + " ".join(names))
    for top1, false, detected, cfg in rows[: args.top]:
        values = asdict(cfg)
        print(top1, false, detected, *(values[n] for n in names))
    top1, false, detected, _ = next(r for r in rows if r[3] == default)
    better = sum(1 for r in rows if (r[0], -r[1]) > (top1, -false))
    ties = sum(1 for r in rows if (r[0], r[1]) == (top1, false)) - 1
    print(f"defaults: top1 {top1} false {false} detected {detected}; {better} better, {ties} as good")


if __name__ == "__main__":
    main()
