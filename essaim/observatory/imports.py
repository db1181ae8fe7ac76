"""Observations from a CSV file, read and checked before anything is written (docs/observatory.md
gives the format): each rejected line comes back with its number, its column and the reason.

Columns: indicator, territory (scheme:code), period (2014, 2014-2016, 2014-06-30, or
start/end), value, and optionally family, state (provisional or final), source, method and
unit (checked against the indicator's)."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from essaim.atlas.models import Family

from .models import Indicator, Observation, Territory

REQUIRED = ("indicator", "territory", "period", "value", "source")
OPTIONAL = ("family", "state", "method", "unit")
MAX_BYTES = 5 * 1024 * 1024
MAX_CELL = 2000
YEAR = re.compile(r"(\d{4})")
YEARS = re.compile(r"(\d{4})-(\d{4})")


@dataclass
class Reject:
    line: int
    column: str
    reason: str


@dataclass
class Row:
    line: int
    indicator: Indicator
    territory: Territory
    family: Family | None
    start: date
    end: date
    value: Decimal
    state: str
    source: str
    method: str
    # The observation it revises (the same indicator, territory, family and period).
    existing: Observation | None = None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    # Set once written.
    created: int = 0
    revised: int = 0
    unchanged: int = 0


def parse_period(text: str) -> tuple[date, date] | None:
    text = text.strip()
    try:
        if YEAR.fullmatch(text):
            return date(int(text), 1, 1), date(int(text), 12, 31)
        if match := YEARS.fullmatch(text):
            first, last = int(match[1]), int(match[2])
            return (date(first, 1, 1), date(last, 12, 31)) if first <= last else None
        if "/" in text:
            start, end = (date.fromisoformat(part) for part in text.split("/", 1))
            return (start, end) if start <= end else None
        day = date.fromisoformat(text)
        return day, day
    except ValueError:
        return None


def parse_value(text: str) -> Decimal | None:
    """A number as people write it: "787", "11 360", "1,5", "248000.00"."""
    cleaned = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end


def read_observations(data: bytes) -> Report:
    """Every row of the file checked; nothing written."""
    report = Report()
    if len(data) > MAX_BYTES:
        report.rejects.append(Reject(0, "", _("The file is larger than 5 MB.")))
        return report
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.rejects.append(Reject(0, "", _("The file is not UTF-8 text.")))
        return report
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if missing:
        report.rejects.append(Reject(1, ", ".join(missing), _("Missing columns: %(columns)s.")
                                     % {"columns": ", ".join(missing)}))  # fmt: skip
        return report
    indicators = {indicator.code: indicator for indicator in Indicator.objects.all()}
    families = {family.code: family for family in Family.objects.all()}
    wanted: dict[str, Territory] = {}
    lines = list(enumerate(reader, start=2))
    keys = {(row.get("territory") or "").strip() for _line, row in lines}
    by_scheme: dict[str, set[str]] = {}
    for key in keys:
        scheme, _colon, code = key.partition(":")
        by_scheme.setdefault(scheme, set()).add(code)
    for scheme, codes in by_scheme.items():
        for territory in Territory.objects.filter(scheme=scheme, code__in=codes):
            wanted[territory.key] = territory
    seen: list[Row] = []
    for line, raw in lines:
        row = _checked(line, raw, indicators, families, wanted, report)
        if row is None:
            continue
        clash = next((other for other in seen if _same_series(row, other)
                      and overlaps(row.start, row.end, other.start, other.end)), None)  # fmt: skip
        if clash:
            report.rejects.append(Reject(line, "period", _(
                "The period overlaps the one at line %(line)s for the same indicator, territory "
                "and family.") % {"line": clash.line}))  # fmt: skip
            continue
        if _against_existing(row, report):
            seen.append(row)
            report.rows.append(row)
    return report


def _same_series(a: Row, b: Row) -> bool:
    return (a.indicator.pk, a.territory.pk, a.family and a.family.pk) == (
        b.indicator.pk, b.territory.pk, b.family and b.family.pk)  # fmt: skip


def _against_existing(row: Row, report: Report) -> bool:
    """A row for an existing period revises it; one that overlaps another period is refused."""
    existing = Observation.objects.filter(
        indicator=row.indicator, territory=row.territory, family=row.family,
        period_start__lte=row.end, period_end__gte=row.start,
    )  # fmt: skip
    for observation in existing:
        if (observation.period_start, observation.period_end) == (row.start, row.end):
            row.existing = observation
            continue
        report.rejects.append(Reject(row.line, "period", _(
            "The period overlaps the observation already recorded for %(period)s.")
            % {"period": observation.period_label}))  # fmt: skip
        return False
    return True


def _checked(line, raw, indicators, families, territories, report) -> Row | None:
    def reject(column: str, reason: str) -> None:
        report.rejects.append(Reject(line, column, reason))

    if None in raw:
        reject("", _("This line has more values than the header has columns."))
        return None
    cells = {name: (raw.get(name) or "").strip() for name in (*REQUIRED, *OPTIONAL)}
    for name, value in cells.items():
        if len(value) > MAX_CELL:
            reject(name, _("At most %(n)s characters.") % {"n": MAX_CELL})
            return None
    for name in REQUIRED:
        if not cells[name]:
            reject(name, _("This column is required."))
            return None
    indicator = indicators.get(cells["indicator"])
    if indicator is None:
        reject("indicator", _("Unknown indicator “%(code)s”.") % {"code": cells["indicator"]})
        return None
    territory = territories.get(cells["territory"])
    if territory is None:
        reject(
            "territory",
            _(
                "Unknown territory code “%(code)s”: write scheme:code, such as "
                "qc-mrc:64 or fr-departement:62."
            )
            % {"code": cells["territory"]},
        )
        return None
    family = None
    if cells["family"]:
        family = families.get(cells["family"])
        if family is None:
            reject("family", _("Unknown family “%(code)s”.") % {"code": cells["family"]})
            return None
    period = parse_period(cells["period"])
    if period is None:
        reject(
            "period",
            _(
                "“%(period)s” is not a period: write 2014, 2014-2016, 2014-06-30 "
                "or 2014-01-01/2014-06-30."
            )
            % {"period": cells["period"]},
        )
        return None
    value = parse_value(cells["value"])
    if value is None:
        reject("value", _("“%(value)s” is not a number.") % {"value": cells["value"]})
        return None
    if value < 0 and indicator.counts:
        reject("value", _("A count cannot be negative."))
        return None
    if indicator.counts and value != value.to_integral_value():
        reject("value", _("A count is a whole number: write 11360 or 11 360, not 11,360."))
        return None
    if abs(value) >= Decimal("1e14"):
        reject("value", _("This number is too large."))
        return None
    if cells["unit"] and cells["unit"] != indicator.unit:
        reject("unit", _("This indicator is counted in %(unit)s, not “%(given)s”.")
               % {"unit": indicator.get_unit_display(), "given": cells["unit"]})  # fmt: skip
        return None
    state = cells["state"] or Observation.State.FINAL
    if state not in Observation.State.values:
        reject("state", _("Write provisional or final."))
        return None
    return Row(line, indicator, territory, family, period[0], period[1],
               value.quantize(Decimal("0.01")), state, cells["source"][:200],
               cells["method"])  # fmt: skip
