"""Exact rewrites of PaddleOCR's exported ONNX graphs, made in memory before ONNX Runtime loads them.

PaddleOCR's PP-LCNet networks (the PP-OCRv4 detector and recognizer, the fine-tuned line reader) follow
every convolution with a learnable scalar affine (x * a + b) and write hard-swish as four element-wise
operations (x * clip(x + 3, 0, 6) / 6). ONNX Runtime fuses neither: profiled on one CPU thread, these
passes over memory were about a third of the PP-OCRv4 detector's time. Three rewrites, each equal in exact
arithmetic (float32 results differ by rounding only, at most 4e-6 on the shipped models):

1. a scalar Mul or Add right after a Conv (the Conv's only consumer) is folded into its weights and bias;
2. the four-operation hard-swish becomes x * HardSigmoid(x; alpha 1/6, beta 0.5);
3. a scalar Mul then Add right before a Conv without padding (its only consumer) is folded into that
   Conv (with zero padding the affine's offset would reach the border pixels, so padded Convs are left).

Only float32 convolutions are folded, and a tensor also read inside a subgraph (If, Loop) or by the
caller is never renamed or removed. A graph without these patterns passes through unchanged. The model
files on disk are never modified (their SHA-256 in models/MODELS.txt stays the upstream file's).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnx
from onnx import helper, numpy_helper

Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class FoldCounts:
    """How many of each rewrite a graph received."""

    conv_affine: int
    hard_swish: int
    pre_conv_affine: int


class _Graph:
    """Constants and consumers of one graph, and the rewrites that use them."""

    def __init__(self, model: onnx.ModelProto) -> None:
        self.graph = model.graph
        self.values: dict[str, np.ndarray] = {
            i.name: numpy_helper.to_array(i) for i in self.graph.initializer
        }
        for node in self.graph.node:
            if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
                self.values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        self.new: dict[str, Array] = {}
        self.consumers: dict[str, list[onnx.NodeProto | None]] = {}
        self.index()

    def index(self) -> None:
        consumers: dict[str, list[onnx.NodeProto | None]] = defaultdict(list)
        for node in self.graph.node:
            for name in node.input:
                consumers[name].append(node)
            for name in _read_in_subgraphs(node):
                consumers[name].append(None)  # read from inside a branch or loop body
        for output in self.graph.output:
            consumers[output.name].append(None)  # a graph output is read by the caller
        self.consumers = consumers

    def scalar(self, name: str) -> float | None:
        value = self.new.get(name, self.values.get(name))
        return float(value.ravel()[0]) if value is not None and value.size == 1 else None

    def only_consumer(self, name: str, op_type: str) -> onnx.NodeProto | None:
        found = self.consumers.get(name, [])
        node = found[0] if len(found) == 1 else None
        return node if node is not None and node.op_type == op_type else None

    def scalar_operand(self, node: onnx.NodeProto, tensor: str) -> float | None:
        """The scalar constant that `node` (binary) combines with `tensor`, if the other input is one."""
        if len(node.input) != 2 or tensor not in node.input:
            return None
        other = node.input[1] if node.input[0] == tensor else node.input[0]
        return self.scalar(other)

    def conv_params(self, conv: onnx.NodeProto) -> tuple[Array, Array]:
        weight = self._value(conv.input[1]).astype(np.float32)
        has_bias = len(conv.input) > 2 and conv.input[2]
        bias = self._value(conv.input[2]) if has_bias else np.zeros(weight.shape[0], np.float32)
        return weight, bias.astype(np.float32)

    def set_conv_params(self, conv: onnx.NodeProto, data: str, weight: Array, bias: Array) -> None:
        tag = f"{conv.output[0]}/folded{len(self.new)}"
        self.new[tag + "/W"], self.new[tag + "/B"] = weight.astype(np.float32), bias.astype(np.float32)
        del conv.input[:]
        conv.input.extend([data, tag + "/W", tag + "/B"])

    def is_constant(self, name: str) -> bool:
        return name in self.new or name in self.values

    def float_conv(self, conv: onnx.NodeProto) -> bool:
        """A Conv with float32 constant weights (the only kind these folds rewrite)."""
        if conv.op_type != "Conv" or len(conv.input) < 2 or not self.is_constant(conv.input[1]):
            return False
        return bool(self._value(conv.input[1]).dtype == np.float32)

    def _value(self, name: str) -> np.ndarray:
        return self.new[name] if name in self.new else self.values[name]

    def replace_nodes(self, dropped: set[int], inserted: dict[int, list[onnx.NodeProto]]) -> None:
        kept: list[onnx.NodeProto] = []
        for node in self.graph.node:
            if id(node) in inserted:
                kept.extend(inserted[id(node)])
            elif id(node) not in dropped:
                kept.append(node)
        del self.graph.node[:]
        self.graph.node.extend(kept)
        self.index()

    def finish(self) -> None:
        """Store the folded weights and drop constants nothing reads any more."""
        for name, value in self.new.items():
            self.graph.initializer.append(numpy_helper.from_array(value, name))
        used = {o.name for o in self.graph.output}
        for node in self.graph.node:
            used.update(node.input)
            used.update(_read_in_subgraphs(node))
        nodes = [n for n in self.graph.node if n.op_type != "Constant" or n.output[0] in used]
        del self.graph.node[:]
        self.graph.node.extend(nodes)
        inits = [i for i in self.graph.initializer if i.name in used]
        del self.graph.initializer[:]
        self.graph.initializer.extend(inits)


def fold_conv_affine(g: _Graph) -> int:
    """Conv -> Mul(scalar) / Add(scalar) chains become one Conv with scaled weights and shifted bias."""
    dropped: set[int] = set()
    for conv in list(g.graph.node):
        if not g.float_conv(conv):
            continue
        weight, bias = g.conv_params(conv)
        steps = 0
        while (nxt := _next_scalar_step(g, conv.output[0])) is not None:
            node, value = nxt
            if node.op_type == "Mul":
                weight, bias = weight * value, bias * value
            else:
                bias = bias + value
            conv.output[0] = node.output[0]
            dropped.add(id(node))
            steps += 1
        if steps:
            g.set_conv_params(conv, conv.input[0], weight, bias)
    g.replace_nodes(dropped, {})
    return len(dropped)


def _next_scalar_step(g: _Graph, tensor: str) -> tuple[onnx.NodeProto, float] | None:
    for op_type in ("Mul", "Add"):
        node = g.only_consumer(tensor, op_type)
        if node is not None and (value := g.scalar_operand(node, tensor)) is not None:
            return node, value
    return None


def fold_hard_swish(g: _Graph) -> int:
    """x * clip(x + 3, 0, 6) / 6 (Add, Clip, Mul, Div) becomes x * HardSigmoid(x) (two operations)."""
    dropped: set[int] = set()
    inserted: dict[int, list[onnx.NodeProto]] = {}
    for add in list(g.graph.node):
        chain = _hard_swish_chain(g, add) if add.op_type == "Add" else None
        if chain is None:
            continue
        x, clip, mul, div = chain
        out = div.output[0]
        gate = helper.make_node("HardSigmoid", [x], [out + "/gate"], alpha=1.0 / 6.0, beta=0.5)
        inserted[id(div)] = [gate, helper.make_node("Mul", [x, out + "/gate"], [out])]
        dropped.update({id(add), id(clip), id(mul)})
    g.replace_nodes(dropped, inserted)
    return len(inserted)


def _hard_swish_chain(
    g: _Graph, add: onnx.NodeProto
) -> tuple[str, onnx.NodeProto, onnx.NodeProto, onnx.NodeProto] | None:
    x = next((t for t in add.input if g.scalar_operand(add, t) == 3.0), None)
    clip = g.only_consumer(add.output[0], "Clip")
    if x is None or clip is None or len(clip.input) != 3:
        return None
    if g.scalar(clip.input[1]) != 0.0 or g.scalar(clip.input[2]) != 6.0:
        return None
    mul = g.only_consumer(clip.output[0], "Mul")
    if mul is None or sorted(mul.input) != sorted([x, clip.output[0]]):
        return None
    div = g.only_consumer(mul.output[0], "Div")
    if div is None or div.input[0] != mul.output[0] or g.scalar(div.input[1]) != 6.0:
        return None
    return x, clip, mul, div


def fold_pre_conv_affine(g: _Graph) -> int:
    """Mul(scalar) -> Add(scalar) -> Conv without padding becomes one Conv: w * (a x + b) + c equals
    (a w) x + (c + b * sum w) wherever every tap reads a real pixel, which without padding is everywhere."""
    dropped: set[int] = set()
    for mul in list(g.graph.node):
        found = _pre_conv_chain(g, mul) if mul.op_type == "Mul" else None
        if found is None:
            continue
        x, scale, add, offset, conv = found
        weight, bias = g.conv_params(conv)
        bias = bias + offset * weight.reshape(weight.shape[0], -1).sum(axis=1)
        g.set_conv_params(conv, x, weight * scale, bias)
        dropped.update({id(mul), id(add)})
    g.replace_nodes(dropped, {})
    return len(dropped) // 2


def _pre_conv_chain(
    g: _Graph, mul: onnx.NodeProto
) -> tuple[str, float, onnx.NodeProto, float, onnx.NodeProto] | None:
    x = next((t for t in mul.input if not g.is_constant(t)), None)
    scale = g.scalar_operand(mul, x) if x is not None else None
    add = g.only_consumer(mul.output[0], "Add")
    if x is None or scale is None or add is None:
        return None
    offset = g.scalar_operand(add, mul.output[0])
    conv = g.only_consumer(add.output[0], "Conv")
    if offset is None or conv is None or conv.input[0] != add.output[0]:
        return None
    if not g.float_conv(conv) or not _unpadded(conv):
        return None
    return x, scale, add, offset, conv


def _unpadded(conv: onnx.NodeProto) -> bool:
    attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
    auto_pad = attrs.get("auto_pad", b"NOTSET")
    return not any(attrs.get("pads", [])) and auto_pad in (b"NOTSET", b"VALID", "NOTSET", "VALID")


def _read_in_subgraphs(node: onnx.NodeProto) -> set[str]:
    """Every tensor name read by the nodes of `node`'s subgraphs (branches, loop bodies), nested too."""
    names: set[str] = set()
    for attr in node.attribute:
        for sub in [attr.g] if attr.type == onnx.AttributeProto.GRAPH else list(attr.graphs):
            for inner in sub.node:
                names.update(inner.input)
                names.update(_read_in_subgraphs(inner))
    return names


def fold(model: onnx.ModelProto) -> FoldCounts:
    """Apply the three rewrites to `model` in place; a model with nothing to fold is left as it was."""
    g = _Graph(model)
    counts = FoldCounts(fold_conv_affine(g), fold_hard_swish(g), fold_pre_conv_affine(g))
    if counts != FoldCounts(0, 0, 0):
        g.finish()
    return counts


def folded_bytes(path: Path) -> bytes:
    """The model at `path`, rewritten, serialised for `onnxruntime.InferenceSession`."""
    model = onnx.load(str(path))
    fold(model)
    return bytes(model.SerializeToString())
