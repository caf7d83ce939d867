"""The image store: each image kept once on disk, named by the SHA-256 of its bytes.

Files live under ``<data_dir>/images/ab/cd/<sha256>``; only code that writes an access record reads
them back (see the reads service), and no web route serves the folder directly.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy import Table
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.database import insert_or_skip
from plateguard.errors import InvalidInput, PayloadTooLarge
from plateguard.reads.models import StoredImage

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # larger is refused before decoding: the decompression-bomb guard
_STORED_IMAGE: Table = StoredImage.__table__  # type: ignore[assignment]
_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def image_path(images_dir: Path, sha256: str) -> Path:
    return images_dir / sha256[:2] / sha256[2:4] / sha256


def store_image(*, session: Session, images_dir: Path, data: bytes) -> StoredImage:
    """Validate, write once (atomically) and record an image; the same bytes give the same row."""
    content_type = _content_type(data)
    sha256 = hashlib.sha256(data).hexdigest()
    with system_scope(session, "image de-duplication"):
        existing = session.get(StoredImage, sha256)
    if existing is not None:
        return existing
    width, height = _decoded_size(data)
    _write_atomically(image_path(images_dir, sha256), data)
    row = {"sha256": sha256, "content_type": content_type, "width": width, "height": height}
    # The same picture sent twice at once: the database keeps one row, neither request fails.
    session.execute(insert_or_skip(session, _STORED_IMAGE, key="sha256"), [{**row, "size_bytes": len(data)}])
    with system_scope(session, "image de-duplication"):
        image = session.get(StoredImage, sha256)
    assert image is not None
    return image


def _content_type(data: bytes) -> str:
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(f"image is {len(data)} bytes; the limit is {MAX_IMAGE_BYTES}", field="image")
    for signature, content_type in _SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    raise InvalidInput("image is not a JPEG or PNG file", field="image")


def _decoded_size(data: bytes) -> tuple[int, int]:
    buffer = np.frombuffer(data, dtype=np.uint8)
    header = cv2.imdecode(buffer, cv2.IMREAD_REDUCED_GRAYSCALE_8)
    if header is None:
        raise InvalidInput("image cannot be decoded (damaged or truncated)", field="image")
    if header.shape[0] * header.shape[1] * 64 > MAX_IMAGE_PIXELS:
        raise PayloadTooLarge("image has too many pixels", field="image")
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    if image is None:
        raise InvalidInput("image cannot be decoded (damaged or truncated)", field="image")
    height, width = image.shape[:2]
    return int(width), int(height)


def _write_atomically(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
