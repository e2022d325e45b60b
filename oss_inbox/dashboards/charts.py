"""Geometry for the server-rendered SVG charts; the templates draw it, dashboards.css colours it.

Plain numbers in, coordinates out: no chart library, nothing to load in the browser.
"""

import math
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 420, 210
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 10, 24
X_LABELS = 5
HOUR_LABELS = {0: "12a", 3: "3a", 6: "6a", 9: "9a", 12: "12p", 15: "3p", 18: "6p", 21: "9p"}
WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list = field(default_factory=list)  # {"d": one path for the series, "css", "name"}
    lines: list = field(default_factory=list)  # {"points", "css", "name"}
    y_ticks: list = field(default_factory=list)  # {"y", "label"}
    x_ticks: list = field(default_factory=list)  # {"x", "label"}
    legend: list = field(default_factory=list)  # {"css", "name"}
    plot: dict = field(default_factory=dict)  # left, top, right, bottom of the plotting area


def nice_ceiling(value):
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def whole_ceiling(values):
    """A scale's top for counts: a multiple of 4 (at least 4), so the 5 ticks are whole numbers."""
    return 4 * max(1, math.ceil(max(values, default=0) / 4))


def daily_chart(labels, series, *, ceiling=None, suffix="", label_every=None):
    """A chart over days (or hours): `series` is [(name, values, "bar" | "line", css class)], one
    value per label (None: no value); all series share one vertical scale from 0. Bar series are
    drawn in order over each other, so a part of a whole (answered of all) goes after the whole.
    Every `label_every`-th label is written (by default about X_LABELS of them)."""
    chart = Chart(plot={"left": LEFT, "top": TOP, "right": WIDTH - RIGHT, "bottom": HEIGHT - BOTTOM})
    values = [v for _, numbers, _, _ in series for v in numbers if v is not None]
    top = ceiling or nice_ceiling(max(values, default=0))
    band = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    _y_ticks(chart, top, suffix)
    _x_ticks(chart, labels, band, label_every)
    for name, numbers, kind, css in series:
        chart.legend.append({"css": css, "name": name})
        if kind == "bar":
            chart.bars.append({"d": _bars(numbers, band, top), "css": css, "name": name})
        else:
            chart.lines += [
                {"points": points, "css": css, "name": name} for points in _segments(numbers, band, top)
            ]
    return chart


def _y(value, top):
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _y_ticks(chart, top, suffix):
    for step in range(5):
        value = top * step / 4
        chart.y_ticks.append({"y": round(_y(value, top), 1), "label": f"{value:g}{suffix}"})


def _x_ticks(chart, labels, band, every=None):
    every = every or max(1, math.ceil(len(labels) / X_LABELS))
    for index in range(0, len(labels), every):
        chart.x_ticks.append({"x": round(LEFT + band * (index + 0.5), 1), "label": labels[index]})


def _bars(numbers, band, top):
    """One SVG path drawing every bar of a series: a year of days stays one element."""
    gap = min(2.0, band * 0.2)
    width, bottom = max(band - gap, 0.5), HEIGHT - BOTTOM
    bars = []
    for index, value in enumerate(numbers):
        if value:
            x = LEFT + band * index + gap / 2
            bars.append(f"M{x:.1f},{bottom}V{_y(value, top):.1f}h{width:.1f}V{bottom}Z")
    return "".join(bars)


def _segments(numbers, band, top):
    """Polyline point lists, broken where a value is missing."""
    segments, current = [], []
    for index, value in enumerate(numbers):
        if value is None:
            segments, current = segments + ([current] if current else []), []
            continue
        current.append(f"{LEFT + band * (index + 0.5):.1f},{_y(value, top):.1f}")
    segments += [current] if current else []
    return [" ".join(points) for points in segments]


def hour_label(hour):
    """ "12a", "2a", "3p": the hours of the day on a chart's axis."""
    return f"{hour % 12 or 12}{'a' if hour < 12 else 'p'}"


CELL_W, CELL_H, HEAT_LEFT, HEAT_TOP = 26, 24, 40, 8


def heatmap(grid, spans):
    """Cells for a 7 x 24 grid of counts (Monday first) and outlines for coverage `spans`
    [(weekday, start hour, end hour)]; a cell's shade is its share of the busiest cell. The
    168 cells come as ready SVG (a template loop over them costs more than the whole page's SQL)."""
    busiest = max((value for row in grid for value in row), default=0)
    cells = []
    for day, row in enumerate(grid):
        for hour, value in enumerate(row):
            x, y = HEAT_LEFT + hour * CELL_W, HEAT_TOP + day * CELL_H
            shade = f"{0.08 + 0.92 * value / busiest:.3f}" if value else "0"
            cells.append(
                f'<rect class="heat-bg" x="{x}" y="{y}" width="{CELL_W}" height="{CELL_H}"/>'
                f'<rect class="heat-cell" x="{x}" y="{y}" width="{CELL_W}" height="{CELL_H}" '
                f'fill-opacity="{shade}">'
                f"<title>{WEEKDAY_ABBR[day]} {hour:02d}:00: {int(value)} messages</title></rect>"
            )
    windows = [
        {
            "x": round(HEAT_LEFT + start * CELL_W, 1),
            "y": HEAT_TOP + day * CELL_H,
            "w": round((end - start) * CELL_W, 1),
            "h": CELL_H,
        }
        for day, start, end in spans
    ]
    return {
        "width": HEAT_LEFT + 24 * CELL_W + 4,
        "height": HEAT_TOP + 7 * CELL_H + 22,
        "cells_svg": mark_safe("".join(cells)),  # noqa: S308 - numbers and fixed words only
        "windows": windows,
        "cell_w": CELL_W,
        "cell_h": CELL_H,
        "rows": [{"y": HEAT_TOP + day * CELL_H + CELL_H / 2, "label": WEEKDAY_ABBR[day]} for day in range(7)],
        "hours": [{"x": HEAT_LEFT + hour * CELL_W, "label": label} for hour, label in HOUR_LABELS.items()],
        "axis_y": HEAT_TOP + 7 * CELL_H + 15,
        "label_x": HEAT_LEFT - 6,
    }
