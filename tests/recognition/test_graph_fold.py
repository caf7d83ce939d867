"""The in-memory graph rewrites change no result: every shipped model gives the file's own outputs, and
each rewrite is taken only where it is exact (small hand-built graphs, run by ONNX Runtime both ways)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from plateguard.recognition.graph_fold import FoldCounts, fold
from plateguard.recognition.onnx_session import load_session

from .conftest import in_scene, render_plate
from .test_models import need_ppocr

RNG = np.random.default_rng(7)


def run(model: onnx.ModelProto | ort.InferenceSession, x: np.ndarray) -> np.ndarray:
    session = model
    if isinstance(model, onnx.ModelProto):
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    assert isinstance(session, ort.InferenceSession)
    return np.asarray(session.run(None, {session.get_inputs()[0].name: x})[0])


def both_ways(path: Path, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    as_is = load_session(path, fold=False)
    folded = load_session(path)
    return run(as_is, x), run(folded, x)


def scene_input(height: int, width: int) -> np.ndarray:
    image = cv2.resize(in_scene(render_plate("ca", "7ABC123")), (width, height))
    return ((image.astype(np.float32) / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)[None].copy()


def line_input(width: int) -> np.ndarray:
    plate = render_plate("tx", "LMN5678")
    h = plate.shape[0]
    line = cv2.resize(plate[int(0.25 * h) : int(0.8 * h), :], (width, 48))
    return ((line.astype(np.float32) / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)[None].copy()


# ---------------------------------------------------------------- the shipped models


def ppocr_files() -> tuple[Path, Path]:
    need_ppocr()
    from plateguard.recognition.ppocr import DET_MODEL, REC_MODEL, ppocr_model_dir

    return ppocr_model_dir() / DET_MODEL, ppocr_model_dir() / REC_MODEL


def test_scene_detector_map_is_unchanged_by_the_rewrite() -> None:
    det, _ = ppocr_files()
    as_is, folded = both_ways(det, scene_input(480, 640))
    assert np.abs(as_is - folded).max() < 1e-4
    assert ((as_is > 0.3) == (folded > 0.3)).mean() > 0.9999  # the same text pixels above DB's threshold


def test_crop_detector_map_is_unchanged_by_the_rewrite() -> None:
    from plateguard.recognition.ppocr import PLATE_TEXT_DETECTOR_MODEL

    as_is, folded = both_ways(PLATE_TEXT_DETECTOR_MODEL, scene_input(160, 320))
    assert np.abs(as_is - folded).max() < 1e-4


@pytest.mark.parametrize("which", ["stock", "tuned"])
def test_recognizers_read_the_same_characters_after_the_rewrite(which: str) -> None:
    from plateguard.recognition.line_reader import LINE_READER_MODEL

    path = ppocr_files()[1] if which == "stock" else LINE_READER_MODEL
    as_is, folded = both_ways(path, line_input(240))
    assert np.abs(as_is - folded).max() < 1e-4
    assert (as_is.argmax(-1) == folded.argmax(-1)).all()


def test_the_paddle_networks_lose_their_element_wise_chains() -> None:
    """Without the rewrite the speed gain is gone: the PP-LCNet graphs must lose every hard-swish chain."""
    from plateguard.recognition.line_reader import LINE_READER_MODEL

    det, rec = ppocr_files()
    for path in (det, rec, LINE_READER_MODEL):
        model = onnx.load(str(path))
        counts = fold(model)
        assert counts.conv_affine > 0 and counts.hard_swish > 0 and counts.pre_conv_affine > 0, path
        assert not [n for n in model.graph.node if n.op_type == "Clip"], path  # hard-swish's only Clip


# ---------------------------------------------------------------- hand-built graphs


def const(name: str, value: float | np.ndarray) -> onnx.NodeProto:
    array = np.asarray(value, dtype=np.float32)
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(array, name))


def conv(name: str, data: str, out: str, channels: int, pads: int) -> list[onnx.NodeProto]:
    weight = RNG.normal(size=(channels, channels, 3, 3)).astype(np.float32)
    bias = RNG.normal(size=channels).astype(np.float32)
    return [
        const(name + "_w", weight),
        const(name + "_b", bias),
        helper.make_node(
            "Conv", [data, name + "_w", name + "_b"], [out], pads=[pads] * 4, kernel_shape=[3, 3]
        ),
    ]


def graph(
    nodes: list[onnx.NodeProto], outputs: tuple[str, ...] = ("y",), channels: int = 2
) -> onnx.ModelProto:
    shape = [1, channels, 9, 9]
    g = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, [1, channels, None, None]) for o in outputs],
    )
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)])


def fold_and_compare(model: onnx.ModelProto) -> FoldCounts:
    x = RNG.uniform(-6, 6, size=(1, 2, 9, 9)).astype(np.float32)
    before = run(model, x)
    counts = fold(model)
    onnx.checker.check_model(model)
    assert np.allclose(run(model, x), before, atol=1e-4)
    return counts


def affine(
    data: str, out: str, scale: float, offset: float, *, scale_first: bool = False
) -> list[onnx.NodeProto]:
    mul_inputs = ["s", data] if scale_first else [data, "s"]
    return [
        const("s", scale),
        const("o", offset),
        helper.make_node("Mul", mul_inputs, ["scaled"]),
        helper.make_node("Add", ["scaled", "o"], [out]),
    ]


def test_scalar_affine_after_a_padded_conv_is_folded() -> None:
    model = graph([*conv("c", "x", "t", 2, pads=1), *affine("t", "y", 1.7, -0.4, scale_first=True)])
    assert fold_and_compare(model).conv_affine == 2
    assert [n.op_type for n in model.graph.node] == ["Conv"]


def test_affine_is_not_folded_into_a_conv_whose_output_is_also_read_elsewhere() -> None:
    model = graph([*conv("c", "x", "t", 2, pads=1), *affine("t", "y", 1.7, -0.4)], outputs=("y", "t"))
    assert fold_and_compare(model).conv_affine == 0


def test_per_channel_affine_is_not_taken_for_a_scalar() -> None:
    nodes = [*conv("c", "x", "t", 2, pads=1), const("s", np.array([2.0, 3.0]).reshape(2, 1, 1))]
    model = graph([*nodes, helper.make_node("Mul", ["t", "s"], ["y"])])
    assert fold_and_compare(model).conv_affine == 0


@pytest.mark.parametrize("order", ["x first", "clip first"])
def test_hard_swish_becomes_two_operations_with_the_same_values(order: str) -> None:
    mul_inputs = ["x", "clipped"] if order == "x first" else ["clipped", "x"]
    model = graph(
        [
            const("three", 3.0),
            const("zero", 0.0),
            const("six", 6.0),
            helper.make_node("Add", ["x", "three"], ["shifted"]),
            helper.make_node("Clip", ["shifted", "zero", "six"], ["clipped"]),
            helper.make_node("Mul", mul_inputs, ["product"]),
            helper.make_node("Div", ["product", "six"], ["y"]),
        ]
    )
    assert fold_and_compare(model).hard_swish == 1
    assert sorted(n.op_type for n in model.graph.node) == ["HardSigmoid", "Mul"]


def test_a_clip_to_other_bounds_is_not_hard_swish() -> None:
    model = graph(
        [
            const("three", 3.0),
            const("zero", 0.0),
            const("five", 5.0),
            const("six", 6.0),
            helper.make_node("Add", ["x", "three"], ["shifted"]),
            helper.make_node("Clip", ["shifted", "zero", "five"], ["clipped"]),
            helper.make_node("Mul", ["x", "clipped"], ["product"]),
            helper.make_node("Div", ["product", "six"], ["y"]),
        ]
    )
    assert fold_and_compare(model).hard_swish == 0


def test_affine_before_an_unpadded_conv_is_folded() -> None:
    model = graph([*affine("x", "shifted", 0.6, 2.5), *conv("c", "shifted", "y", 2, pads=0)])
    assert fold_and_compare(model).pre_conv_affine == 1
    assert [n.op_type for n in model.graph.node] == ["Conv"]


def test_affine_before_a_padded_conv_is_left_alone() -> None:
    """With zero padding the offset would reach the border pixels: folding it there changes the edges."""
    model = graph([*affine("x", "shifted", 0.6, 2.5), *conv("c", "shifted", "y", 2, pads=1)])
    assert fold_and_compare(model).pre_conv_affine == 0


def test_a_model_with_nothing_to_fold_is_left_byte_for_byte() -> None:
    from plateguard.recognition.crnn import READER_MODEL

    unused = const("unused", 2.0)  # dead weight in the file is the file's business, not the fold's
    hand_built = graph([*conv("c", "x", "y", 2, pads=1), unused])
    for model in (onnx.load(str(READER_MODEL)), hand_built):  # the own CRNN: no PaddleOCR patterns
        before = model.SerializeToString()
        assert fold(model) == FoldCounts(0, 0, 0)
        assert model.SerializeToString() == before


def with_branch_reading(name: str, shape: list[int], nodes: list[onnx.NodeProto]) -> onnx.ModelProto:
    """`nodes` plus an If whose branches read the outer tensor `name` (of `shape`) as output "z"."""
    branch_out = [helper.make_tensor_value_info("z_branch", TensorProto.FLOAT, shape)]
    branch = helper.make_graph([helper.make_node("Identity", [name], ["z_branch"])], "b", [], branch_out)
    cond = helper.make_node("Constant", [], ["cond"], value=numpy_helper.from_array(np.array(True), "cond"))
    branches = helper.make_node("If", ["cond"], ["z"], then_branch=branch, else_branch=branch)
    model = graph([*nodes, cond, branches], outputs=("y",))
    model.graph.output.append(helper.make_tensor_value_info("z", TensorProto.FLOAT, shape))
    return model


def test_a_conv_output_read_inside_a_branch_is_not_renamed() -> None:
    nodes = [*conv("c", "x", "t", 2, pads=1), *affine("t", "y", 1.7, -0.4)]
    model = with_branch_reading("t", [1, 2, 9, 9], nodes)
    assert fold_and_compare(model).conv_affine == 0


def test_a_constant_read_inside_a_branch_survives_the_fold() -> None:
    nodes = [*conv("c", "x", "t", 2, pads=1), const("s", 1.5), helper.make_node("Mul", ["t", "s"], ["y"])]
    model = with_branch_reading("s", [], nodes)
    assert fold_and_compare(model).conv_affine == 1  # the Mul went into the Conv; "s" is still there


def test_a_half_precision_conv_is_left_as_it_is() -> None:
    """The folds write float32 weights: a float16 model's convolutions must not receive them."""
    weight = numpy_helper.from_array(RNG.normal(size=(2, 2, 3, 3)).astype(np.float16), "w")
    scale = numpy_helper.from_array(np.array(2.0, np.float16), "s")
    nodes = [
        helper.make_node("Constant", [], ["w"], value=weight),
        helper.make_node("Constant", [], ["s"], value=scale),
        helper.make_node("Conv", ["x", "w"], ["t"], pads=[1] * 4, kernel_shape=[3, 3]),
        helper.make_node("Mul", ["t", "s"], ["y"]),
    ]
    shape = [1, 2, 9, 9]
    model = helper.make_model(
        helper.make_graph(
            nodes,
            "g",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT16, shape)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT16, shape)],
        ),
        opset_imports=[helper.make_opsetid("", 11)],
    )
    assert fold(model).conv_affine == 0
    onnx.checker.check_model(model, full_check=True)
