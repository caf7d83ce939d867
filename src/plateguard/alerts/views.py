"""Alert rows as officers see them: the list page and the live push render the same template."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from plateguard.alerts.models import Alert
from plateguard.alerts.thumbnails import plate_thumbnail
from plateguard.hotlists.models import CATEGORY_LABELS
from plateguard.hotlists.states import of_read
from plateguard.web.templating import TEMPLATES, local_time

CATEGORY_NAMES = {category.value: label for category, label in CATEGORY_LABELS.items()}


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    thumbnail: str | None
    read_state: str | None

    @property
    def category(self) -> str:
        category = str(self.alert.entry.get("category") or "")
        return CATEGORY_NAMES.get(category, category.replace("_", " "))


def rows_for(alerts: list[Alert], images_dir: Path) -> list[AlertRow]:
    return [
        AlertRow(
            alert,
            plate_thumbnail(images_dir, alert.read.plate_image_sha256)
            if alert.read.plate_image_sha256
            else None,
            of_read(alert.read.region),
        )
        for alert in alerts
    ]


def render_row(row: AlertRow, zone: str, *, new: bool = False) -> str:
    """The same ``<tr>`` the list page shows, for a row pushed while the page is open."""
    template = TEMPLATES.env.get_template("_alert_row.html")

    def local(value: dt.datetime | None) -> str:
        return local_time(value, zone)

    return template.render(row=row, local=local, new=new)


def zone_abbreviation(zone: str) -> str:
    return dt.datetime.now(ZoneInfo(zone)).strftime("%Z")
