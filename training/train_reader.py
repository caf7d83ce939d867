"""Train the plate reader on synthetic plates (training/render.py) on the CPU; resumable, time-bounded.

    nice -n 10 .venv/bin/python training/train_reader.py --minutes 55 --threads 1
    .venv/bin/python training/train_reader.py --export   # writes the ONNX model into the package

Checkpoints go to training/checkpoints/reader.pt (git-ignored); a rerun resumes from there.
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
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import ALPHABET, IN_H, IN_W, PlateReaderNet, greedy
from render import STATES, sample
from schedule import warmup_cosine

END_LR = 1e-5
"""The learning rate the cosine decay ends at."""

ROOT = Path(__file__).resolve().parents[1]
CKPT = ROOT / "training" / "checkpoints" / "reader.pt"
ONNX_OUT = ROOT / "src" / "plateguard" / "recognition" / "models" / "plate_reader.onnx"


Item = tuple[torch.Tensor, str, int]
"""One sample: the image (1, IN_H, IN_W) float32, its text, its state's index."""


class Synthetic(IterableDataset):  # type: ignore[type-arg,unused-ignore]  # generic with torch; Any without
    """Endless rendered plates; a curriculum starts with many easy (undegraded) ones."""

    def __init__(self, seed: int, produced: int = 0, easy_until: int = 25_000) -> None:
        self.seed = seed
        self.produced = produced
        self.easy_until = easy_until

    def __iter__(self) -> Iterator[Item]:
        info = get_worker_info()
        rng = random.Random(self.seed * 1000 + (info.id if info else 0))
        while True:
            p_easy = max(0.3, 0.7 * (1 - self.produced / self.easy_until))
            self.produced += 1
            s = sample(rng, IN_W, IN_H, easy=rng.random() < p_easy)
            yield torch.from_numpy(s.image.astype(np.float32))[None], s.text, STATES.index(s.state)


def collate(
    batch: list[Item],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, list[str]]:
    images = torch.stack([b[0] for b in batch])
    targets = torch.tensor([ALPHABET.index(c) + 1 for b in batch for c in b[1]], dtype=torch.long)
    lengths = torch.tensor([len(b[1]) for b in batch], dtype=torch.long)
    states = torch.tensor([b[2] for b in batch], dtype=torch.long)
    return images, targets, lengths, states, [b[1] for b in batch]


def validate(model: PlateReaderNet, batches: list) -> tuple[float, float]:  # type: ignore[type-arg]
    model.eval()
    ok = n = sok = 0
    with torch.no_grad():
        for images, _, _, states, texts in batches:
            probs, st = model(images)
            ok += sum(p == t for p, t in zip(greedy(probs), texts, strict=True))
            sok += int((st.argmax(-1) == states).sum())
            n += len(texts)
    model.train()
    return ok / n, sok / n


def train(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = PlateReaderNet(len(STATES))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    step = 0
    if CKPT.is_file():
        state = torch.load(CKPT, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step = state["step"]
        print(f"resumed at step {step}", flush=True)
    loader = DataLoader(
        Synthetic(seed=step + 1),
        batch_size=args.batch,
        collate_fn=collate,
        num_workers=args.workers,
        persistent_workers=args.workers > 0,
    )
    val_rng = random.Random(12345)
    val = [collate([_val_item(val_rng) for _ in range(100)]) for _ in range(5)]
    ctc, ce = nn.CTCLoss(blank=0, zero_infinity=True), nn.CrossEntropyLoss()
    start, last_save = time.time(), time.time()
    for images, targets, lengths, states, _ in loader:
        for g in opt.param_groups:
            g["lr"] = args.lr * warmup_cosine(step, args.steps, floor=END_LR / args.lr)
        logits, st = model.forward_logits(images)
        logp = logits.log_softmax(-1).permute(1, 0, 2)
        t_len = torch.full((images.shape[0],), logp.shape[0], dtype=torch.long)
        loss = ctc(logp, targets, t_len, lengths) + 0.2 * ce(st, states)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.3f} {(time.time() - start) / 60:.1f} min", flush=True)
        done = time.time() - start > args.minutes * 60 or step >= args.steps
        if time.time() - last_save > 180 or done:
            acc, sacc = validate(model, val)
            _save(model, opt, step)
            print(json.dumps({"step": step, "val_acc": acc, "val_state_acc": sacc}), flush=True)
            last_save = time.time()
        if done:
            break


def _val_item(rng: random.Random) -> Item:
    s = sample(rng, IN_W, IN_H)
    return torch.from_numpy(s.image.astype(np.float32))[None], s.text, STATES.index(s.state)


def _save(model: nn.Module, opt: torch.optim.Optimizer, step: int) -> None:
    CKPT.parent.mkdir(parents=True, exist_ok=True)
    tmp = CKPT.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step}, tmp)
    tmp.replace(CKPT)


def export() -> None:
    model = PlateReaderNet(len(STATES))
    model.load_state_dict(torch.load(CKPT, weights_only=False)["model"])
    model.eval()
    ONNX_OUT.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, 1, IN_H, IN_W)
    torch.onnx.export(
        model,
        (dummy,),
        str(ONNX_OUT),
        input_names=["image"],
        output_names=["probs", "state"],
        dynamic_axes={"image": {0: "n"}, "probs": {0: "n"}, "state": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    import onnx

    m = onnx.load(str(ONNX_OUT))
    for key, value in (("alphabet", ALPHABET), ("states", ",".join(STATES))):
        entry = m.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(m, str(ONNX_OUT))
    print(f"wrote {ONNX_OUT} ({ONNX_OUT.stat().st_size / 1e6:.2f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=55.0)
    ap.add_argument("--steps", type=int, default=12000, help="schedule length (cosine decay)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--export", action="store_true")
    args = ap.parse_args()
    if args.export:
        export()
    else:
        train(args)


if __name__ == "__main__":
    main()
