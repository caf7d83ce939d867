from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.demo_scenes import render_plate
from plateguard.errors import InvalidInput
from plateguard.reads.images import image_path, store_image
from plateguard.reads.models import StoredImage


def test_same_image_is_stored_once(db: Session, tmp_path: Path) -> None:
    data = render_plate("7ABC123")
    first = store_image(session=db, images_dir=tmp_path, data=data)
    second = store_image(session=db, images_dir=tmp_path, data=data)
    assert first.sha256 == second.sha256
    with system_scope(db, "test"):
        assert db.scalar(select(func.count()).select_from(StoredImage)) == 1
    assert image_path(tmp_path, first.sha256).read_bytes() == data
    assert (first.width, first.height) == (300, 150)
    assert len(list(tmp_path.rglob("*"))) == 3  # two folder levels and one file


def test_different_images_get_different_names(db: Session, tmp_path: Path) -> None:
    one = store_image(session=db, images_dir=tmp_path, data=render_plate("7ABC123"))
    two = store_image(session=db, images_dir=tmp_path, data=render_plate("8XYZ999"))
    assert one.sha256 != two.sha256


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a not accepted", "not a JPEG or PNG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "cannot be decoded"),
    ],
)
def test_non_images_are_refused_and_nothing_is_written(
    db: Session, tmp_path: Path, data: bytes, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        store_image(session=db, images_dir=tmp_path, data=data)
    assert not any(tmp_path.iterdir())
