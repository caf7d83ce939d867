"""The stock PP-OCRv4 recognizer converted to PyTorch with a 37-class plate head (blank + A-Z0-9)."""

from __future__ import annotations

import importlib.util
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))


from onnx_graph import constants_to_initializers  # noqa: E402

from plateguard.recognition.formats import ALPHABET  # noqa: E402


def stock_recognizer() -> Path:
    """The PP-OCRv4 recogniser as the rapidocr-onnxruntime 1.4.4 wheel exports it (found, not imported)."""
    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    if spec is None or spec.origin is None:
        raise SystemExit("fine-tuning needs: pip install --no-deps rapidocr-onnxruntime==1.4.4")
    return Path(spec.origin).parent / "models" / "ch_PP-OCRv4_rec_infer.onnx"


# ---------------------------------------------------------------- model: stock ONNX body + 37-class head


def _import_onnx2torch() -> types.ModuleType:
    try:
        import torchvision  # noqa: F401
    except Exception:  # missing, or built for another torch: onnx2torch needs it only for NMS / RoIAlign
        for name in [m for m in sys.modules if m.startswith("torchvision")]:
            del sys.modules[name]
        stub, ops = types.ModuleType("torchvision"), types.ModuleType("torchvision.ops")
        ops.nms = ops.roi_align = None  # type: ignore[attr-defined]
        stub.ops = ops  # type: ignore[attr-defined]
        sys.modules["torchvision"], sys.modules["torchvision.ops"] = stub, ops
    import onnx2torch

    module: types.ModuleType = onnx2torch  # Any where onnx2torch is not installed
    return module


@dataclass
class Stock:
    body: object  # onnx.ModelProto cut before the classifier
    weight: npt.NDArray[np.float32]  # (features, 6625)
    bias: npt.NDArray[np.float32]
    chars: list[str]
    weight_name: str
    bias_name: str


def load_stock() -> Stock:
    """The stock recogniser: Constant nodes made initializers (trainable once converted), the final
    MatMul + Add + Softmax removed, shapes inferred (BatchNorm inputs of unknown rank marked 4-D)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(stock_recognizer()))
    meta = {p.key: p.value for p in model.metadata_props}
    graph = model.graph
    consts = {
        n.output[0]: n for n in graph.node if n.op_type == "Constant" and n.attribute[0].name == "value"
    }
    softmax = next(n for n in graph.node if n.output[0] == graph.output[0].name)
    add = next(n for n in graph.node if n.output[0] == softmax.input[0])
    matmul = next(n for n in graph.node if n.output[0] == add.input[0])
    weight = numpy_helper.to_array(consts[matmul.input[1]].attribute[0].t)
    bias = numpy_helper.to_array(consts[add.input[1]].attribute[0].t)
    dropped = {softmax.output[0], add.output[0], matmul.output[0], matmul.input[1], add.input[1]}
    constants_to_initializers(graph, frozenset(dropped))
    del graph.output[:]
    graph.output.append(onnx.helper.make_tensor_value_info(matmul.input[0], onnx.TensorProto.FLOAT, None))
    model = onnx.shape_inference.infer_shapes(model)
    _mark_bn_inputs(model)
    chars = ["<blank>", *meta["character"].splitlines(), " "]
    return Stock(
        model, weight.astype(np.float32), bias.astype(np.float32), chars, matmul.input[1], add.input[1]
    )


def _mark_bn_inputs(model: object) -> None:
    import onnx

    graph = model.graph  # type: ignore[attr-defined]
    info = {v.name: v for v in graph.value_info}
    for node in graph.node:
        if node.op_type != "BatchNormalization":
            continue
        v = info.get(node.input[0])
        if v is None or len(v.type.tensor_type.shape.dim) != 4:
            if v is not None:
                graph.value_info.remove(v)
            dims = ["n", "c", "h", "w"]
            graph.value_info.append(
                onnx.helper.make_tensor_value_info(node.input[0], onnx.TensorProto.FLOAT, dims)
            )


def head_rows(chars: list[str]) -> list[int]:
    """Stock output index for blank and each ALPHABET symbol (the upper-case letter, the digit)."""
    return [0, *(chars.index(c) for c in ALPHABET)]


class LineReaderNet(nn.Module):
    """Converted PP-OCRv4 body (features per frame) + a 37-class linear head; forward gives logits."""

    def __init__(self, body: nn.Module, head: nn.Linear) -> None:
        super().__init__()
        self.body = body
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


class Softmaxed(nn.Module):
    """The exported function: per-frame probabilities."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).softmax(-1)


def build_model(stock: Stock | None = None) -> LineReaderNet:
    stock = stock or load_stock()
    body = _import_onnx2torch().convert(stock.body, attach_onnx_mapping=True)
    _promote_initializers(body)
    rows = head_rows(stock.chars)
    head = nn.Linear(stock.weight.shape[0], len(rows))
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(stock.weight[:, rows].T.copy()))
        head.bias.copy_(torch.from_numpy(stock.bias[rows].copy()))
    return LineReaderNet(body, head)


def _promote_initializers(body: nn.Module) -> None:
    """onnx2torch keeps MatMul / LayerNorm weights (the SVTR blocks) as buffers: make them trainable."""
    holder = getattr(body, "initializers", None)
    if holder is None:
        return
    for name, buf in list(holder.named_buffers(recurse=False)):
        if buf.dtype == torch.float32 and buf.numel() > 1:
            delattr(holder, name)
            holder.register_parameter(name, nn.Parameter(buf.detach().clone()))


def freeze_bn(model: nn.Module) -> None:
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
