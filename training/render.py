"""Synthetic US licence plates: all 50 states and DC, for training the plate reader (never real images).

Each sample is a whole plate (state name, slogan, stickers, frame, emblems, stacked characters) with the
plate number as the label, then degraded: perspective, blur, noise, glare, night infrared, low resolution,
JPEG. Fonts come from Debian's fonts-dejavu-core / fonts-liberation (found under /usr/share/fonts) and
OpenCV's Hershey fonts.
"""

from __future__ import annotations

import random
import string
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import cast

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from plateguard.recognition.formats import STATE_FORMATS, STATE_HINTS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plate_styles import FULL_NAMES, STYLE, C
from stroke_font import draw as draw_strokes

W, H = 256, 128
FONT_ROOT = Path("/usr/share/fonts")
# Narrow, tall gothic faces look most like plate lettering; those beyond DejaVu are optional training fonts
# (Debian: fonts-liberation fonts-bebas-neue fonts-roboto-unhinted fonts-urw-base35 fonts-open-sans).
PLATE_FONT_NAMES = (
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSansCondensed.ttf",
    "LiberationSansNarrow-Bold.ttf",
    "LiberationSans-Bold.ttf",
    "LiberationMono-Bold.ttf",
    "LiberationSansNarrow-Regular.ttf",
    "BebasNeue-Bold.otf",
    "BebasNeue-Regular.otf",
    "RobotoCondensed-Bold.ttf",
    "RobotoCondensed-Regular.ttf",
    "RobotoCondensed-Medium.ttf",
    "NimbusSansNarrow-Bold.otf",
    "NimbusSansNarrow-Regular.otf",
    "OpenSans-CondBold.ttf",
)
STROKE = "stroke"
"""Not a font file: the plate stroke font of stroke_font.py (open-top 4, flag-only 1), used for 35 %."""
NAME_FONT_NAMES = (
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-BoldItalic.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansCondensed-BoldOblique.ttf",
    "LiberationSerif-BoldItalic.ttf",
    "LiberationSans-Bold.ttf",
    "LiberationSerif-Italic.ttf",
    "RobotoCondensed-Italic.ttf",
    "NimbusSansNarrow-BoldOblique.otf",
)


@lru_cache(maxsize=1)
def _installed_fonts() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(FONT_ROOT.rglob("*")):
        if path.suffix in (".ttf", ".otf"):
            found.setdefault(path.name, str(path))
    return found


@lru_cache(maxsize=8)
def available(names: tuple[str, ...]) -> tuple[str, ...]:
    have = tuple(n for n in names if n in _installed_fonts())
    if not have:
        raise FileNotFoundError("no plate fonts found (apt-get install fonts-dejavu-core)")
    return have


STATES = sorted(STATE_FORMATS)


@dataclass(frozen=True)
class Sample:
    image: np.ndarray  # grayscale uint8 (out_h, out_w)
    text: str
    state: str


def font_path(name: str) -> str:
    try:
        return _installed_fonts()[name]
    except KeyError:
        raise FileNotFoundError(f"font {name} not found under {FONT_ROOT}") from None


@lru_cache(maxsize=256)
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(name), size)


def plate_text(rng: random.Random, state: str) -> str:
    if rng.random() < 0.15:
        n = rng.randint(2, 7)
        alphabet = string.ascii_uppercase if rng.random() < 0.5 else string.ascii_uppercase + string.digits
        return "".join(rng.choice(alphabet) for _ in range(n))
    fmt = rng.choice(
        STATE_FORMATS[state] if rng.random() < 0.85 else rng.choice(list(STATE_FORMATS.values()))
    )
    return "".join(rng.choice(string.digits) if f == "9" else rng.choice(string.ascii_uppercase) for f in fmt)


def _rgb(name: str, rng: random.Random, jitter: int = 18) -> tuple[int, int, int]:
    r, g, b = C[name]

    def j(v: int) -> int:
        return int(np.clip(v + rng.randint(-jitter, jitter), 0, 255))

    return (j(r), j(g), j(b))


def _background(rng: random.Random, top: str, bottom: str) -> Image.Image:
    t, b = np.array(_rgb(top, rng), np.float32), np.array(_rgb(bottom, rng), np.float32)
    ramp = np.linspace(0, 1, H, dtype=np.float32)[:, None, None]
    arr = np.broadcast_to(t * (1 - ramp) + b * ramp, (H, W, 3)).copy()
    if rng.random() < 0.4:  # scenic shapes: hills, sun, waves
        for _ in range(rng.randint(1, 4)):
            col = np.array(_rgb(rng.choice(list(C)), rng, 40), np.float32)
            cx, cy, rx, ry = (
                rng.randint(0, W),
                rng.randint(H // 2, H + 40),
                rng.randint(30, 160),
                rng.randint(10, 60),
            )
            mask = np.zeros((H, W), np.float32)
            cv2.ellipse(mask, (cx, cy), (rx, ry), 0, 0, 360, 1.0, -1)
            a = rng.uniform(0.15, 0.5)
            arr = arr * (1 - a * mask[..., None]) + col * (a * mask[..., None])
    img = Image.fromarray(arr.astype(np.uint8))
    if rng.random() < 0.5:
        _graphics(rng, img)
    return img


def _graphics(rng: random.Random, img: Image.Image) -> None:
    """Pictorial plate art (a lighthouse, a bird, a cowboy, a map outline): shapes that are not characters."""
    draw = ImageDraw.Draw(img, "RGBA")
    for _ in range(rng.randint(1, 3)):
        cx = rng.choice([rng.randint(0, W // 4), rng.randint(3 * W // 4, W), rng.randint(0, W)])
        cy, r = rng.randint(H // 5, H), rng.randint(10, 45)
        n = rng.randint(5, 10)
        pts = [
            (cx + r * rng.uniform(0.4, 1.0) * np.cos(a), cy + r * rng.uniform(0.4, 1.2) * np.sin(a))
            for a in sorted(rng.uniform(0, 2 * np.pi) for _ in range(n))
        ]
        col = _rgb(rng.choice(list(C)), rng, 40)
        alpha = rng.randint(60, 230)
        if rng.random() < 0.7:
            draw.polygon(pts, fill=(*col, alpha))
        else:
            draw.line(pts + pts[:1], fill=(*col, alpha), width=rng.randint(1, 3))


Line = tuple[int, int, int, int]
"""A drawn text line's box (x0, y0, x1, y1) in plate pixels."""


def _draw_text_fit(
    img: Image.Image,
    text: str,
    box: tuple[int, int, int, int],
    fnt: str,
    color: tuple[int, int, int],
    stretch: float = 1.0,
    rng: random.Random | None = None,
    ink: list[Line] | None = None,
) -> tuple[int, int]:
    """Draw `text` fitted into `box` (font STROKE: plate stroke font, needs `rng`); returns its x range.
    `ink`, when given, gets the box of the pixels actually drawn."""
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    if fnt == STROKE and rng is not None:
        layer = Image.fromarray(draw_strokes(rng, text))
        tw, th = layer.size
    else:
        size = max(6, int(bh * 1.25))
        f = font(fnt, size)
        # FreeTypeFont.getbbox is typed as floats but gives ints (stroke_width 0)
        left, t, r, b = cast(tuple[int, int, int, int], f.getbbox(text))
        tw, th = max(1, r - left), max(1, b - t)
        layer = Image.new("L", (tw + 4, th + 4), 0)
        ImageDraw.Draw(layer).text((2 - left, 2 - t), text, font=f, fill=255)
    scale_h = bh / th
    new_w = min(bw, int(tw * scale_h * stretch))
    layer = layer.resize((max(1, new_w), bh), Image.Resampling.BILINEAR)
    ox = x0 + (bw - new_w) // 2
    img.paste(Image.new("RGB", layer.size, color), (ox, y0), layer)
    drawn = layer.getbbox()
    if ink is not None and drawn is not None:
        ink.append((ox + drawn[0], y0 + drawn[1], ox + drawn[2], y0 + drawn[3]))
    return ox, ox + new_w


def render_plate(rng: random.Random, state: str, text: str) -> np.ndarray:
    return render_plate_lines(rng, state, text)[0]


def render_plate_lines(rng: random.Random, state: str, text: str) -> tuple[np.ndarray, list[Line]]:
    """The plate (RGB, W x H) and the boxes of its text lines: the number first (the whole number, across
    a gap or an emblem), then the state name and the slogan. Stickers, bolts and frame text are not lines.
    Draws exactly what `render_plate` draws from the same random state."""
    style = STYLE[state] if rng.random() < 0.8 else (rng.choice(list(C)),) * 2 + (rng.choice(list(C)),) * 2
    top, bottom, ink, name_ink = style
    if C[ink] == C[top]:
        ink = "black" if sum(C[top]) > 380 else "white"
    img = _background(rng, top, bottom)
    draw = ImageDraw.Draw(img)
    ink_rgb, name_rgb = _rgb(ink, rng), _rgb(name_ink, rng)
    main_h = int(H * rng.uniform(0.42, 0.56))
    main_top = int(H * rng.uniform(0.24, 0.34))
    margin = int(W * rng.uniform(0.04, 0.1))
    emblem = len(text) >= 4 and rng.random() < 0.25
    spaced = _spaced(rng, text) if not emblem else _gap(rng, text)
    left = margin
    if rng.random() < 0.15:  # stacked small characters on the left (not part of the label)
        left = _stacked(rng, draw, margin, main_top, main_h, ink_rgb)
    plate_font = STROKE if rng.random() < 0.35 else rng.choice(available(PLATE_FONT_NAMES))
    lines: list[Line] = []
    x0, x1 = _draw_text_fit(
        img,
        spaced,
        (left, main_top, W - margin, main_top + main_h),
        plate_font,
        ink_rgb,
        stretch=rng.uniform(0.75, 1.0),
        rng=rng,
        ink=lines,
    )
    if emblem:
        cut = spaced.index("  ")
        share = (cut + 1) / len(spaced)
        if plate_font != STROKE:
            f = font(plate_font, 40)
            share = f.getlength(spaced[: cut + 1]) / max(1.0, f.getlength(spaced))
        centre = x0 + (x1 - x0) * share
        _emblem(rng, draw, centre, main_top, main_h)
    _header_footer(rng, img, state, name_rgb, main_top, main_h, lines)
    _stickers(rng, draw)
    _bolts_frame(rng, draw)
    return np.asarray(img), lines


def _spaced(rng: random.Random, text: str) -> str:
    if len(text) >= 5 and rng.random() < 0.45:
        cut = rng.randint(2, len(text) - 2)
        return text[:cut] + rng.choice([" ", "-", " ", "\u00b7"]) + text[cut:]
    return text


def _gap(rng: random.Random, text: str) -> str:
    cut = rng.randint(1, len(text) - 1)
    return text[:cut] + "  " + text[cut:]


def _stacked(
    rng: random.Random, draw: ImageDraw.ImageDraw, x: int, top: int, h: int, ink: tuple[int, int, int]
) -> int:
    f = font(rng.choice(available(PLATE_FONT_NAMES)), max(8, h // 3))
    for i, ch in enumerate(rng.sample(string.ascii_uppercase, 2)):
        draw.text((x, top + i * h // 2), ch, font=f, fill=ink)
    return x + h // 3 + 4


def _emblem(rng: random.Random, draw: ImageDraw.ImageDraw, cx: float, top: int, h: int) -> None:
    """A coloured shape in a gap between characters (Florida orange, keystone, peach), not a character."""
    r = h * rng.uniform(0.12, 0.2)
    cy = top + h * rng.uniform(0.4, 0.6)
    col = _rgb(rng.choice(["orange", "red", "green", "gold", "blue"]), rng)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=col)


def _header_footer(
    rng: random.Random,
    img: Image.Image,
    state: str,
    color: tuple[int, int, int],
    top: int,
    h: int,
    lines: list[Line] | None = None,
) -> None:
    name = FULL_NAMES[state]
    name = name.upper() if rng.random() < 0.5 else name
    slogans = STATE_HINTS.get(state, ())
    slogan = rng.choice(slogans).title() if slogans and rng.random() < 0.6 else ""
    head = (
        int(W * 0.15),
        int(top * rng.uniform(0.15, 0.3)),
        int(W * 0.85),
        int(top * rng.uniform(0.8, 0.95)),
    )
    foot_y = top + h + 3
    foot = (int(W * 0.2), foot_y + 1, int(W * 0.8), min(H - 4, foot_y + int((H - foot_y) * 0.8)))
    boxes = [head, foot] if rng.random() < 0.75 else [foot, head]
    _draw_text_fit(
        img,
        name,
        boxes[0],
        rng.choice(available(NAME_FONT_NAMES)),
        color,
        stretch=rng.uniform(0.8, 1.2),
        ink=lines,
    )
    if slogan and boxes[1][3] - boxes[1][1] >= 6:
        _draw_text_fit(img, slogan, boxes[1], rng.choice(available(NAME_FONT_NAMES)), color, ink=lines)


def _stickers(rng: random.Random, draw: ImageDraw.ImageDraw) -> None:
    for _ in range(rng.choice([0, 1, 1, 2])):
        w, h = rng.randint(24, 46), rng.randint(14, 26)
        x = rng.choice([rng.randint(2, 20), rng.randint(W - w - 20, W - w - 2)])
        y = rng.choice([rng.randint(2, 14), rng.randint(H - h - 14, H - h - 2)])
        bg = _rgb(rng.choice(list(C)), rng, 40)
        draw.rectangle((x, y, x + w, y + h), fill=bg)
        fg = (0, 0, 0) if sum(bg) > 380 else (255, 255, 255)
        txt = rng.choice(
            [str(rng.randint(0, 99)).zfill(2), rng.choice(["JAN", "FEB", "MAR", "APR", "MAY", "JUN"])]
        )
        draw.text((x + 3, y + 1), txt, font=font("DejaVuSans-Bold.ttf", max(8, h - 4)), fill=fg)


def _bolts_frame(rng: random.Random, draw: ImageDraw.ImageDraw) -> None:
    if rng.random() < 0.5:
        for bx in (W * 0.2, W * 0.8):
            draw.ellipse((bx - 4, 10, bx + 4, 18), fill=(120, 120, 120))
    if rng.random() < 0.35:
        col = _rgb(rng.choice(["black", "grey", "white", "gold"]), rng)
        t = rng.randint(4, 12)
        draw.rectangle((0, 0, W - 1, H - 1), outline=col, width=t)
        if rng.random() < 0.5:
            draw.rectangle((0, H - t - 10, W, H), fill=col)
            txt = rng.choice(["AUTO SALES", "HONDA OF TOWN", "DEALER 555-0100", "TOYOTA", "FORD"])
            fg = (255, 255, 255) if sum(col) < 380 else (0, 0, 0)
            draw.text((W * 0.25, H - t - 10), txt, font=font("DejaVuSans-Bold.ttf", 10), fill=fg)


def degrade(rng: random.Random, plate: np.ndarray, out_w: int, out_h: int, easy: bool = False) -> np.ndarray:
    """Put the plate in a car-like surround, warp, crop loosely around it, degrade, return grayscale."""
    pad = 40
    canvas = np.full((H + 2 * pad, W + 2 * pad, 3), rng.randint(0, 255), np.uint8)
    canvas[:] = np.array(_rgb(rng.choice(list(C)), rng, 60), np.uint8)
    canvas[pad : pad + H, pad : pad + W] = plate
    src = np.array([[pad, pad], [pad + W, pad], [pad + W, pad + H], [pad, pad + H]], dtype=np.float32)
    jitter = np.array([[rng.gauss(0, 0.04) * W, rng.gauss(0, 0.05) * H] for _ in range(4)], dtype=np.float32)
    ang = np.deg2rad(rng.gauss(0, 3.0))
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]], dtype=np.float32)
    centre = src.mean(axis=0)
    dst_plate = (src - centre) @ rot.T + centre + jitter
    # loose crop box around the (warped) plate, as a detector would give
    mx, my = rng.uniform(-0.04, 0.12) * W, rng.uniform(-0.04, 0.15) * H
    x0, y0 = dst_plate[:, 0].min() - mx, dst_plate[:, 1].min() - my
    x1, y1 = (
        dst_plate[:, 0].max() + rng.uniform(-0.04, 0.12) * W,
        dst_plate[:, 1].max() + rng.uniform(-0.04, 0.15) * H,
    )
    target = np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], dtype=np.float32)
    box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(box, target) @ cv2.getPerspectiveTransform(src, dst_plate)
    small_w = int(out_w * (1.0 if easy else rng.choice([1.0, 1.0, 0.7, 0.5, 0.35])))
    small_h = max(8, int(small_w * out_h / out_w))
    scale = np.diag([small_w / out_w, small_h / out_h, 1.0]).astype(np.float64)
    warped = cv2.warpPerspective(
        canvas, scale @ m, (small_w, small_h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )
    gray: np.ndarray = cv2.cvtColor(warped, cv2.COLOR_RGB2GRAY).astype(np.float32)
    if easy:
        return np.clip(cv2.resize(gray, (out_w, out_h)), 0, 255).astype(np.uint8)
    gray = _photometric(rng, gray, warped)
    if rng.random() < 0.4:
        k = rng.choice([3, 3, 5])
        gray = cv2.GaussianBlur(gray, (k, k), rng.uniform(0.5, 1.6))
    gray = cv2.resize(gray, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    out = np.clip(gray, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(20, 70)])
        out = cast(np.ndarray, cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE)) if ok else out
    return out


def _photometric(rng: random.Random, gray: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    if rng.random() < 0.3:  # colour channel choice (IR or different sensors)
        gray = rgb[..., rng.randint(0, 2)].astype(np.float32)
    if rng.random() < 0.15:  # night infrared: very bright plate, dark surround, washed-out colours
        gray = np.clip((gray - gray.mean()) * rng.uniform(1.5, 2.5) + rng.uniform(110, 180), 0, 255)
    if rng.random() < 0.1:
        gray = 255 - gray
    contrast, bright = rng.uniform(0.55, 1.3), rng.uniform(-50, 40)
    gray = (gray - 128) * contrast + 128 + bright
    h, w = gray.shape
    if rng.random() < 0.25:  # glare
        mask: np.ndarray = np.zeros_like(gray)
        cv2.ellipse(
            mask,
            (rng.randint(0, w), rng.randint(0, h)),
            (rng.randint(5, w // 2), rng.randint(3, h // 2)),
            rng.uniform(0, 180),
            0,
            360,
            1.0,
            -1,
        )
        mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, w / 20))
        gray = gray + mask * rng.uniform(60, 180)
    if rng.random() < 0.25:  # shadow
        xs = rng.randint(0, w)
        gray[:, xs:] *= rng.uniform(0.4, 0.8)
    gray = gray + np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(0, 12), gray.shape)
    return gray


def sample(rng: random.Random, out_w: int = 128, out_h: int = 48, easy: bool = False) -> Sample:
    """One training sample; `easy` skips the photometric degradations (curriculum start)."""
    state = rng.choice(STATES)
    text = plate_text(rng, state)
    plate = render_plate(rng, state, text)
    return Sample(degrade(rng, plate, out_w, out_h, easy), text, state)


def render_color(rng: random.Random, state: str, text: str) -> np.ndarray:
    """A clean colour plate (BGR, 256x128) for tests and demos."""
    return cv2.cvtColor(render_plate(rng, state, text), cv2.COLOR_RGB2BGR)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/plates")
    out.mkdir(parents=True, exist_ok=True)
    r = random.Random(0)
    for i in range(24):
        s = sample(r, 256, 96)
        cv2.imwrite(str(out / f"{i:02d}_{s.state}_{s.text}.png"), s.image)
