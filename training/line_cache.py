"""Synthetic plate-number lines for fine-tuning the line reader, found exactly as the reader finds them,
cached as PNG bytes in npz shards (training/finetune_line_reader.py --cache)."""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

from render import STATES, plate_text, render_color, sample  # noqa: E402

from plateguard.recognition.formats import edit_distance, normalize_plate  # noqa: E402
from plateguard.recognition.geometry import warp_quad  # noqa: E402
from plateguard.recognition.ppocr import TextDetector, TextLineReader, plate_text_detector  # noqa: E402
from plateguard.recognition.ppocr_plate import (  # noqa: E402
    CROP_WIDTH,
    PAD_Y,
    greedy_text,
    merge_lines,
    normalise_crop,
    pick_main_line,
)
from plateguard.recognition.types import Image  # noqa: E402

CACHE = ROOT / "training" / "cache"
SHARD = 500
VAL_LINES, VAL_SEED, TRAIN_SEED = 300, 900_001, 1_000
SQUASH = 0.7
Lines = list[tuple[bytes, str]]


# ---------------------------------------------------------------- synthetic crops -> cached line images


def colour_crop(rng: random.Random) -> tuple[Image, str]:
    """A colour plate (render_color) in a random surround, warped, loosely cropped, shrunk, degraded."""
    state = rng.choice(STATES)
    text = plate_text(rng, state)
    img, _ = surround_and_warp(rng, render_color(rng, state, text))
    return _photometric(rng, img), text


def surround_and_warp(rng: random.Random, plate: Image) -> tuple[Image, npt.NDArray[np.float64]]:
    """The plate (BGR) on a random surround, in perspective, cropped loosely as a scene search crops it and
    shrunk; with the homography from plate pixels to pixels of the result."""
    h, w = plate.shape[:2]
    pad = 40
    canvas = np.empty((h + 2 * pad, w + 2 * pad, 3), np.uint8)
    canvas[:] = [rng.randint(0, 255) for _ in range(3)]
    canvas[pad : pad + h, pad : pad + w] = plate
    src = np.array([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]], dtype=np.float32)
    dst = src + np.array(
        [[rng.gauss(0, 0.04) * w, rng.gauss(0, 0.05) * h] for _ in range(4)], dtype=np.float32
    )
    x0, y0 = dst[:, 0].min() - rng.uniform(-0.03, 0.1) * w, dst[:, 1].min() - rng.uniform(-0.03, 0.12) * h
    x1, y1 = dst[:, 0].max() + rng.uniform(-0.03, 0.1) * w, dst[:, 1].max() + rng.uniform(-0.03, 0.12) * h
    out_w = rng.choice((320, 320, 256, 200, 150, 110))
    out_h = max(16, int(out_w * rng.uniform(0.45, 0.55)))
    box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
    target = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(box, target) @ cv2.getPerspectiveTransform(src, dst)
    img = cv2.warpPerspective(
        canvas, m, (out_w, out_h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )
    # getPerspectiveTransform gives float64, so this is the product itself (no conversion)
    from_plate = np.asarray(m @ np.array([[1, 0, pad], [0, 1, pad], [0, 0, 1]], np.float64), np.float64)
    return np.asarray(img, np.uint8), from_plate


def _photometric(rng: random.Random, img: Image) -> Image:
    x: np.ndarray = img.astype(np.float32) * rng.uniform(0.55, 1.25) + rng.uniform(-45, 35)
    if rng.random() < 0.4:
        x = cv2.GaussianBlur(x, (3, 3), rng.uniform(0.5, 1.4))
    x += np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(0, 10), x.shape)
    out: Image = np.clip(x, 0, 255).astype(np.uint8)
    if rng.random() < 0.4:
        ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(25, 80)])
        out = cast(Image, cv2.imdecode(enc, cv2.IMREAD_COLOR)) if ok else out
    return out


def synthetic_crop(rng: random.Random) -> tuple[Image, str]:
    """60 %: render.sample's degraded grey crop (as BGR); 40 %: a degraded colour crop."""
    if rng.random() < 0.6:
        w = rng.choice((256, 320))
        s = sample(rng, w, int(w * rng.uniform(0.45, 0.55)), easy=rng.random() < 0.2)
        return np.asarray(cv2.cvtColor(s.image, cv2.COLOR_GRAY2BGR), np.uint8), s.text
    return colour_crop(rng)


def main_line(detector: TextDetector, crop: Image) -> Image | None:
    """The main text line exactly as PpocrPlateReader.predict finds and warps it (None: no line)."""
    img = normalise_crop(crop)
    main = pick_main_line(merge_lines(detector.predict(img, max_side=CROP_WIDTH)))
    if main is None:
        return None
    return warp_quad(img, np.array(main.quad, dtype=np.float32), pad_y=PAD_Y)


def plausible_line(reader: TextLineReader, line: Image, text: str) -> bool:
    """Drop lines that are clearly not the plate number (state name picked): the stock read is at most
    half the label's length away from it."""
    read = normalize_plate(greedy_text(reader.predict(line)))
    return edit_distance(read, normalize_plate(text)) <= max(2, len(text) // 2)


def collect(
    detector: TextDetector, reader: TextLineReader, seed: int, count: int, tally: dict[str, int]
) -> Lines:
    rng = random.Random(seed)
    out: Lines = []
    while len(out) < count:
        crop, text = synthetic_crop(rng)
        tally["rendered"] += 1
        line = main_line(detector, crop)
        if line is None:
            tally["no_line"] += 1
        elif not plausible_line(reader, line, text):
            tally["not_plate"] += 1
        else:
            out.append((cv2.imencode(".png", line)[1].tobytes(), text))
    return out


def save_lines(path: Path, lines: Lines) -> None:
    blobs = [np.frombuffer(b, np.uint8) for b, _ in lines]
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, data=np.concatenate(blobs), offsets=offsets, labels=np.array([t for _, t in lines]))
    tmp.replace(path)


def load_lines(path: Path) -> Lines:
    with np.load(path) as z:
        data, offsets, labels = z["data"], z["offsets"], z["labels"]
    return [(data[offsets[i] : offsets[i + 1]].tobytes(), str(labels[i])) for i in range(len(labels))]


def decode(blob: bytes) -> Image:
    return np.asarray(cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR), dtype=np.uint8)


def build_cache(args: argparse.Namespace) -> None:
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    detector, reader = plate_text_detector(threads=1), TextLineReader(threads=1)
    tally = {"rendered": 0, "no_line": 0, "not_plate": 0}
    start = time.time()
    val = args.cache_dir / "val.npz"
    if not val.is_file():
        save_lines(val, collect(detector, reader, VAL_SEED, VAL_LINES, tally))
    shard = len(list(args.cache_dir.glob("train_*.npz")))
    while shard * SHARD < args.lines and time.time() - start < args.minutes * 60:
        lines = collect(detector, reader, TRAIN_SEED + shard, SHARD, tally)
        save_lines(args.cache_dir / f"train_{shard:04d}.npz", lines)
        shard += 1
        elapsed = time.time() - start
        print(
            f"shard {shard}: {shard * SHARD} lines, {elapsed / 60:.1f} min, {json.dumps(tally)}", flush=True
        )
    print(
        json.dumps({"train_lines": shard * SHARD, "minutes": round((time.time() - start) / 60, 1), **tally})
    )
