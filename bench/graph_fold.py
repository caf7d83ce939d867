"""Benchmark the in-memory graph folds (recognition/graph_fold.py): each model as it is on disk against the
same model folded, in the same run, alternating, one thread, at the input sizes the engine feeds it.

Usage: python bench/graph_fold.py [--runs N]

Prints a table and, as the last line, one JSON object: per model the median ms as is and folded, their
ratio (folded / as is) and the largest absolute difference between the two outputs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

from support.timing import alternating_medians  # noqa: E402

from plateguard.recognition.line_reader import LINE_READER_MODEL  # noqa: E402
from plateguard.recognition.onnx_session import load_session  # noqa: E402
from plateguard.recognition.ppocr import (  # noqa: E402
    DET_MODEL,
    PLATE_TEXT_DETECTOR_MODEL,
    REC_MODEL,
    ppocr_model_dir,
)

CASES = (
    ("scene text detector, 800 x 448 (quick search)", ppocr_model_dir() / DET_MODEL, (1, 3, 448, 800)),
    ("crop text detector, 320 x 192", PLATE_TEXT_DETECTOR_MODEL, (1, 3, 192, 320)),
    ("plate-number reader, 176 px line", LINE_READER_MODEL, (1, 3, 48, 176)),
    ("stock recognizer, 270 px state-name line", ppocr_model_dir() / REC_MODEL, (1, 3, 48, 270)),
)


def first_output(session: ort.InferenceSession, x: np.ndarray) -> Callable[[], np.ndarray]:
    feed = {session.get_inputs()[0].name: x}
    return lambda: np.asarray(session.run(None, feed)[0])


def time_pair(path: Path, shape: tuple[int, ...], runs: int) -> dict[str, float]:
    x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    sessions = {"as_is": load_session(path, fold=False), "folded": load_session(path)}
    medians, outputs = alternating_medians({name: first_output(s, x) for name, s in sessions.items()}, runs)
    as_is, folded = medians["as_is"], medians["folded"]
    return {
        "as_is_ms": round(as_is, 2),
        "folded_ms": round(folded, 2),
        "ratio": round(folded / as_is, 3),
        "max_abs_diff": float(np.abs(outputs["as_is"] - outputs["folded"]).max()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    results = {}
    print(f"{'model and input':48s} {'as is ms':>9s} {'folded ms':>10s} {'ratio':>6s} {'max diff':>9s}")
    for label, path, shape in CASES:
        r = time_pair(path, shape, args.runs)
        results[label] = r
        diff = r["max_abs_diff"]
        print(f"{label:48s} {r['as_is_ms']:9.1f} {r['folded_ms']:10.1f} {r['ratio']:6.3f} {diff:9.1e}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
