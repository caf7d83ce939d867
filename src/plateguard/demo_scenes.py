"""Pictures for the demo: a plate crop and an overview of the vehicle, as a roadside camera takes them.

Each plate belongs to one vehicle (make, model, type, color), picked from the plate itself, so a plate is
seen on the same vehicle at every camera.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import cv2
import numpy as np

VEHICLES = (
    ("Toyota", "Camry", "sedan"),
    ("Honda", "Civic", "sedan"),
    ("Ford", "F-150", "pickup"),
    ("Chevrolet", "Silverado", "pickup"),
    ("Nissan", "Altima", "sedan"),
    ("Tesla", "Model 3", "sedan"),
    ("Honda", "CR-V", "SUV"),
    ("Toyota", "RAV4", "SUV"),
    ("Ford", "Explorer", "SUV"),
    ("Hyundai", "Elantra", "sedan"),
)
# Paint as BGR, the order OpenCV draws in.
COLORS = {
    "white": (235, 235, 235),
    "black": (35, 35, 38),
    "silver": (190, 192, 196),
    "gray": (120, 122, 125),
    "blue": (150, 70, 30),
    "red": (40, 40, 175),
}


@dataclass(frozen=True)
class DemoVehicle:
    make: str
    model: str
    type: str
    color: str

    @property
    def description(self) -> str:
        return f"{self.color} {self.make} {self.model}"


def vehicle_for(plate: str) -> DemoVehicle:
    """The one vehicle that carries this plate (the same for every read of it)."""
    digest = hashlib.sha256(plate.encode()).digest()
    make, model, kind = VEHICLES[digest[0] % len(VEHICLES)]
    colors = list(COLORS)
    return DemoVehicle(make, model, kind, colors[digest[1] % len(colors)])


def render_plate(text: str, *, state_name: str = "California") -> bytes:
    """A simple California-style plate picture (white, dark-blue characters) as PNG bytes."""
    ok, encoded = cv2.imencode(".png", _plate_pixels(text, state_name))
    if not ok:
        raise RuntimeError("could not encode the demo plate image")
    return bytes(encoded.tobytes())


def _plate_pixels(text: str, state_name: str = "California") -> np.ndarray:
    plate = np.full((150, 300, 3), 245, dtype=np.uint8)
    cv2.rectangle(plate, (3, 3), (296, 146), (60, 60, 60), 3)
    cv2.putText(
        plate, state_name, (92, 38), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 0.9, (40, 40, 200), 2, cv2.LINE_AA
    )
    size = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, 2.0, 5)[0]
    origin = ((300 - size[0]) // 2, 110)
    cv2.putText(plate, text, origin, cv2.FONT_HERSHEY_DUPLEX, 2.0, (110, 40, 20), 5, cv2.LINE_AA)
    return plate


def render_overview(plate: str, vehicle: DemoVehicle, *, camera: str, at: dt.datetime, night: bool) -> bytes:
    """The rear of the vehicle on the road with the camera's caption, as JPEG bytes (640 x 360)."""
    scene = _road(night)
    _draw_vehicle(scene, vehicle, _plate_pixels(plate))
    caption = f"{camera}  {at.strftime('%Y-%m-%d %H:%M:%S')} UTC"
    cv2.rectangle(scene, (0, 0), (640, 26), (20, 20, 20), -1)
    cv2.putText(scene, caption, (8, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (230, 230, 230), 1, cv2.LINE_AA)
    if night:  # infrared cameras see at night in gray
        scene = cv2.cvtColor(cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    ok, encoded = cv2.imencode(".jpg", scene, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise RuntimeError("could not encode the demo overview image")
    return bytes(encoded.tobytes())


def _road(night: bool) -> np.ndarray:
    scene = np.zeros((360, 640, 3), dtype=np.uint8)
    scene[:150] = (60, 50, 40) if night else (215, 190, 150)  # sky
    scene[150:] = (55, 55, 55) if night else (95, 95, 98)  # asphalt
    cv2.rectangle(scene, (0, 140), (640, 152), (70, 110, 70), -1)  # verge
    for x in range(-40, 680, 120):  # lane markings running towards the horizon
        cv2.line(scene, (x, 360), (320 + (x - 320) // 4, 152), (200, 200, 200), 2)
    return scene


def _draw_vehicle(scene: np.ndarray, vehicle: DemoVehicle, plate: np.ndarray) -> None:
    paint = COLORS[vehicle.color]
    top = {"sedan": 130, "SUV": 95, "pickup": 105}[vehicle.type]
    left, right, bottom = 170, 470, 320
    cv2.rectangle(scene, (left + 20, bottom - 10), (left + 70, bottom + 25), (20, 20, 20), -1)  # tires
    cv2.rectangle(scene, (right - 70, bottom - 10), (right - 20, bottom + 25), (20, 20, 20), -1)
    cv2.rectangle(scene, (left, top + 60), (right, bottom), paint, -1)  # body
    roof = np.array([[left + 40, top], [right - 40, top], [right - 10, top + 62], [left + 10, top + 62]])
    cv2.fillPoly(scene, [roof], paint)
    glass = np.array(
        [[left + 55, top + 10], [right - 55, top + 10], [right - 30, top + 55], [left + 30, top + 55]]
    )
    cv2.fillPoly(scene, [glass], (70, 60, 50))  # rear window
    for x in (left + 10, right - 60):
        cv2.rectangle(scene, (x, top + 80), (x + 50, top + 105), (30, 30, 200), -1)  # tail lights
    cv2.rectangle(scene, (left - 5, bottom - 30), (right + 5, bottom - 5), (45, 45, 45), -1)  # bumper
    small = cv2.resize(plate, (96, 48), interpolation=cv2.INTER_AREA)
    y, x = bottom - 95, (left + right) // 2 - 48
    scene[y : y + 48, x : x + 96] = small
    badge = (x + 10, y - 12)
    gray = (200, 200, 200)
    cv2.putText(scene, vehicle.make.upper(), badge, cv2.FONT_HERSHEY_SIMPLEX, 0.45, gray, 1, cv2.LINE_AA)
