"""Charts drawn with Matplotlib (no window system: its Figure is used directly, never pyplot).

Pages get SVG (as a data: URL in an <img>, which the Content-Security-Policy allows); the PDF report
gets PNG. Every chart is shown with its figures in a table too, for screen readers and for print.
"""

from __future__ import annotations

import base64
import io

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from plateguard.audits.statistics import Series

PALETTE = ("#0b4f8a", "#d97706", "#1a7f37", "#b42318", "#6e40c9", "#0a7480", "#8c959f", "#bf3989")
MAX_LABEL = 24


def draw(series: Series, *, width: float = 6.0, height: float = 3.4) -> Figure:
    """A bar chart: stacked when it has several series, horizontal when its labels are long."""
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    labels = [label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…" for label in series.labels]
    horizontal = max((len(label) for label in labels), default=0) > 12 and len(series.values) == 1
    positions = list(range(len(labels)))
    base = [0.0] * len(labels)
    width = 0.8 if series.stacked else 0.8 / max(1, len(series.values))
    for index, (name, values) in enumerate(series.values.items()):
        color = PALETTE[index % len(PALETTE)]
        shift = 0.0 if series.stacked else (index - (len(series.values) - 1) / 2) * width
        where = [p + shift for p in positions]
        if horizontal:
            axes.barh(where, values, height=width, left=base, color=color, label=name)
        else:
            axes.bar(where, values, width=width, bottom=base, color=color, label=name)
        if series.stacked:
            base = [b + v for b, v in zip(base, values, strict=True)]
    if horizontal:
        axes.set_yticks(positions, labels, fontsize=10)
        axes.invert_yaxis()
        axes.set_xlabel(series.unit)
    else:
        turned = len(labels) > 4 or max((len(label) for label in labels), default=0) > 14
        axes.set_xticks(
            positions, labels, fontsize=10, rotation=30 if turned else 0, ha="right" if turned else "center"
        )
        axes.set_ylabel(series.unit)
    if series.unit != "%":
        (axes.xaxis if horizontal else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    if len(series.values) > 1:
        axes.legend(fontsize=9, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
    if series.empty:
        axes.set_axis_off()
        axes.text(0.5, 0.5, "nothing in this period", ha="center", va="center", transform=axes.transAxes)
    return figure


def svg_data_url(series: Series) -> str:
    buffer = io.BytesIO()
    draw(series).savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def png(series: Series, *, dpi: int = 150) -> bytes:
    buffer = io.BytesIO()
    draw(series).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
