"""The plate's picture kept with a read recognised here: upright and face-on when the plate was seen at an
angle, the plate's box cut from the frame when no corners are known, never made-up pixels."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cv2
import numpy as np
import pytest

from plateguard.ingest.media import image_reads, pass_to_read
from plateguard.ingest.plate_pictures import plate_picture
from plateguard.ingest.recognition import RecognizedPlate
from plateguard.ingest.tracking import VehiclePass

T0 = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def tilted_plate(angle: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    """A white 200 x 100 plate with a black band across its middle, turned by `angle` degrees in a grey
    640 x 480 frame, and its corners (clockwise from the top-left)."""
    frame = np.full((480, 640, 3), 90, np.uint8)
    patch = np.full((300, 300, 3), 90, np.uint8)
    patch[100:200, 50:250] = 255
    patch[140:160, 60:240] = 0  # the band: horizontal on the plate itself
    turn = cv2.getRotationMatrix2D((150, 150), angle, 1.0)
    frame[100:400, 150:450] = cv2.warpAffine(patch, turn, (300, 300), borderValue=(90, 90, 90))
    corners = np.array([[[50, 100], [250, 100], [250, 200], [50, 200]]], np.float32)
    return frame, cv2.transform(corners, turn)[0] + np.array([150, 100], np.float32)


def as_tuple(corners: np.ndarray) -> tuple[tuple[float, float], ...]:
    return tuple((float(x), float(y)) for x, y in corners)


def band_rows(picture: np.ndarray) -> np.ndarray:
    """The rows whose middle half is mostly black: where the band lies in the picture."""
    grey = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
    width = grey.shape[1]
    middle = grey[:, width // 4 : 3 * width // 4]
    return np.flatnonzero((middle < 60).mean(axis=1) > 0.9)


def test_a_tilted_plate_is_kept_upright_and_face_on() -> None:
    frame, corners = tilted_plate(20.0)
    picture = plate_picture(frame, (0, 0, 1, 1), as_tuple(corners))
    assert picture is not None
    height, width = picture.shape[:2]
    assert abs(width - 230) <= 2 and abs(height - 180) <= 2, "the 200 x 100 plate grown 1.15 x and 1.8 x"
    rows = band_rows(picture)
    assert len(rows) >= 15, "the 20-pixel band runs straight across the upright plate"
    assert abs((rows.min() + rows.max()) / 2 - height / 2) < 0.08 * height, "and through its middle"
    # the same plate cut by its bounding box has the band running diagonally: no row is mostly black
    x0, y0 = corners.min(axis=0).astype(int)
    x1, y1 = corners.max(axis=0).astype(int)
    assert len(band_rows(frame[y0:y1, x0:x1])) == 0


def test_the_picture_keeps_a_margin_around_the_plate() -> None:
    frame, corners = tilted_plate(0.0)
    picture = plate_picture(frame, (0, 0, 1, 1), as_tuple(corners))
    assert picture is not None
    assert picture.shape[:2] == (180, 230)  # 100 x 200 grown 1.8 x across and 1.15 x along
    assert (picture[:5] == 90).all() and (picture[:, :5] == 90).all(), "the road around the plate shows"


def test_without_corners_the_box_is_cut_from_the_frame() -> None:
    frame = np.arange(480 * 640 * 3, dtype=np.uint32).reshape(480, 640, 3).astype(np.uint8)
    picture = plate_picture(frame, (100, 50, 120, 40))
    assert picture is not None
    assert np.array_equal(picture, frame[50:90, 100:220])


@pytest.mark.parametrize(
    "corners",
    [
        ((10.0, 10.0),) * 4,  # all at one point (a broken engine)
        ((10.0, 10.0), (11.0, 10.0), (11.0, 11.0), (10.0, 11.0)),  # too small to be a picture
        ((10.0, 10.0), (float("nan"), 10.0), (50.0, 30.0), (10.0, 30.0)),
        ((10.0, 10.0), (50.0, 10.0), (50.0, 30.0)),  # three corners
        ((0.0, 0.0), (1e9, 0.0), (1e9, 1e9), (0.0, 1e9)),  # far outside: no picture the size of a city
    ],
)
def test_unusable_corners_fall_back_to_the_box(corners: tuple[tuple[float, float], ...]) -> None:
    frame = np.full((100, 100, 3), 77, np.uint8)
    picture = plate_picture(frame, (20, 20, 30, 15), corners)
    assert picture is not None and picture.shape[:2] == (15, 30)


def test_a_box_outside_the_frame_gives_no_picture() -> None:
    frame = np.full((100, 100, 3), 77, np.uint8)
    assert plate_picture(frame, (150, 150, 30, 15)) is None
    assert plate_picture(frame, (-50, -50, 20, 20)) is None


def test_a_plate_at_the_frame_edge_shows_black_beyond_the_frame() -> None:
    frame = np.full((100, 200, 3), 200, np.uint8)
    corners = ((150.0, 40.0), (200.0, 40.0), (200.0, 65.0), (150.0, 65.0))  # ends at the right edge
    picture = plate_picture(frame, (150, 40, 50, 25), corners)
    assert picture is not None
    assert (picture[:, -2:] == 0).all(), "nothing is made up past the frame's edge"
    assert (picture[:, :10] == 200).all()


class TiltedReader:
    """Stands in for the engine: reports the tilted plate of `tilted_plate` with its corners."""

    def __init__(self, corners: np.ndarray) -> None:
        self.corners = as_tuple(corners)

    def predict(self, image_bgr: np.ndarray) -> list[RecognizedPlate]:
        xs, ys = [c[0] for c in self.corners], [c[1] for c in self.corners]
        box = (int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys)))
        return [RecognizedPlate(plate="7ABC123", confidence=0.9, box=box, corners=self.corners)]


def decoded(data: bytes | None) -> np.ndarray:
    assert data is not None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def test_an_image_read_keeps_the_upright_plate_picture(tmp_path: Path) -> None:
    frame, corners = tilted_plate(15.0)
    path = tmp_path / "snap.png"
    cv2.imwrite(str(path), frame)
    [read] = image_reads(path, TiltedReader(corners))
    assert read.overview_image == path.read_bytes()
    picture = decoded(read.plate_image)
    assert len(band_rows(picture)) >= 15, "the 20-pixel band runs straight across the picture"


def test_a_video_pass_keeps_the_upright_plate_picture_of_its_best_frame() -> None:
    frame, corners = tilted_plate(-12.0)
    vehicle_pass = VehiclePass(
        plate="7ABC123",
        confidence=0.9,
        captured_at=T0,
        box=(0, 0, 640, 480),
        region=None,
        candidates=(("7ABC123", 1.0),),
        frames=5,
        first_frame=3,
        best_frame=6,
        corners=as_tuple(corners),
    )
    read = pass_to_read(vehicle_pass, "camera-1", frame)
    picture = decoded(read.plate_image)
    assert picture.shape[:2] == (180, 230), "the plate, not the whole frame of the box"
    assert len(band_rows(picture)) >= 15


@pytest.mark.model
def test_the_engines_plate_picture_of_a_tilted_plate_reads_back_as_the_plate(tmp_path: Path) -> None:
    """End to end: a plate seen at an angle, recognised by the real engine; the picture kept with the read
    is upright, and the engine reads it back, as a crop, as the same plate."""
    from plateguard.config import load_settings
    from plateguard.demo_scenes import render_plate
    from plateguard.ingest.recognition import load_recognizer

    plate = decoded(render_plate("7ABC123"))
    patch = np.full((320, 320, 3), 90, np.uint8)
    patch[105:215, 50:270] = cv2.resize(plate, (220, 110))
    turn = cv2.getRotationMatrix2D((160, 160), 12, 1.0)
    scene = np.full((720, 1280, 3), 90, np.uint8)
    scene[300:620, 500:820] = cv2.warpAffine(patch, turn, (320, 320), borderValue=(90, 90, 90))
    path = tmp_path / "tilted.png"
    cv2.imwrite(str(path), scene)
    recognizer = load_recognizer(load_settings())
    [read] = image_reads(path, recognizer)
    assert read.plate == "7ABC123"
    picture = decoded(read.plate_image)
    assert 1.6 < picture.shape[1] / picture.shape[0] < 3.2, "face-on, not the tilted plate's bounding box"
    from plateguard.recognition.pipeline import build_default

    assert build_default(threads=1).read_crop(picture).plate == "7ABC123"
