"""Small plate thumbnails for the alert list, sent inside the page (data: URIs).

The list page's own access record covers them, so a list of 100 alerts is one access record, not 101.
Nothing is cached: a purged image disappears from the list with its file.
"""

from __future__ import annotations

import base64
from pathlib import Path

import cv2
import numpy as np

from plateguard.reads.images import image_path

THUMBNAIL_HEIGHT = 40  # pixels: a plate crop stays readable at this size


def plate_thumbnail(images_dir: Path, sha256: str) -> str | None:
    """The stored plate image scaled to the list's height, as a data: URI; None when unreadable."""
    try:
        data = image_path(images_dir, sha256).read_bytes()
    except OSError:
        return None
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None
    height, width = image.shape[:2]
    size = (max(1, round(width * THUMBNAIL_HEIGHT / height)), THUMBNAIL_HEIGHT)
    ok, encoded = cv2.imencode(".jpg", cv2.resize(image, size, interpolation=cv2.INTER_AREA))
    if not ok:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(encoded.tobytes()).decode("ascii")
