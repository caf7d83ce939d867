"""Tuning-crop top-1 of the default plate reader with the stock PP-OCR line reader and a fine-tuned one.

    python bench/support/line_reader_eval.py [--model training/out/plate_line_reader.onnx] [--data DIR]
        [--student training/out/line_student.onnx [--thresholds 0.9,0.95,0.98]]

Reads the crops of ../shared/data/openalpr/crops-us whose `part_of` (bench/recognition.py) is "tuning"
through the default pipeline's crop path (`PpocrPlateReader` + region rerank, `Pipeline.read_crop`),
once with `ppocr.TextLineReader` and once with `line_reader.PlateLineReader` on the given ONNX
(training/finetune_line_reader.py --export) reading the number; the other lines are read by the stock
recogniser either way, as in the default engine. Prints plate top-1 and state accuracy, mean and median
ms per crop, and the number reads (count, ms per line). With `--student` (training/distill_line_reader.py
--export) also the student alone and, per threshold, the student with fallback: a number read whose
confidence (`ctc.rank`'s best candidate, as the engine ranks it) is under the threshold is read again by
the `--model` reader (the fraction that fell back is printed). The validation part is never read. One
thread.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1] / "src"))

from plateguard.recognition.ctc import Probs, rank  # noqa: E402
from plateguard.recognition.formats import normalize_plate  # noqa: E402
from plateguard.recognition.images import load_image  # noqa: E402
from plateguard.recognition.line_reader import PlateLineReader  # noqa: E402
from plateguard.recognition.pipeline import Pipeline  # noqa: E402
from plateguard.recognition.ppocr import TextDetector, TextLineReader, plate_text_detector  # noqa: E402
from plateguard.recognition.ppocr_plate import LineReader, PpocrPlateDetector, PpocrPlateReader  # noqa: E402
from plateguard.recognition.region import TextRegionClassifier  # noqa: E402
from plateguard.recognition.types import Image  # noqa: E402
from recognition import Crop, load_crops, part_of  # noqa: E402

REPO = HERE.parents[1]
DEFAULT_MODEL = REPO / "training" / "out" / "plate_line_reader.onnx"
DEFAULT_DATA = REPO.parent / "shared" / "data" / "openalpr"


class Timed:
    """A line reader that counts its reads and their time."""

    def __init__(self, reader: LineReader) -> None:
        self.reader = reader
        self.ms: list[float] = []

    def predict(self, line: Image) -> Probs:
        start = time.perf_counter()
        probs = self.reader.predict(line)
        self.ms.append((time.perf_counter() - start) * 1000)
        return probs

    def summary(self) -> dict[str, float]:
        ms = self.ms or [0.0]
        return {"reads": len(self.ms), "ms_per_line": round(statistics.median(ms), 2)}


class Fallback:
    """The student's read, or the big reader's where the student's best candidate is under `threshold`."""

    def __init__(self, student: LineReader, big: LineReader, threshold: float) -> None:
        self.student, self.big, self.threshold = student, big, threshold
        self.reads = self.fell_back = 0

    def predict(self, line: Image) -> Probs:
        probs = self.student.predict(line)
        self.reads += 1
        cands = rank(probs)
        if cands and cands[0].confidence >= self.threshold:
            return probs
        self.fell_back += 1
        return self.big.predict(line)


def pipeline_with(detector: TextDetector, line_reader: LineReader, stock: TextLineReader) -> Pipeline:
    """The default engine's crop path with `line_reader` for the number; the state name and slogan lines
    are read by the stock recogniser, as `build_default` reads them."""
    reader = PpocrPlateReader(detector, line_reader, text_reader=stock)
    return Pipeline(detector=PpocrPlateDetector(detector), reader=reader, region=TextRegionClassifier())


def evaluate(pipeline: Pipeline, crops: list[Crop]) -> dict[str, float]:
    ok, state_ok, ms = 0, 0, []
    for crop in crops:
        image = load_image(crop.path)
        start = time.perf_counter()
        plate = pipeline.read_crop(image)
        ms.append((time.perf_counter() - start) * 1000)
        ok += normalize_plate(plate.plate) == normalize_plate(crop.plate)
        state_ok += plate.region == f"us-{crop.state}"
    return {
        "top1": round(ok / len(crops), 4),
        "correct": ok,
        "state": round(state_ok / len(crops), 4),
        "ms_per_crop": round(statistics.mean(ms), 1),
        "median_ms_per_crop": round(statistics.median(ms), 1),
    }


def evaluate_reader(
    detector: TextDetector, reader: LineReader, stock: TextLineReader, crops: list[Crop]
) -> dict[str, object]:
    timed = Timed(reader)
    result: dict[str, object] = dict(evaluate(pipeline_with(detector, timed, stock), crops))
    result["number_reads"] = timed.summary()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--skip-stock", action="store_true", help="read with the fine-tuned model only")
    ap.add_argument("--student", type=Path, help="a small line reader (training/distill_line_reader.py)")
    ap.add_argument("--thresholds", default="0.9,0.95,0.98", help="--student: fallback thresholds")
    args = ap.parse_args()
    crops = [c for c in load_crops(args.data) if part_of(c.path.name) == "tuning"]
    detector, stock = plate_text_detector(threads=1), TextLineReader(threads=1)
    out: dict[str, object] = {"tuning_crops": len(crops)}
    if not args.skip_stock:
        out["stock"] = evaluate(pipeline_with(detector, stock, stock), crops)
    big = PlateLineReader(args.model, threads=1)
    out["finetuned"] = evaluate_reader(detector, big, stock, crops)
    out["model"] = str(args.model)
    if args.student:
        student = Timed(PlateLineReader(args.student, threads=1))
        out["student"] = evaluate_reader(detector, student, stock, crops)
        out["student_model"] = str(args.student)
        for t in (float(v) for v in args.thresholds.split(",")):
            student.ms.clear()
            fb = Fallback(student, Timed(big), t)
            result = evaluate_reader(detector, fb, stock, crops)
            result["fell_back"] = round(fb.fell_back / max(fb.reads, 1), 4)
            result["student_reads"] = student.summary()
            result["big_reads"] = fb.big.summary()  # type: ignore[attr-defined]
            out[f"fallback_{t}"] = result
    print(json.dumps(out))


if __name__ == "__main__":
    main()
