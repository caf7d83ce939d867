"""Reading image files and folders for the CLI and the benchmark."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from plateguard.recognition.types import Image

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})


class ImageReadError(ValueError):
    """The file is missing or is not a readable image."""


def load_image(path: Path) -> Image:
    """BGR uint8 image; raises ImageReadError naming the file otherwise."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise ImageReadError(f"cannot read {path}: {exc.strerror or exc}") from exc
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ImageReadError(f"not a readable image: {path}")
    return np.asarray(image, dtype=np.uint8)


def expand_paths(paths: list[Path]) -> Iterator[Path]:
    """Files as given; folders expanded (sorted, recursive) to the image files they contain."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
        else:
            yield path
