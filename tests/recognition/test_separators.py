"""What sits between a plate's characters is never read as one: separators, bolts, small emblems.

The plates are drawn here (DejaVu Sans Bold, which CI installs), not by the training renderer, so the
reader is checked on lettering it was not tuned on.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from plateguard.recognition.pipeline import Pipeline

from .test_models import need_ppocr

pytestmark = pytest.mark.model
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
INK = (20, 30, 120)
NUMBERS = (("7AB", "C123"), ("4KX", "9921"), ("8RTD", "561"), ("LX", "44P"))


@cache
def engine() -> Pipeline:
    need_ppocr()
    from plateguard.recognition.pipeline import build_default

    return build_default(threads=1)


def draw_mark(draw: ImageDraw.ImageDraw, mark: str, cx: float, cy: float) -> None:
    if mark == "dot":
        draw.ellipse((cx - 9, cy - 9, cx + 9, cy + 9), fill=INK)
    elif mark == "dash":
        draw.rectangle((cx - 22, cy - 7, cx + 22, cy + 7), fill=INK)
    elif mark == "heart":
        heart = [(0, 24), (-24, -4), (-13, -20), (0, -9), (13, -20), (24, -4)]
        draw.polygon([(cx + x, cy + y) for x, y in heart], fill=(200, 20, 40))
    elif mark == "orange":  # Florida's orange between the letters and the digits
        draw.ellipse((cx - 26, cy - 26, cx + 26, cy + 26), fill=(240, 140, 20))
        draw.polygon([(cx - 7, cy - 26), (cx + 7, cy - 26), (cx, cy - 40)], fill=(30, 140, 40))
    elif mark == "bolts":
        for bx in (190, 410):
            for by in (16, 206):
                draw.ellipse((bx - 10, by, bx + 10, by + 20), fill=(90, 90, 90))


Box = tuple[float, float, float, float]


def plate(left: str, right: str, mark: str) -> np.ndarray:
    """A white plate with the state name on top and `mark` in the gap between `left` and `right`."""
    return drawn_plate(left, right, mark)[0]


def drawn_plate(left: str, right: str, mark: str) -> tuple[np.ndarray, Box, Box]:
    """The 480 x 240 plate (BGR), the box of its whole number and that of its state name (x0, y0, x1, y1),
    known from the drawing."""
    if not FONT.exists():
        pytest.fail(f"{FONT} is missing (Debian package fonts-dejavu-core)")
    img = Image.new("RGB", (600, 240), (245, 245, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((4, 4, 595, 235), outline=(60, 60, 60), width=4)
    small = ImageFont.truetype(str(FONT), 36)
    name = draw.textbbox((300, 28), "California", font=small, anchor="mt")
    draw.text((300, 28), "California", font=small, fill=(170, 20, 20), anchor="mt")
    big = ImageFont.truetype(str(FONT), 92)
    gap = 70
    left_w, right_w = draw.textlength(left, font=big), draw.textlength(right, font=big)
    x = (600 - left_w - gap - right_w) / 2
    assert x > 30, "the number must fit on the plate"
    first = draw.textbbox((x, 80), left, font=big)
    last = draw.textbbox((x + left_w + gap, 80), right, font=big)
    draw.text((x, 80), left, font=big, fill=INK)
    draw.text((x + left_w + gap, 80), right, font=big, fill=INK)
    draw_mark(draw, mark, x + left_w + gap / 2, 80 + 55)
    bgr = np.asarray(img)[:, :, ::-1]
    resized = np.asarray(cv2.resize(bgr, (480, 240), interpolation=cv2.INTER_AREA), dtype=np.uint8)
    number = (first[0], min(first[1], last[1]), last[2], max(first[3], last[3]))
    return resized, _scaled(number, 0.8), _scaled(name, 0.8)


def _scaled(box: tuple[float, ...], f: float) -> Box:
    return (box[0] * f, box[1] * f, box[2] * f, box[3] * f)


@pytest.mark.parametrize("mark", ["gap", "dot", "dash", "heart", "bolts"])
@pytest.mark.parametrize(("left", "right"), NUMBERS)
def test_separators_and_bolts_are_not_read(left: str, right: str, mark: str) -> None:
    found = engine().read_crop(plate(left, right, mark))
    assert found.plate == left + right


def test_a_round_emblem_is_not_read_as_a_letter() -> None:
    """Florida's orange between the letters and the digits. With PP-OCRv4's text detector inside the crop it
    was read as an O on one of these four plates; PP-OCRv3's, the crop detector since 2026-11-30, reads
    all four."""
    misread = [
        left + right
        for left, right in NUMBERS
        if engine().read_crop(plate(left, right, "orange")).plate != left + right
    ]
    assert not misread
