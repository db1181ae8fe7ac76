"""The geometry of the observatory's charts, drawn as SVG by the templates (_line_chart.html,
_bar_chart.html) on the server: no script, a title and a description inside the SVG, each
series with its own dash and mark as well as its colour, every value written next to its
point or bar, and the same numbers in the figure's table.

Hand-made rather than Vega-Lite's offline renderer (vl-convert-python): measured here, its
package is 84 MB, its first chart takes 0.49 s and each next one 13 ms, for a 7 kB SVG whose
texts are drawn as paths; these templates take well under a millisecond (bench/observatory.py)
and write real text a screen reader and a search can read."""

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from essaim.atlas.models import MARKS

from .figures import number

WIDTH = 480
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 60, 24, 26, 34
# Values are written next to their points while they have room.
LABELLED_POINTS = 10
# Dashes for the series after the first (solid): told apart without colour.
DASHES = ("", "8 4", "2 4", "12 4 2 4", "4 4")
COLOURS = ("#1f5f8b", "#a3461a", "#2d6a2d", "#6b3fa0", "#5c5c5c")


def nice_ceiling(value: float) -> tuple[float, float]:
    """(top of the axis, step between its 4 or 5 ticks) for values up to `value`."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(value / step), step


def axis_number(value: float, step: float) -> str:
    """An axis's figure, short enough for its margin: 12 M, 250 k, 787, 0.25."""
    if value == 0:
        return "0"
    if step >= 1_000_000:
        return f"{number(value / 1_000_000, 0 if step % 1_000_000 == 0 else 1)} M"
    if step >= 10_000:
        return f"{number(value / 1_000, 0)} k"
    return number(value, 0 if step >= 1 else 2)


def by_magnitude(series: list[tuple], largest=lambda item: item[1]) -> list[list]:
    """Series grouped so that each chart's smallest is within 20 times its largest: Les
    Moulins' 787 jobs are not drawn flat under the EU's 11.5 million."""
    groups: list[list] = []
    for item in sorted(series, key=lambda item: -largest(item)):
        if groups and largest(item) * 20 >= largest(groups[-1][0]):
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


@dataclass
class Point:
    x: float
    y: float
    text: str
    mark: str  # an SVG path in a 10×10 box, centred on the point

    @property
    def corner(self) -> str:
        return f"{self.x - 5:.1f} {self.y - 5:.1f}"

    @property
    def label_y(self) -> float:
        return round(self.y - 10, 1)

    @property
    def anchor(self) -> str:
        """Where its value's text hangs, so that none runs off the chart's edges."""
        if self.x > WIDTH - RIGHT - 40:
            return "end"
        return "start" if self.x < LEFT + 30 else "middle"


@dataclass
class Series:
    label: str
    path: str
    dash: str
    colour: str
    mark: str
    points: list[Point] = field(default_factory=list)


@dataclass
class Tick:
    at: float
    text: str


def line_chart(
    series: list[tuple[str, list[tuple[date, Decimal]]]], places: int = 0, year_end: bool = False
) -> dict:
    """Series of (label, [(date, value)]) on one time axis from zero; each year's tick at its
    first day, or its last (`year_end`, for figures placed at the end of their period)."""
    every = [(day, float(value)) for _label, points in series for day, value in points]
    if not every:
        return {"series": [], "width": WIDTH, "height": HEIGHT}
    first = min(day for day, _value in every).toordinal()
    last = max(day for day, _value in every).toordinal()
    top, step = nice_ceiling(max(value for _day, value in every))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(day: date) -> float:
        if last == first:
            return LEFT + inner_w / 2
        return round(LEFT + inner_w * (day.toordinal() - first) / (last - first), 1)

    def y_of(value: float) -> float:
        return round(TOP + inner_h * (1 - value / top), 1)

    drawn = []
    for n, (label, points) in enumerate(series):
        points = sorted(points)
        line = Series(label, "", DASHES[n % len(DASHES)], COLOURS[n % len(COLOURS)],
                      MARKS[n % len(MARKS)])  # fmt: skip
        for day, value in points:
            line.points.append(Point(x_of(day), y_of(float(value)), number(value, places),
                                     line.mark))  # fmt: skip
        line.path = "M" + "L".join(f"{point.x},{point.y}" for point in line.points)
        drawn.append(line)
    years = sorted({day.year for day, _value in every})
    shown = years if len(years) <= 8 else years[:: math.ceil(len(years) / 8)]
    month, day = (12, 31) if year_end else (1, 1)
    x_ticks = [Tick(x_of(date(year, month, day)), str(year)) for year in shown]
    x_ticks = [tick for tick in x_ticks if LEFT - 1 <= tick.at <= WIDTH - RIGHT + 1]
    if not x_ticks:
        x_ticks = [Tick(x_of(min(day for day, _v in every)), str(years[0]))]
    y_ticks = [Tick(y_of(step * k), axis_number(step * k, step))
               for k in range(int(round(top / step)) + 1)]  # fmt: skip
    return {
        "series": drawn,
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "top": TOP,
        "legend": len(drawn) > 1,
        "labelled": len(drawn) <= 2 and all(len(line.points) <= LABELLED_POINTS for line in drawn),
    }
