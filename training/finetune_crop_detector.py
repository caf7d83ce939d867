"""Fine-tune the PP-OCRv3 text detector to the text lines of plate crops on the CPU; resumable, bounded.

The plate reader finds the lines of a plate crop (the number, the state name, the slogan) with a DB text
detector at 320 px. PP-OCRv3's detector, measured unchanged on the tuning crops, found them better than
PP-OCRv4's and in about 0.7 x the time; this script teaches it what a plate's lines are (the whole number
as one line across a gap or an emblem; stickers and frame text are not lines) on synthetic crops
(`crop_lines.py`), never on the evaluation images.

The starting point is `ch_PP-OCRv3_det_infer.onnx` from the `rapidocr-onnxruntime` 1.2.13 wheel on PyPI
(Apache-2.0; read from the wheel file, which is not installed: it depends on the desktop OpenCV). It is
converted with onnx2torch; BatchNorm statistics stay frozen; the loss is DB's on the probability map
(balanced cross-entropy, three negatives per positive, plus dice). `--export` writes the trained values
back into the stock graph (dynamic input size kept). Recipe (one thread, a step of 8 crops about 1.5 s):

    python3 -m venv .train-venv
    .train-venv/bin/pip install -c requirements.lock -e .
    .train-venv/bin/pip install torch==2.13.0 onnx onnx2torch pillow
    .train-venv/bin/pip uninstall -y torchvision   # pulled in by onnx2torch; its wheel fails to import
    .train-venv/bin/pip download --no-deps rapidocr-onnxruntime==1.2.13 -d training/cache
    PY="nice -n 5 .train-venv/bin/python training/finetune_crop_detector.py"
    $PY --check                          # converted model = stock ONNX; validation before training
    $PY --minutes 30 --steps 1200        # train; reruns resume from training/checkpoints/
    $PY --export                         # training/out/plate_text_detector.onnx

Checkpoints: training/checkpoints/crop_detector.pt (git-ignored).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import zipfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

from crop_lines import CropSample, crop_sample  # noqa: E402
from line_model import _import_onnx2torch, _mark_bn_inputs, _promote_initializers, freeze_bn  # noqa: E402
from onnx_graph import RunClock, constant_names, constants_to_initializers, optimise, resume  # noqa: E402
from schedule import warmup_cosine  # noqa: E402
from script_modes import run_mode, script_parser  # noqa: E402

from plateguard.recognition.geometry import TextBox  # noqa: E402
from plateguard.recognition.ppocr import db_boxes  # noqa: E402
from plateguard.recognition.ppocr_plate import merge_lines, pick_main_line  # noqa: E402

WHEEL = ROOT / "training" / "cache" / "rapidocr_onnxruntime-1.2.13-py3-none-any.whl"
MEMBER = "rapidocr_onnxruntime/models/ch_PP-OCRv3_det_infer.onnx"
STOCK_SHA256 = "3439588c030faea393a54515f51e983d8e155b19a2e8aba7891934c1cf0de526"
CKPT = ROOT / "training" / "checkpoints" / "crop_detector.pt"
ONNX_OUT = ROOT / "training" / "out" / "plate_text_detector.onnx"
VAL_SEED, VAL_COUNT = 700_001, 200


def stock_bytes(wheel: Path = WHEEL) -> bytes:
    if not wheel.is_file():
        raise SystemExit(
            f"missing {wheel}: pip download --no-deps rapidocr-onnxruntime==1.2.13 -d {wheel.parent}"
        )
    data = zipfile.ZipFile(wheel).read(MEMBER)
    if hashlib.sha256(data).hexdigest() != STOCK_SHA256:
        raise SystemExit(f"{MEMBER} in {wheel} is not the expected file")
    return data


def load_stock() -> object:
    """The stock detector with its Constant nodes made initializers (trainable once converted)."""
    import onnx

    model = onnx.load_from_string(stock_bytes())
    constants_to_initializers(model.graph)
    model = onnx.shape_inference.infer_shapes(model)
    _mark_bn_inputs(model)
    return model


class DetectorNet(nn.Module):
    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def build_model(stock: object) -> DetectorNet:
    body = _import_onnx2torch().convert(stock, attach_onnx_mapping=True)
    _promote_initializers(body)
    return DetectorNet(body)


def to_input(images: list[np.ndarray]) -> torch.Tensor:
    """As `TextDetector.predict` feeds the network: BGR scaled to [-1, 1], NCHW."""
    x = (np.stack(images).astype(np.float32) / 255.0 - 0.5) / 0.5
    return torch.from_numpy(x.transpose(0, 3, 1, 2).copy())


def db_loss(prob: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """DB's loss on the probability map: balanced cross-entropy (3 negatives per positive) + dice."""
    prob = prob.clamp(1e-6, 1 - 1e-6)
    bce = F.binary_cross_entropy(prob, target, reduction="none")
    pos, neg = target * mask, (1 - target) * mask
    n_pos = int(pos.sum().item())
    n_neg = min(int(neg.sum().item()), 3 * max(n_pos, 1))
    hard_neg = torch.topk((bce * neg).flatten(), n_neg).values
    balanced = ((bce * pos).sum() + hard_neg.sum()) / (n_pos + n_neg + 1e-6)
    inter = (prob * target * mask).sum()
    dice = 1 - 2 * inter / ((prob * mask).sum() + (target * mask).sum() + 1e-6)
    return balanced + dice


# ---------------------------------------------------------------- validation on fixed synthetic crops


def number_found(sample: CropSample, lines: list[TextBox]) -> bool:
    """The reader's main line is the whole number: IoU >= 0.6 with the number's box."""
    main = pick_main_line(merge_lines(lines))
    if main is None:
        return False
    q = np.array(main.quad)
    t = sample.lines[0]
    a0, a1, b0, b1 = q.min(0), q.max(0), t.min(0), t.max(0)
    iw = max(0.0, min(a1[0], b1[0]) - max(a0[0], b0[0]))
    ih = max(0.0, min(a1[1], b1[1]) - max(a0[1], b0[1]))
    inter = iw * ih
    union = np.prod(a1 - a0) + np.prod(b1 - b0) - inter
    return bool(inter / max(union, 1e-6) >= 0.6)


def validation_set() -> list[CropSample]:
    rng = random.Random(VAL_SEED)
    return [crop_sample(rng) for _ in range(VAL_COUNT)]


def validate(model: nn.Module, val: list[CropSample]) -> dict[str, float]:
    was_training = model.training
    model.eval()
    found, losses = 0, []
    with torch.no_grad():
        for s in val:
            prob = model(to_input([s.image]))
            losses.append(
                float(
                    db_loss(
                        prob, torch.from_numpy(s.target)[None, None], torch.from_numpy(s.mask)[None, None]
                    )
                )
            )
            found += number_found(s, db_boxes(prob[0, 0].numpy(), (1.0, 1.0)))
    if was_training:
        model.train()
        freeze_bn(model)
    return {"number_found": round(found / len(val), 4), "loss": round(float(np.mean(losses)), 4)}


def check(args: argparse.Namespace) -> None:
    """The converted model computes what the stock ONNX does; validation figures before training."""
    import onnxruntime as ort

    torch.set_num_threads(1)
    model = build_model(load_stock()).eval()
    session = ort.InferenceSession(stock_bytes(), providers=["CPUExecutionProvider"])
    val = validation_set()
    x = to_input([s.image for s in val[:4]])
    with torch.no_grad():
        mine = model(x).numpy()
    stock = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    print(json.dumps({"max_abs_diff": float(np.abs(mine - stock).max()), "val_before": validate(model, val)}))


# ---------------------------------------------------------------- training


def train(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build_model(load_stock())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    step, trained_s = resume(CKPT, model, opt)
    val = validation_set()
    if step == 0:
        print(json.dumps({"step": 0, "val": validate(model, val)}), flush=True)
    model.train()
    freeze_bn(model)
    rng = random.Random(1_000 + step)
    limits = (args.minutes, args.steps, args.val_minutes)
    clock = RunClock(
        ckpt=CKPT,
        model=model,
        opt=opt,
        trained_s=trained_s,
        limits=limits,
        validate=lambda: validate(model, val),
    )
    teacher = build_model(load_stock()).eval() if args.keep_stock else None
    while True:
        for g in opt.param_groups:
            g["lr"] = args.lr * warmup_cosine(step, args.steps, warm=50, floor=0.1)
        batch = [crop_sample(rng) for _ in range(args.batch)]
        loss = train_step(model, opt, batch, teacher, args.keep_stock)
        step += 1
        if clock.after(step, loss):
            break


def train_step(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    batch: list[CropSample],
    teacher: nn.Module | None = None,
    keep_stock: float = 0.0,
) -> float:
    """DB's loss on the drawn lines; with a `teacher` (the stock detector), plus `keep_stock` x the
    cross-entropy to its probability map, which holds the model near what it did on real crops."""
    x = to_input([s.image for s in batch])
    prob = model(x)
    target = torch.from_numpy(np.stack([s.target for s in batch]))[:, None]
    mask = torch.from_numpy(np.stack([s.mask for s in batch]))[:, None]
    loss = db_loss(prob, target, mask)
    if teacher is not None:
        with torch.no_grad():
            stock = teacher(x)
        loss = loss + keep_stock * F.binary_cross_entropy(prob.clamp(1e-6, 1 - 1e-6), stock)
    return optimise(model, opt, loss)


# ---------------------------------------------------------------- export


def export(args: argparse.Namespace) -> None:
    """The stock graph with the trained values in its Constant nodes; checked against the torch model."""
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    torch.set_num_threads(1)
    stock = load_stock()
    model = build_model(stock)
    fresh = model.body.state_dict()
    state = torch.load(CKPT, weights_only=False)["model"]
    original = {t.name: numpy_helper.to_array(t) for t in stock.graph.initializer}  # type: ignore[attr-defined]
    values: dict[str, np.ndarray] = {}
    for key, name in constant_names(model.body, stock.graph).items():  # type: ignore[attr-defined]
        want = original[name]
        if want.dtype != np.float32 or want.size <= 1:
            continue
        if not np.array_equal(fresh[key].numpy().reshape(want.shape), want):
            raise RuntimeError(f"{key} does not hold the stock constant {name}")
        values[name] = state[f"body.{key}"].numpy().reshape(want.shape).astype(np.float32)
    m = onnx.load_from_string(stock_bytes())
    for node in m.graph.node:
        if node.op_type == "Constant" and node.output[0] in values:
            node.attribute[0].t.CopyFrom(numpy_helper.from_array(values.pop(node.output[0]), node.output[0]))
    if values:
        raise RuntimeError(f"constants not found in the stock graph: {sorted(values)[:5]}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(m, str(args.out))
    model.load_state_dict(state)
    model.eval()
    x = to_input([s.image for s in validation_set()[:2]])
    with torch.no_grad():
        mine = model(x).numpy()
    session = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    diff = float(np.abs(session.run(None, {session.get_inputs()[0].name: x.numpy()})[0] - mine).max())
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB), max |onnx - torch| {diff:.2e}")


def main() -> None:
    ap = script_parser(__doc__)
    ap.add_argument("--out", type=Path, default=ONNX_OUT)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--val-minutes", type=float, default=6)
    ap.add_argument(
        "--keep-stock", type=float, default=0.0, help="weight of the stock detector's map (0: off)"
    )
    modes = {
        "--check": ("converted model vs stock ONNX", check),
        "--export": ("write the trained weights into the stock graph", export),
    }
    run_mode(ap, modes, train)


if __name__ == "__main__":
    main()
