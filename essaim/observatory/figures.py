"""The observatory's arithmetic, each with the sentence and the formula the page shows: growth
between two observations (in all and per year), values per inhabitant, and a goal's progress
against the straight path from its baseline to its target."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

DAYS_IN_YEAR = Decimal("365.25")
PER_INHABITANTS = 10_000


def years_between(start: date, end: date) -> Decimal:
    """Whole years between two calendar years' figures, else days / 365.25."""
    if (start.month, start.day) == (end.month, end.day):
        return Decimal(end.year - start.year)
    return Decimal((end - start).days) / DAYS_IN_YEAR


def number(value, places: int = 0) -> str:
    """A figure as the visitor's language writes it, thousands grouped and rounded half up
    (Django's formatting would cut 7.98 to 7.9): "11 360", "8,0"."""
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(rounded, decimal_pos=places, use_l10n=True, force_grouping=True)


def signed(value: Decimal, places: int = 1) -> str:
    text = number(abs(value), places)
    return f"+{text}" if value >= 0 else f"−{text}"


@dataclass(frozen=True)
class Growth:
    first: Decimal
    last: Decimal
    years: Decimal
    # Per cent, unrounded: the page rounds them.
    total: Decimal
    yearly: Decimal | None

    days: int = 0

    @property
    def sentence(self) -> str:
        values = {"first": number(self.first), "last": number(self.last),
                  "total": signed(self.total)}  # fmt: skip
        if self.years < 1:
            text = ngettext(
                "from %(first)s to %(last)s, %(total)s %% in %(n)s day",
                "from %(first)s to %(last)s, %(total)s %% in %(n)s days",
                self.days,
            ) % {**values, "n": number(self.days)}
        else:
            whole = self.years == self.years.to_integral()
            text = ngettext(
                "from %(first)s to %(last)s, %(total)s %% in %(years)s year",
                "from %(first)s to %(last)s, %(total)s %% in %(years)s years",
                int(self.years) if whole else 2,
            ) % {**values, "years": number(self.years, 0 if whole else 1)}
        if self.yearly is not None:
            text += _(", %(yearly)s %% a year") % {"yearly": signed(self.yearly)}
        return text

    @property
    def formula(self) -> str:
        parts = [
            _("growth = (%(last)s ÷ %(first)s − 1) × 100 = %(total)s %%")
            % {
                "last": number(self.last),
                "first": number(self.first),
                "total": signed(self.total),
            }  # fmt: skip
        ]
        if self.yearly is not None:
            parts.append(
                _("a year = ((%(last)s ÷ %(first)s)^(1 ÷ %(years)s) − 1) × 100 = %(yearly)s %%")
                % {
                    "last": number(self.last),
                    "first": number(self.first),
                    "years": number(self.years, 2).rstrip("0").rstrip(",.") or "0",
                    "yearly": signed(self.yearly),
                }  # fmt: skip
            )
        return "; ".join(parts)


def growth(first: Decimal, first_on: date, last: Decimal, last_on: date) -> Growth | None:
    """The change from one figure to a later one: none from zero (no ratio) or on one day."""
    years = years_between(first_on, last_on)
    if first <= 0 or years <= 0:
        return None
    ratio = Decimal(last) / Decimal(first)
    yearly = None
    if last > 0 and years >= 1:  # a year's rate from a shorter span would be a guess
        yearly = (Decimal(float(ratio) ** (1 / float(years))) - 1) * 100
    days = (last_on - first_on).days
    return Growth(Decimal(first), Decimal(last), years, (ratio - 1) * 100, yearly, days)


def share(count: int, of: int) -> Decimal:
    """`count` as a percentage of `of` (0 of nothing)."""
    return (Decimal(count * 100) / of) if of else Decimal(0)


def per_inhabitants(value: Decimal, population: int | None) -> Decimal | None:
    """The value per 10,000 inhabitants, when the population is known."""
    if not population:
        return None
    return Decimal(value) * PER_INHABITANTS / population


@dataclass(frozen=True)
class Progress:
    """Where a goal stands on a date: its latest value against the straight path."""

    on: date
    value: Decimal | None
    expected: Decimal
    # How far below (negative) or above the path, in the indicator's unit.
    gap: Decimal | None
    reached: bool

    @property
    def status(self) -> str:
        if self.value is None:
            return "unknown"
        if self.reached:
            return "reached"
        return "on-track" if self.gap >= 0 else "behind"

    @property
    def words(self) -> str:
        if self.value is None:
            return _("No figure yet")
        if self.reached:
            return _("Target reached")
        if self.gap >= 0:
            return _("On track")
        behind = -self.gap
        places = 0 if behind >= 1 else 1  # "behind by 2", not "2.0"; "0.4" below one
        return ngettext("Behind by %(n)s", "Behind by %(n)s", max(int(behind), 1)) % {
            "n": number(behind, places)
        }


def expected_on(goal, on: date) -> Decimal:
    """The straight path: the baseline on its date, the target on the deadline, a straight
    line between (and the target after it)."""
    span = (goal.target_date - goal.baseline_date).days
    if span <= 0 or on >= goal.target_date:
        return Decimal(goal.target_value)
    if on <= goal.baseline_date:
        return Decimal(goal.baseline_value)
    share = Decimal((on - goal.baseline_date).days) / span
    return goal.baseline_value + (goal.target_value - goal.baseline_value) * share


def progress(goal, observations: list) -> Progress:
    """The goal against its latest observation (by the end of its period)."""
    if not observations:
        return Progress(goal.baseline_date, None, Decimal(goal.baseline_value), None, False)
    latest = max(observations, key=lambda item: item.period_end)
    expected = expected_on(goal, latest.period_end)
    rising = goal.target_value >= goal.baseline_value
    gap = latest.value - expected if rising else expected - latest.value
    reached = latest.value >= goal.target_value if rising else latest.value <= goal.target_value
    return Progress(latest.period_end, latest.value, expected, gap, reached)
