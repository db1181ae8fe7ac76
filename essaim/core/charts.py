"""Horizontal bar charts drawn as SVG by `_bar_chart.html` on the server: no script, a title
and a description inside the SVG, each value written at the end of its bar, and the same
numbers in a table beside it (the observatory's figures, a vote's results)."""

from dataclasses import dataclass
from decimal import Decimal

BAR = 20
BAR_GAP = 12
BAR_LABEL = 18
BAR_SCALE = 300
BAR_WIDTH = 400  # narrower than the line charts: its words stay legible on a phone


@dataclass
class BarRow:
    label: str
    y: float
    width: float
    text: str

    @property
    def end(self) -> float:
        return self.width + 6

    @property
    def bar_y(self) -> float:
        return self.y + BAR_LABEL

    @property
    def text_y(self) -> float:
        return self.y + BAR_LABEL + 15


def bar_chart(rows: list[tuple[str, Decimal | int, str]]) -> dict:
    """Horizontal bars of (label, value, the value as written), largest value full width."""
    largest = max((float(value) for _label, value, _text in rows), default=0) or 1
    drawn, y = [], 0
    for label, value, text in rows:
        drawn.append(BarRow(label, y, round(BAR_SCALE * float(value) / largest, 1), text))
        y += BAR_LABEL + BAR + BAR_GAP
    return {"rows": drawn, "width": BAR_WIDTH, "height": max(y, 1), "bar": BAR, "label": BAR_LABEL}
