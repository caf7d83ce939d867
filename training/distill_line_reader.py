"""Distil the fine-tuned plate line reader into a small conv-only CTC reader (training/student_model.py).

Teacher: src/plateguard/recognition/models/plate_line_reader.onnx (training/finetune_line_reader.py),
run with ONNX Runtime on each cached line (the line cache of finetune_line_reader.py --cache: synthetic
renders found through the engine's own crop path), squashed to 70 % height and as is, one line at a time
as the engine reads it; its per-frame probabilities are stored next to the cache (teacher_NNNN.npz, one
per shard, float16). The student has the teacher's frame count, so the loss is the per-frame KL divergence
to the teacher's probabilities (frames of the line only, not the batch padding) plus `--ctc` times the
CTC loss on the rendered text. `--export` writes an ONNX with the teacher's interface (input
(N, 3, 48, W), W free, output per-frame softmax (N, T, 37), the alphabet in the metadata), so
`line_reader.PlateLineReader` loads it, and prints the exact match of student and teacher ONNX on the
300 synthetic validation lines. Recipe (one thread, `nice -n 5`):

    python3 -m venv .train-venv                      # as in finetune_line_reader.py's docstring
    .train-venv/bin/pip install -c requirements.lock -e .
    .train-venv/bin/pip install --no-deps rapidocr-onnxruntime==1.4.4
    .train-venv/bin/pip install torch==2.13.0 onnx onnx2torch pillow
    .train-venv/bin/pip uninstall -y torchvision
    export OMP_NUM_THREADS=1
    nice -n 5 .train-venv/bin/python training/finetune_line_reader.py --cache --lines 12000 --minutes 9
    PY="nice -n 5 .train-venv/bin/python training/distill_line_reader.py"
    $PY --targets                    # teacher probabilities for every cached line, both squashes
    $PY --minutes 38 --steps 3600    # train (22 min); reruns resume from training/checkpoints/line_student.pt
    $PY --export                     # training/out/line_student.onnx + synthetic validation exact match
    CK=training/checkpoints
    cp $CK/line_student.pt $CK/line_student_run1.pt
    $PY --ckpt $CK/line_student_aug.pt --start-from $CK/line_student_run1.pt \
        --augment 0.5 --lr 5e-4 --steps 2200 --minutes 16     # second schedule, lines degraded again
    $PY --ckpt $CK/line_student_aug.pt --export --out training/out/line_student_aug.onnx
    nice -n 5 .train-venv/bin/python bench/support/line_reader_eval.py --model SHIPPED \
        --student training/out/line_student.onnx --thresholds 0.9,0.95,0.98

(SHIPPED = src/plateguard/recognition/models/plate_line_reader.onnx.)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

from finetune_line_reader import make_batch, validate  # noqa: E402
from line_cache import CACHE, SQUASH, _photometric, decode, load_lines  # noqa: E402
from line_model import Softmaxed  # noqa: E402
from onnx_graph import RunClock, optimise, resume  # noqa: E402
from schedule import warmup_cosine  # noqa: E402
from script_modes import run_mode, script_parser  # noqa: E402
from student_model import StudentNet, frames  # noqa: E402

from plateguard.recognition.formats import ALPHABET, normalize_plate  # noqa: E402
from plateguard.recognition.line_reader import LINE_READER_MODEL, PlateLineReader  # noqa: E402
from plateguard.recognition.ppocr_plate import _squash, greedy_text  # noqa: E402
from plateguard.recognition.types import Image  # noqa: E402

CKPT = ROOT / "training" / "checkpoints" / "line_student.pt"
ONNX_OUT = ROOT / "training" / "out" / "line_student.onnx"
VARIANTS = (SQUASH, 1.0)  # teacher targets per line: squashed, as is
Item = tuple[Image, str, np.ndarray]


# ---------------------------------------------------------------- teacher targets


def teacher_targets(args: argparse.Namespace) -> None:
    """teacher_NNNN.npz beside each train_NNNN.npz: probs (float16, frames of all lines concatenated),
    offsets per (line, variant) in line-major order. Shards already done are skipped."""
    teacher = PlateLineReader(args.teacher, threads=1)
    start = time.time()
    for shard in sorted(args.cache_dir.glob("train_*.npz")):
        out = shard.with_name(shard.name.replace("train_", "teacher_"))
        if out.is_file():
            continue
        chunks: list[np.ndarray] = []
        for blob, _ in load_lines(shard):
            line = decode(blob)
            chunks.extend(teacher.predict(_squash(line, f)).astype(np.float16) for f in VARIANTS)
        offsets = np.cumsum(np.array([0] + [len(c) for c in chunks], dtype=np.int64))
        tmp = out.with_suffix(".tmp.npz")
        np.savez(tmp, probs=np.concatenate(chunks), offsets=offsets)
        tmp.replace(out)
        print(f"{out.name}: {(time.time() - start) / 60:.1f} min", flush=True)


def load_data(cache_dir: Path) -> list[tuple[bytes, str, list[np.ndarray]]]:
    """Cached lines with the teacher's probabilities for each variant (shards without targets skipped)."""
    data = []
    for shard in sorted(cache_dir.glob("train_*.npz")):
        tpath = shard.with_name(shard.name.replace("train_", "teacher_"))
        if not tpath.is_file():
            continue
        with np.load(tpath) as z:
            probs, offsets = z["probs"], z["offsets"]
        for i, (blob, text) in enumerate(load_lines(shard)):
            k = len(VARIANTS) * i
            data.append(
                (blob, text, [probs[offsets[k + j] : offsets[k + j + 1]] for j in range(len(VARIANTS))])
            )
    if not data:
        raise SystemExit(f"no teacher targets in {cache_dir}: run --cache, then --targets")
    return data


def batches(
    data: list[tuple[bytes, str, list[np.ndarray]]], step: int, batch: int, augment: float, pool: int = 8
) -> Iterator[list[Item]]:
    """Endless batches of similar width, half the lines squashed to 0.7 (with the teacher's targets); a
    fraction `augment` degraded once more (line_cache's brightness, contrast, blur, noise, JPEG), which
    moves no pixel, so the teacher's frames still fit."""
    rng = random.Random(7919 * step + 3)
    while True:
        items: list[Item] = []
        for _ in range(batch * pool):
            blob, text, targets = data[rng.randrange(len(data))]
            j = rng.randrange(len(VARIANTS))
            line = decode(blob)
            if rng.random() < augment:
                line = _photometric(rng, line)
            items.append((_squash(line, VARIANTS[j]), text, targets[j]))
        items.sort(key=lambda it: it[0].shape[1] / it[0].shape[0])
        groups = [items[i : i + batch] for i in range(0, len(items), batch)]
        rng.shuffle(groups)
        yield from groups


# ---------------------------------------------------------------- training


def distill_loss(logits: torch.Tensor, targets: list[np.ndarray]) -> torch.Tensor:
    """Mean over the lines' own frames of KL(teacher || student)."""
    logp = logits.log_softmax(-1)
    total, count = logits.new_zeros(()), 0
    for i, t in enumerate(targets):
        n = min(len(t), logits.shape[1])
        teacher = torch.from_numpy(t[:n].astype(np.float32)).clamp_min(1e-8)
        total = total + (teacher * (teacher.log() - logp[i, :n])).sum()
        count += n
    return total / max(count, 1)


def train_step(
    model: StudentNet, opt: torch.optim.Optimizer, ctc: nn.CTCLoss, group: list[Item], ctc_weight: float
) -> float:
    x, widths, labels, lengths = make_batch([it[0] for it in group], [it[1] for it in group])
    logits = model(x)
    t_len = torch.tensor([min(frames(int(w)), logits.shape[1]) for w in widths])
    ctc_loss = ctc(logits.log_softmax(-1).permute(1, 0, 2), labels, t_len, lengths)
    loss = distill_loss(logits, [it[2] for it in group]) + ctc_weight * ctc_loss
    return optimise(model, opt, loss)


def train(args: argparse.Namespace) -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = StudentNet(args.width)
    print(f"student: {sum(p.numel() for p in model.parameters())} parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    step, trained_s = resume(args.ckpt, model, opt)
    if step == 0 and args.start_from:  # a new schedule from another run's weights
        model.load_state_dict(torch.load(args.start_from, weights_only=False)["model"])
        print(f"weights from {args.start_from}", flush=True)
    data, val = load_data(args.cache_dir), load_lines(args.cache_dir / "val.npz")
    print(f"{len(data)} training lines, {len(val)} validation lines", flush=True)

    def check() -> dict[str, float]:
        result = validate(model, val)
        model.train()  # validate() freezes BatchNorm (the fine-tuning's choice); the student trains it
        return result

    model.train()
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    clock = RunClock(
        ckpt=args.ckpt,
        model=model,
        opt=opt,
        trained_s=trained_s,
        limits=(args.minutes, args.steps, args.val_minutes),
        validate=check,
    )
    for group in batches(data, step, args.batch, args.augment):
        for g in opt.param_groups:
            g["lr"] = args.lr * warmup_cosine(step, args.steps, floor=0.02)
        loss = train_step(model, opt, ctc, group, args.ctc)
        step += 1
        if clock.after(step, loss):
            break


# ---------------------------------------------------------------- export and synthetic validation


def export(args: argparse.Namespace) -> None:
    import onnx

    torch.set_num_threads(1)
    model = StudentNet(args.width)
    model.load_state_dict(torch.load(args.ckpt, weights_only=False)["model"])
    net = Softmaxed(model).eval()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        net,
        (torch.zeros(1, 3, 48, 200),),
        str(args.out),
        input_names=["x"],
        output_names=["probs"],
        dynamic_axes={"x": {0: "n", 3: "w"}, "probs": {0: "n", 1: "t"}},
        opset_version=12,
        dynamo=False,
    )
    m = onnx.load(str(args.out))
    entry = m.metadata_props.add()
    entry.key, entry.value = "alphabet", ALPHABET
    onnx.save(m, str(args.out))
    size = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size:.2f} MB), max |onnx - torch| {_diff(net, args.out):.2e}")
    report = {
        "student": exact_match(args.out, args.cache_dir),
        "teacher": exact_match(args.teacher, args.cache_dir),
    }
    print(json.dumps({"synthetic_val": report}))


def _diff(net: nn.Module, path: Path) -> float:
    reader = PlateLineReader(path, threads=1)
    worst = 0.0
    for width in (80, 97, 200, 333):
        x = torch.randn(2, 3, 48, width)
        with torch.no_grad():
            want = net(x).numpy()
        got = reader.session.run(None, {reader.input_name: x.numpy()})[0]
        worst = max(worst, float(np.abs(got - want).max()))
    return worst


def exact_match(model: Path, cache_dir: Path) -> dict[str, float]:
    """Greedy exact match (O = 0) of an ONNX line reader on the validation lines, and its ms per line."""
    reader = PlateLineReader(model, threads=1)
    val = load_lines(cache_dir / "val.npz")
    ok = {"squashed": 0, "as_is": 0}
    ms: list[float] = []
    for blob, text in val:
        line = decode(blob)
        for key, f in (("squashed", SQUASH), ("as_is", 1.0)):
            start = time.perf_counter()
            probs = reader.predict(_squash(line, f))
            ms.append((time.perf_counter() - start) * 1000)
            ok[key] += normalize_plate(greedy_text(probs)) == normalize_plate(text)
    out = {k: round(v / len(val), 4) for k, v in ok.items()}
    return {**out, "median_ms_per_line": round(float(np.median(ms)), 2)}


def main() -> None:
    ap = script_parser(__doc__)
    ap.add_argument("--cache-dir", type=Path, default=CACHE)
    ap.add_argument("--teacher", type=Path, default=LINE_READER_MODEL)
    ap.add_argument("--width", type=int, default=16, help="student channel width (first layer)")
    ap.add_argument("--minutes", type=float, default=35.0, help="time bound of this run")
    ap.add_argument("--steps", type=int, default=2400, help="schedule length (cosine to 2 %%)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--ctc", type=float, default=0.5, help="weight of the CTC loss on the rendered text")
    ap.add_argument("--val-minutes", type=float, default=8.0)
    ap.add_argument("--out", type=Path, default=ONNX_OUT)
    ap.add_argument("--ckpt", type=Path, default=CKPT, help="checkpoint trained / exported")
    ap.add_argument("--start-from", type=Path, help="a fresh --ckpt starts from these weights")
    ap.add_argument("--augment", type=float, default=0.0, help="fraction of lines degraded again")
    modes = {
        "--targets": ("teacher probabilities for the cached lines", teacher_targets),
        "--export": ("write the trained student as ONNX", export),
    }
    run_mode(ap, modes, train)


if __name__ == "__main__":
    main()
