"""Fine-tune the PP-OCRv4 text-line recogniser to plates with an A-Z0-9 head on the CPU; resumable, bounded.

The inputs are the LINE images the default reader (`PpocrPlateReader`) reads: a synthetic plate crop
(training/render.py) normalised to 320 px wide, the PP-OCR text detector, `merge_lines`,
`pick_main_line`, `warp_quad(pad_y=0.08)`; read squashed to 70 % height (half the time) or as is. They are
cached once (PNG bytes in npz shards outside the repository). The model is the stock ONNX converted with
onnx2torch, its 6,625-symbol classifier replaced by a 37-class one (blank + ALPHABET) initialised from the
blank, upper-case letter and digit rows; BatchNorm statistics stay frozen. `--export` writes the trained
values back into the stock ONNX graph (tracing the converted model would bake one input width into its
Reshape shapes), opset 12, input (N, 3, 48, W), output per-frame softmax (N, W/8, 37), the alphabet in the
metadata. Recipe (one thread; the cache took 9.4 min for 20,000 lines, a step of 32 lines about 2.7 s):

    python3 -m venv .train-venv
    .train-venv/bin/pip install -c requirements.lock -e .
    .train-venv/bin/pip install --no-deps rapidocr-onnxruntime==1.4.4   # the stock graph this script cuts
    .train-venv/bin/pip install torch==2.13.0 onnx onnx2torch pillow
    .train-venv/bin/pip uninstall -y torchvision   # pulled in by onnx2torch; its wheel fails to import
    PY="nice -n 5 .train-venv/bin/python training/finetune_line_reader.py"
    $PY --cache --lines 20000 --minutes 13   # line cache in training/cache/ (+ 300 validation lines)
    $PY --check                              # converted model + new head reads as the stock ONNX does
    $PY --minutes 38 --steps 1800            # train; reruns resume from training/checkpoints/
    $PY --export                             # training/out/plate_line_reader.onnx
    .train-venv/bin/python bench/support/line_reader_eval.py   # tuning crops: stock vs fine-tuned
    cp training/out/plate_line_reader.onnx src/plateguard/recognition/models/

The shipped model is the checkpoint after the first run (886 steps of the 1,800-step schedule, 38 min):
a second run to step 1,685 read one more tuning crop but three fewer tuning scenes (docs/recognition.md,
model card). The fine-tuning reads the stock recogniser from the rapidocr-onnxruntime wheel because its
export keeps the weights as Constant nodes and the symbol list in the metadata, the layout `load_stock`
cuts; it is the same network as the default engine's (outputs bit-identical).

Checkpoints: training/checkpoints/line_reader.pt (git-ignored). torchvision is not needed: onnx2torch
imports it only for NMS / RoIAlign, which this model lacks, so a stub stands in when it cannot be imported.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

from line_cache import CACHE, SQUASH, Lines, build_cache, decode, load_lines  # noqa: E402
from line_model import LineReaderNet, Softmaxed, Stock, build_model, freeze_bn, load_stock, stock_recognizer  # noqa: E402
from model import greedy  # noqa: E402
from onnx_graph import RunClock, constant_names, optimise, resume  # noqa: E402
from schedule import warmup_cosine  # noqa: E402
from script_modes import run_mode, script_parser  # noqa: E402

from plateguard.recognition.formats import ALPHABET, normalize_plate  # noqa: E402
from plateguard.recognition.line_reader import line_input, line_width  # noqa: E402
from plateguard.recognition.ppocr import TextLineReader  # noqa: E402
from plateguard.recognition.ppocr_plate import (  # noqa: E402
    _squash,
    greedy_text,
)
from plateguard.recognition.types import Image  # noqa: E402

CKPT = ROOT / "training" / "checkpoints" / "line_reader.pt"
ONNX_OUT = ROOT / "training" / "out" / "plate_line_reader.onnx"


# ---------------------------------------------------------------- batches, decoding, validation


def make_batch(
    lines: list[Image], texts: list[str]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs padded to the widest line (>= 80 px), frame counts per line, CTC targets and lengths."""
    widths = [max(line_width(ln), 80) for ln in lines]
    x = np.stack([line_input(ln, max(widths)) for ln in lines])
    targets = torch.tensor([ALPHABET.index(c) + 1 for t in texts for c in t], dtype=torch.long)
    lengths = torch.tensor([len(t) for t in texts], dtype=torch.long)
    return torch.from_numpy(x), torch.tensor(widths), targets, lengths


def batches(data: Lines, step: int, batch: int, pool: int = 8) -> Iterator[tuple[list[Image], list[str]]]:
    """Endless batches of similar width (a pool of `pool` batches sorted by width); half squashed to 0.7."""
    rng = random.Random(7919 * step + 1)
    while True:
        picks = [data[rng.randrange(len(data))] for _ in range(batch * pool)]
        items = []
        for blob, text in picks:
            line = decode(blob)
            items.append((_squash(line, SQUASH) if rng.random() < 0.5 else line, text))
        items.sort(key=lambda it: line_width(it[0]))
        groups = [items[i : i + batch] for i in range(0, len(items), batch)]
        rng.shuffle(groups)
        for g in groups:
            yield [it[0] for it in g], [it[1] for it in g]


def read_one(model: nn.Module, line: Image) -> str:
    with torch.no_grad():
        return greedy(model(torch.from_numpy(line_input(line)[None])))[0]


def validate(model: nn.Module, val: Lines) -> dict[str, float]:
    """Greedy exact match (O = 0) on the validation lines, read one at a time as at inference."""
    was_training = model.training
    model.eval()
    ok = {"squashed": 0, "as_is": 0}
    for blob, text in val:
        line = decode(blob)
        truth = normalize_plate(text)
        ok["squashed"] += normalize_plate(read_one(model, _squash(line, SQUASH))) == truth
        ok["as_is"] += normalize_plate(read_one(model, line)) == truth
    if was_training:
        model.train()
        freeze_bn(model)
    return {k: round(v / len(val), 4) for k, v in ok.items()}


def check(args: argparse.Namespace) -> None:
    """Converted model + new head vs the stock ONNX + folding: greedy reads on 50 validation lines."""
    torch.set_num_threads(1)
    model = build_model().eval()
    stock = TextLineReader(threads=1)
    val = load_lines(args.cache_dir / "val.npz")
    agree = stock_ok = mine_ok = 0
    for blob, text in val[:50]:
        line = decode(blob)
        a, b = greedy_text(stock.predict(line)), read_one(model, line)
        agree += a == b
        stock_ok += normalize_plate(a) == normalize_plate(text)
        mine_ok += normalize_plate(b) == normalize_plate(text)
    print(json.dumps({"lines": 50, "agree": agree, "stock_exact": stock_ok, "converted_exact": mine_ok}))
    print(json.dumps({"val_before": validate(model, val)}))


# ---------------------------------------------------------------- training


def make_optimizer(model: LineReaderNet, lr: float, head_lr: float) -> torch.optim.Optimizer:
    groups = [
        {"params": list(model.body.parameters()), "lr": lr, "base": lr},
        {"params": list(model.head.parameters()), "lr": head_lr, "base": head_lr},
    ]
    return torch.optim.AdamW(groups, weight_decay=1e-4)


def load_train(cache_dir: Path) -> Lines:
    data: Lines = []
    for shard in sorted(cache_dir.glob("train_*.npz")):
        data.extend(load_lines(shard))
    if not data:
        raise SystemExit(f"no cached lines in {cache_dir}: run --cache first")
    return data


def train_step(
    model: LineReaderNet, opt: torch.optim.Optimizer, ctc: nn.CTCLoss, lines: list[Image], texts: list[str]
) -> float:
    x, widths, targets, lengths = make_batch(lines, texts)
    logits = model(x)
    frames = logits.shape[1]
    t_len = torch.clamp(torch.ceil(widths * frames / x.shape[-1]).long(), max=frames)
    loss = ctc(logits.log_softmax(-1).permute(1, 0, 2), targets, t_len, lengths)
    return optimise(model, opt, loss)


def train(args: argparse.Namespace) -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = build_model()
    opt = make_optimizer(model, args.lr, args.head_lr)
    step, trained_s = resume(CKPT, model, opt)
    data, val = load_train(args.cache_dir), load_lines(args.cache_dir / "val.npz")
    print(f"{len(data)} training lines, {len(val)} validation lines", flush=True)
    if step == 0:
        print(json.dumps({"step": 0, "val": validate(model, val)}), flush=True)
    model.train()
    freeze_bn(model)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    limits = (args.minutes, args.steps, args.val_minutes)
    clock = RunClock(
        ckpt=CKPT,
        model=model,
        opt=opt,
        trained_s=trained_s,
        limits=limits,
        validate=lambda: validate(model, val),
    )
    for lines, texts in batches(data, step, args.batch):
        for g in opt.param_groups:
            g["lr"] = g["base"] * warmup_cosine(step, args.steps, floor=0.1)
        loss = train_step(model, opt, ctc, lines, texts)
        step += 1
        if clock.after(step, loss):
            break


# ---------------------------------------------------------------- export


def trained_constants(
    model: LineReaderNet, stock: Stock, state: dict[str, torch.Tensor]
) -> dict[str, np.ndarray]:
    """Trained values by stock constant name; checks that the fresh model holds the stock values."""
    from onnx import numpy_helper

    original = {t.name: numpy_helper.to_array(t) for t in stock.body.graph.initializer}  # type: ignore[attr-defined]
    fresh = model.body.state_dict()
    out: dict[str, list[np.ndarray]] = {}
    for key, name in constant_names(model.body, stock.body.graph).items():  # type: ignore[attr-defined]
        want = original[name]
        if want.dtype != np.float32 or want.size <= 1:
            continue
        if not np.array_equal(fresh[key].numpy().reshape(want.shape), want):
            raise RuntimeError(f"{key} does not hold the stock constant {name}")
        out.setdefault(name, []).append(state[f"body.{key}"].numpy().reshape(want.shape))
    return {name: np.mean(values, axis=0).astype(np.float32) for name, values in out.items()}


def export(args: argparse.Namespace) -> None:
    """Writes the stock ONNX graph (dynamic width kept) with the trained constants and the 37-class head."""
    import onnx
    from onnx import numpy_helper

    torch.set_num_threads(1)
    stock = load_stock()
    model = build_model(stock)
    state = torch.load(CKPT, weights_only=False)["model"] if CKPT.is_file() else model.state_dict()
    values = trained_constants(model, stock, state)
    values[stock.weight_name] = state["head.weight"].numpy().T.copy()
    values[stock.bias_name] = state["head.bias"].numpy().copy()
    m = onnx.load(str(stock_recognizer()))
    for node in m.graph.node:
        if node.op_type == "Constant" and node.output[0] in values:
            node.attribute[0].t.CopyFrom(numpy_helper.from_array(values.pop(node.output[0]), node.output[0]))
    if values:
        raise RuntimeError(f"constants not found in the stock graph: {sorted(values)[:5]}")
    m.graph.output[0].type.tensor_type.shape.dim[2].dim_value = len(ALPHABET) + 1
    del m.metadata_props[:]
    entry = m.metadata_props.add()
    entry.key, entry.value = "alphabet", ALPHABET
    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(m, str(args.out))
    model.load_state_dict(state)
    diff = _export_diff(model, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB), max |onnx - torch| {diff:.2e}")


def _export_diff(model: LineReaderNet, path: Path) -> float:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    net = Softmaxed(model).eval()
    worst = 0.0
    for width in (96, 200, 333):
        x = torch.randn(2, 3, 48, width)
        with torch.no_grad():
            want = net(x).numpy()
        got = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
        worst = max(worst, float(np.abs(got - want).max()))
    return worst


def main() -> None:
    ap = script_parser(__doc__)
    ap.add_argument("--cache-dir", type=Path, default=CACHE)
    ap.add_argument("--lines", type=int, default=15_000, help="--cache: training lines wanted")
    ap.add_argument("--minutes", type=float, default=40.0, help="time bound of this run")
    ap.add_argument("--steps", type=int, default=2000, help="schedule length (cosine to 10 %%)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4, help="body learning rate")
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--val-minutes", type=float, default=6.0)
    ap.add_argument("--out", type=Path, default=ONNX_OUT)
    modes = {
        "--cache": ("render and cache the line images", build_cache),
        "--check": ("converted model vs stock ONNX on 50 lines", check),
        "--export": ("write the trained weights into the stock graph", export),
    }
    run_mode(ap, modes, train)


if __name__ == "__main__":
    main()
