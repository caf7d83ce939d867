"""The image store: each image kept once on disk, named by the SHA-256 of its bytes.

Files live under ``<data_dir>/images/ab/cd/<sha256>``; only code that writes an access record reads
them back (reads.search.service, alerts.service), and no web route serves the folder directly.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError
from sqlalchemy import Table
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.database import after_commit, insert_or_skip, undo_on_rollback
from plateguard.errors import InvalidInput, PayloadTooLarge, ServiceUnavailable
from plateguard.reads.models import StoredImage

logger = logging.getLogger(__name__)
# Files this session wrote and has not committed yet (``session.info``): removed again if it rolls back.
NEW_FILES = "plateguard.new_image_files"

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
    width, height = _checked_size(data)
    path = image_path(images_dir, sha256)
    try:
        if _write_atomically(path, data):
            _remember_new_file(session, path)
    except OSError as exc:
        logger.error("image store %s not writable: %s", images_dir, exc)
        raise ServiceUnavailable(
            "the image store cannot be written to; try again later", field="image"
        ) from None
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


def header_size(data: bytes) -> tuple[int, int]:
    """Width and height from the image header alone (nothing decoded); too many pixels is a 413."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as header:
                width, height = header.size
    except Image.DecompressionBombError:
        raise PayloadTooLarge("image has too many pixels", field="image") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise InvalidInput("image cannot be decoded (damaged or truncated)", field="image") from None
    if width * height > MAX_IMAGE_PIXELS:
        raise PayloadTooLarge(
            f"image has {width}x{height} pixels; the limit is {MAX_IMAGE_PIXELS}", field="image"
        )
    return int(width), int(height)


def _checked_size(data: bytes) -> tuple[int, int]:
    width, height = header_size(data)  # bounded before any decoding
    if cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_2) is None:
        raise InvalidInput("image cannot be decoded (damaged or truncated)", field="image")
    return width, height


def _remember_new_file(session: Session, path: Path) -> None:
    """A file of this transaction: removed if it is rolled back, kept once it commits (no orphans)."""
    if NEW_FILES not in session.info:
        undo_on_rollback(session, lambda: discard_new_files(session))
        after_commit(session, lambda: forget_new_files(session))
    session.info.setdefault(NEW_FILES, []).append(path)


def discard_new_files(session: Session, since: int = 0) -> None:
    """Remove the files written in this session (from the ``since``-th on) whose write is rolled back."""
    written: list[Path] = session.info.get(NEW_FILES, [])
    for path in written[since:]:
        path.unlink(missing_ok=True)
    del written[since:]


def new_files_count(session: Session) -> int:
    return len(session.info.get(NEW_FILES, []))


def forget_new_files(session: Session) -> None:
    """After a commit: the files written are now referenced by committed rows."""
    session.info.pop(NEW_FILES, None)


def _write_atomically(path: Path, data: bytes) -> bool:
    """Write the file unless it exists; True when this call created it."""
    if path.exists():
        return False
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
    return True
