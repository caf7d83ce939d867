"""Benchmark ONNX Runtime (the engine's runtime, graphs folded) against OpenVINO's CPU runtime on the same
models, in the same run, alternating, one thread, at the input sizes the engine feeds them.

Usage: python bench/runtimes.py [--runs N]

OpenVINO is not a plateguard dependency; install it beside plateguard to run this (`pip install
openvino`). It is given the model file as it is (it makes its own fusions) and float32 precision.

Prints a table and, as the last line, one JSON object: per model the median ms under each runtime, their
ratio (OpenVINO / ONNX Runtime) and the largest absolute difference between the two outputs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from graph_fold import CASES, first_output
from support.timing import alternating_medians

from plateguard.recognition.onnx_session import load_session


def openvino_request(path: Path, shape: tuple[int, ...]) -> Any:
    import openvino as ov  # type: ignore[import-not-found,unused-ignore]

    model = ov.Core().read_model(str(path))
    model.reshape({model.inputs[0].get_any_name(): ov.PartialShape(list(shape))})
    config = {"INFERENCE_NUM_THREADS": 1, "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"}
    return ov.Core().compile_model(model, "CPU", config).create_infer_request()


def time_pair(path: Path, shape: tuple[int, ...], runs: int) -> dict[str, float]:
    x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    session, request = load_session(path), openvino_request(path, shape)
    runners: dict[str, Callable[[], Any]] = {
        "onnxruntime": first_output(session, x),
        "openvino": lambda: next(iter(request.infer({0: x}).values())),
    }
    medians, outputs = alternating_medians(runners, runs)
    ort_ms, ov_ms = medians["onnxruntime"], medians["openvino"]
    return {
        "onnxruntime_ms": round(ort_ms, 2),
        "openvino_ms": round(ov_ms, 2),
        "ratio": round(ov_ms / ort_ms, 3),
        "max_abs_diff": float(np.abs(outputs["onnxruntime"] - outputs["openvino"]).max()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    results = {}
    print(f"{'model':48s} {'ORT ms':>8s} {'OpenVINO':>9s} {'ratio':>6s} {'max diff':>9s}")
    for label, path, shape in CASES:
        row = time_pair(path, shape, args.runs)
        results[label] = row
        print(
            f"{label:48s} {row['onnxruntime_ms']:8.2f} {row['openvino_ms']:9.2f} "
            f"{row['ratio']:6.3f} {row['max_abs_diff']:9.1e}"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
