"""Tuning-crop top-1 of the default plate reader with the stock PP-OCR line reader and a fine-tuned one.

    python bench/support/line_reader_eval.py [--model training/out/plate_line_reader.onnx] [--data DIR]

Reads the crops of ../shared/data/openalpr/crops-us whose `part_of` (bench/recognition.py) is "tuning"
through the default pipeline's crop path (`PpocrPlateReader` + region rerank, `Pipeline.read_crop`),
once with `ppocr.TextLineReader` and once with `line_reader.PlateLineReader` on the given ONNX
(training/finetune_line_reader.py --export) reading the number; the other lines are read by the stock
recogniser either way, as in the default engine. Prints plate top-1 and state accuracy. The validation
part is never read. One thread.
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

from plateguard.recognition.formats import normalize_plate  # noqa: E402
from plateguard.recognition.images import load_image  # noqa: E402
from plateguard.recognition.line_reader import PlateLineReader  # noqa: E402
from plateguard.recognition.pipeline import Pipeline  # noqa: E402
from plateguard.recognition.ppocr import TextDetector, TextLineReader, plate_text_detector  # noqa: E402
from plateguard.recognition.ppocr_plate import PpocrPlateDetector, PpocrPlateReader  # noqa: E402
from plateguard.recognition.region import TextRegionClassifier  # noqa: E402
from recognition import Crop, load_crops, part_of  # noqa: E402

REPO = HERE.parents[1]
DEFAULT_MODEL = REPO / "training" / "out" / "plate_line_reader.onnx"
DEFAULT_DATA = REPO.parent / "shared" / "data" / "openalpr"


def pipeline_with(
    detector: TextDetector, line_reader: TextLineReader | PlateLineReader, stock: TextLineReader
) -> Pipeline:
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
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--skip-stock", action="store_true", help="read with the fine-tuned model only")
    args = ap.parse_args()
    crops = [c for c in load_crops(args.data) if part_of(c.path.name) == "tuning"]
    detector, stock = plate_text_detector(threads=1), TextLineReader(threads=1)
    out: dict[str, object] = {"tuning_crops": len(crops)}
    if not args.skip_stock:
        out["stock"] = evaluate(pipeline_with(detector, stock, stock), crops)
    out["finetuned"] = evaluate(pipeline_with(detector, PlateLineReader(args.model, threads=1), stock), crops)
    out["model"] = str(args.model)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
