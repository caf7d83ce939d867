"""Explicit ONNX Runtime session loading: providers and threads by argument, input shape checked on load.

Every model is rewritten in memory before it is loaded (`graph_fold`: exact folds of PaddleOCR's scalar
affines and hard-swish chains; 0.74-0.92 x the time per network on one thread, bench/graph_fold.py); the
file itself is never changed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import onnx
import onnxruntime as ort

from plateguard.recognition.graph_fold import folded_bytes

DEFAULT_PROVIDERS: tuple[str, ...] = ("CPUExecutionProvider",)


class ModelLoadError(RuntimeError):
    """A model file is missing, unreadable or does not have the expected input."""


def load_session(
    path: Path,
    *,
    threads: int = 1,
    providers: Sequence[str] = DEFAULT_PROVIDERS,
    expected_input: Sequence[int | None] = (),
    fold: bool = True,
    free_dims: Sequence[int] = (),
) -> ort.InferenceSession:
    """Load `path` once. `expected_input` lists fixed dimensions (None for any) checked against the model;
    `fold=False` loads the file exactly as it is (for comparisons). `free_dims` names dimensions of the
    first input that the file fixes and that the caller will vary (a recogniser's height): they are made
    free in memory, which changes nothing for inputs of the fixed size."""
    if not path.is_file():
        raise ModelLoadError(f"model file not found: {path}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    try:
        model = folded_bytes(path) if fold else path.read_bytes()
        model = _freed(model, free_dims, expected_input)
        session = ort.InferenceSession(model, sess_options=options, providers=list(providers))
    except _WrongFixedSize as exc:
        raise ModelLoadError(f"model {path}: {exc}") from exc
    except Exception as exc:  # onnx and onnxruntime raise several private exception types
        raise ModelLoadError(f"cannot load model {path}: {exc}") from exc
    _check_input(session, path, expected_input)
    return session


class _WrongFixedSize(ValueError):
    """A dimension to be freed is fixed in the file at another size than expected: not the model meant."""


def _freed(model: bytes, dims: Sequence[int], expected: Sequence[int | None]) -> bytes:
    """`model` with the first input's `dims` made free, each checked first against `expected` (freed, it
    could no longer be checked once loaded)."""
    if not dims:
        return model
    graph = onnx.load_from_string(model)
    shape = graph.graph.input[0].type.tensor_type.shape.dim
    for index in dims:
        fixed, want = shape[index].dim_value, expected[index] if index < len(expected) else None
        if fixed and want is not None and fixed != want:
            raise _WrongFixedSize(f"input dimension {index} is {fixed}, expected {want}")
        shape[index].ClearField("dim_value")
        shape[index].dim_param = f"free_{index}"
    return bytes(graph.SerializeToString())


def _check_input(session: ort.InferenceSession, path: Path, expected: Sequence[int | None]) -> None:
    if not expected:
        return
    shape = session.get_inputs()[0].shape
    if len(shape) != len(expected):
        raise ModelLoadError(f"model {path}: input rank {len(shape)} {shape}, expected {list(expected)}")
    for got, want in zip(shape, expected, strict=True):
        if want is not None and isinstance(got, int) and got != want:
            raise ModelLoadError(f"model {path}: input shape {shape}, expected {list(expected)}")
