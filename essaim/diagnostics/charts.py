"""The geometry of the diagnostic's charts, drawn as SVG by the templates
(diagnostics/_scores_chart.html, _bands_chart.html): each row a label over its bars, on a
400-unit wide box that scales to any screen; patterns tell the series apart as well as
colours, and the figure's table says every number again."""

from dataclasses import dataclass, field

WIDTH = 400
LABEL = 20  # the label line's height
BAR = 16
GAP = 10
SCALE = 330  # a bar of 100 points; the rest holds the number after it


@dataclass
class Bar:
    y: int
    width: float
    text: str
    series: str  # its pattern: "now", "before", or a band's number
    x: float = 0

    @property
    def end(self) -> float:
        """Where the number after the bar starts."""
        return self.x + self.width + 6


@dataclass
class Row:
    label: str
    y: int
    bars: list[Bar] = field(default_factory=list)


def score_rows(result, legend_height: int | None = None) -> dict:
    """One row per dimension: this time's score and, below it, last time's (with a legend
    then)."""
    if legend_height is None:
        legend_height = 24 if result.overall_before is not None else 4
    rows, y = [], legend_height
    for line in result.dimensions:
        row = Row(line.dimension.name, y + 15)
        y += LABEL
        for points, series in ((line.points, "now"), (line.before, "before")):
            if series == "before" and result.overall_before is None:
                continue
            row.bars.append(
                Bar(y, SCALE * (points or 0) / 100, "—" if points is None else str(points), series)
            )
            y += BAR + 2
        rows.append(row)
        y += GAP
    return {
        "rows": rows,
        "height": y,
        "width": WIDTH,
        "with_before": result.overall_before is not None,
    }


def band_rows(dimensions: list[tuple[str, list[int]]], legend_height: int = 46) -> dict:
    """One row per dimension: the share of organisations in each band, end to end."""
    rows, y = [], legend_height
    for label, counts in dimensions:
        row = Row(label, y + 15)
        y += LABEL
        total, x = sum(counts), 0.0
        for number, count in enumerate(counts):
            width = (SCALE + 50) * count / total if total else 0
            row.bars.append(Bar(y, width, str(count), str(number), x))
            x += width
        y += BAR + GAP + 2
        rows.append(row)
    return {"rows": rows, "height": y, "width": WIDTH}
