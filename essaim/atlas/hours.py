"""Opening hours in OpenStreetMap's `opening_hours` syntax, checked by its reference parser and
told in words: the next seven days, and whether the place is open now.

Times are the site's (settings.TIME_ZONE): the parser is given naive local times, so what it
says ("closes at 17:00") reads as the hours were written.
"""

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import opening_hours
from django.conf import settings
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

logger = logging.getLogger(__name__)

PARSE_ERRORS = (SyntaxError, ValueError, opening_hours.ParserError)
# How far ahead "opens on…" looks: a place closed for longer is just "Closed".
HORIZON = timedelta(days=366)
OPEN, CLOSED = opening_hours.State.OPEN, opening_hours.State.CLOSED


def opening_hours_error(text: str) -> str | None:
    """Why `text` is not valid OSM opening hours ("Mo-Fr 09:00-17:00; PH off"), or None."""
    if not text:
        return None
    try:
        opening_hours.OpeningHours(text)
    except PARSE_ERRORS:
        return _(
            "Not in OpenStreetMap's opening_hours syntax, which reads like "
            "Mo-Fr 09:00-12:30,14:00-17:00; Sa 10:00-12:00; PH off"
        )
    return None


@dataclass(frozen=True)
class Day:
    """One day of the table: its name and what happens that day, in words."""

    name: str
    date: date
    # "09:00–12:00", "14:00–17:00"; none: closed all day.
    spans: list[str]
    # The hours' own notes for that day ("sur rendez-vous"), as written.
    comments: list[str] = field(default_factory=list)
    today: bool = False
    # Public-holiday rules (PH) change this day.
    holiday: bool = False

    @property
    def text(self) -> str:
        return ", ".join(self.spans) if self.spans else _("closed")


@dataclass(frozen=True)
class Hours:
    """Opening hours as a visitor reads them. `readable` is False when the text could not be
    understood: then only `text`, as written, is worth showing."""

    text: str
    readable: bool
    days: list[Day] = field(default_factory=list)
    # "open", "closed" or "unknown"; with `status` ("Open now") and `detail` ("closes at 17:00").
    state: str = ""
    status: str = ""
    detail: str = ""
    comment: str = ""
    # The hours' notes that hold for every day they are written for: said once.
    notes: list[str] = field(default_factory=list)


def local_now() -> datetime:
    """Now, in the site's time zone (the page asks here, so that tests can fix the moment)."""
    return timezone.localtime(timezone.now(), ZoneInfo(settings.TIME_ZONE))


def describe_hours(text: str, now: datetime, country: str = "") -> Hours | None:
    """`text` (OSM opening hours) in words, at `now` (aware), for a place in `country` (its
    ISO code, for public holidays). None when there is no text."""
    text = (text or "").strip()
    if not text:
        return None
    local = timezone.localtime(now, ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)
    try:
        parsed = _parse(text, country)
        plain = _parse(text, "") if country and "PH" in text else parsed
        days = _week(parsed, plain, local)
        state, status, detail, comment = _now(parsed, local)
    except PARSE_ERRORS:
        return Hours(text, readable=False)
    except Exception:  # The parser is native code: whatever it raises, the page still shows.
        logger.exception("Opening hours could not be evaluated: %r", text)
        return Hours(text, readable=False)
    notes = _shared_comments(days)
    days = [replace(day, comments=[c for c in day.comments if c not in notes]) for day in days]
    comment = "" if comment in notes else comment
    return Hours(text, True, days, state, status, detail, comment, notes)


def _shared_comments(days: list[Day]) -> list[str]:
    """The comments written on more than one day and on every day that has one."""
    noted = [day.comments for day in days if day.comments]
    if len(noted) < 2:
        return []
    return [comment for comment in noted[0] if all(comment in other for other in noted)]


def _parse(text: str, country: str) -> opening_hours.OpeningHours:
    if country:
        try:
            return opening_hours.OpeningHours(text, country=country)
        except opening_hours.UnknownCountryError:
            pass
    return opening_hours.OpeningHours(text)


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def _day_spans(intervals: list[tuple], start: datetime) -> tuple[list[str], list[str]]:
    """(spans, comments) of the day that begins at `start`. A span that goes past midnight
    belongs to the day it begins on."""
    end = start + timedelta(days=1)
    spans, comments = [], []
    for begin, finish, state, comment in intervals:
        if finish <= start or begin >= end:
            continue
        if comment and comment not in comments:
            comments.append(comment)
        if state == CLOSED:
            continue
        if begin <= start and finish >= end:
            spans.append(_("open 24 hours") if state == OPEN else _("not known"))
            continue
        if begin < start:
            continue  # Shown on the day before, where it begins.
        closing = "24:00" if finish == end else _clock(finish)
        span = f"{_clock(max(begin, start))}–{closing}"
        spans.append(span if state == OPEN else _("%(span)s (not certain)") % {"span": span})
    return spans, comments


def _intervals(parsed: opening_hours.OpeningHours, start: datetime, end: datetime) -> list:
    return list(parsed.intervals(start, end))


def _week(parsed, plain, now: datetime) -> list[Day]:
    """Monday to Sunday, each the next one from today (today included)."""
    today = datetime.combine(now.date(), time())
    # From yesterday, so that a span from last night is seen where it begins, to the day after
    # the last, so that one going past the last midnight is seen where it ends.
    window = (today - timedelta(days=1), today + timedelta(days=8))
    intervals = _intervals(parsed, *window)
    without_holidays = intervals if plain is parsed else _intervals(plain, *window)
    days = []
    for offset in range(7):
        start = today + timedelta(days=offset)
        spans, comments = _day_spans(intervals, start)
        holiday = plain is not parsed and _day_spans(without_holidays, start) != (spans, comments)
        days.append(
            Day(str(WEEKDAYS[start.weekday()]), start.date(), spans, comments, offset == 0, holiday)
        )
    return sorted(days, key=lambda day: day.date.weekday())


# "opens Tuesday at 09:00": a day's name as it reads inside a sentence ("martedì", not
# "Martedì"), Monday first.
SENTENCE_WEEKDAYS = (
    pgettext_lazy("weekday in a sentence", "Monday"),
    pgettext_lazy("weekday in a sentence", "Tuesday"),
    pgettext_lazy("weekday in a sentence", "Wednesday"),
    pgettext_lazy("weekday in a sentence", "Thursday"),
    pgettext_lazy("weekday in a sentence", "Friday"),
    pgettext_lazy("weekday in a sentence", "Saturday"),
    pgettext_lazy("weekday in a sentence", "Sunday"),
)


def _when(verb: str, moment: datetime, now: datetime) -> str:
    """ "closes at 17:00", "opens tomorrow at 09:00", "opens Tuesday at 09:00", "opens on
    1 September at 09:00"."""
    if verb == "closes" and moment.time() == time() and moment > now:
        # Closing at midnight is closing at 24:00 of the day before.
        day, clock = (moment - timedelta(days=1)).date(), "24:00"
    else:
        day, clock = moment.date(), _clock(moment)
    ahead = (day - now.date()).days
    values = {"time": clock}
    if ahead <= 0:
        return (_("closes at %(time)s") if verb == "closes" else _("opens at %(time)s")) % values
    if ahead == 1:
        phrase = (
            _("closes tomorrow at %(time)s")
            if verb == "closes"
            else _("opens tomorrow at %(time)s")
        )
        return phrase % values
    if ahead < 7:
        values["day"] = str(SENTENCE_WEEKDAYS[day.weekday()])
        phrase = (
            _("closes %(day)s at %(time)s") if verb == "closes" else _("opens %(day)s at %(time)s")
        )
        return phrase % values
    values["date"] = date_format(day, "MONTH_DAY_FORMAT")
    phrase = (
        _("closes on %(date)s at %(time)s")
        if verb == "closes"
        else _("opens on %(date)s at %(time)s")
    )
    return phrase % values


def _now(parsed, now: datetime) -> tuple[str, str, str, str]:
    """(state, status, detail, comment) at `now`."""
    state, comment = parsed.state(now)
    ahead = parsed.intervals(now, now + HORIZON)
    if state == OPEN:
        closing = next((begin for begin, _end, later, _c in ahead if later != OPEN), None)
        detail = _when("closes", closing, now) if closing else _("open day and night, every day")
        return "open", _("Open now"), detail, comment
    if state == CLOSED:
        opening = next((begin for begin, _end, later, _c in ahead if later == OPEN), None)
        return "closed", _("Closed"), _when("opens", opening, now) if opening else "", comment
    return "unknown", _("Not known whether it is open now"), "", comment


# Hours entered as days and times, as the forms ask for them ------------------------------------

# The days a row of the form covers, by their OSM spelling, in the order the list shows them.
DAY_CHOICES = (
    ("Mo-Fr", pgettext_lazy("days", "Monday to Friday")),
    ("Mo-Sa", pgettext_lazy("days", "Monday to Saturday")),
    ("Mo-Su", pgettext_lazy("days", "Every day")),
    ("Sa,Su", pgettext_lazy("days", "Saturday and Sunday")),
    ("Mo", pgettext_lazy("days", "Monday")),
    ("Tu", pgettext_lazy("days", "Tuesday")),
    ("We", pgettext_lazy("days", "Wednesday")),
    ("Th", pgettext_lazy("days", "Thursday")),
    ("Fr", pgettext_lazy("days", "Friday")),
    ("Sa", pgettext_lazy("days", "Saturday")),
    ("Su", pgettext_lazy("days", "Sunday")),
)
_WEEK = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
# The days of the week each choice covers, Monday 0.
_DAYS = {
    "Mo-Fr": frozenset(range(5)),
    "Mo-Sa": frozenset(range(6)),
    "Mo-Su": frozenset(range(7)),
    "Sa,Su": frozenset({5, 6}),
    **{day: frozenset({number}) for number, day in enumerate(_WEEK)},
}
_SPANS = r"\d\d:\d\d-\d\d:\d\d(?:,\d\d:\d\d-\d\d:\d\d)*"
_ROW = re.compile(rf"^(\S+) ({_SPANS})$")
# Between rules: "; " (a later rule replaces the days it names) or ", " (it adds to them).
_RULES = re.compile(r"; |, (?=[A-Z])")


def hours_from_rows(rows: list[tuple[str, time, time]]) -> str:
    """OSM opening hours from (days, opens, closes) rows: rows of the same days join into one
    rule ("Mo-Fr 09:00-12:00,14:00-17:00; Sa 10:00-12:00"), in the order first given. Rules
    whose days overlap add to each other (", "): Monday to Friday mornings and Tuesday
    afternoon keep Tuesday morning. A row that closes before it opens ends the next day."""
    spans: dict[str, list[str]] = {}
    for days, opens, closes in rows:
        spans.setdefault(days, []).append(f"{opens:%H:%M}-{closes:%H:%M}")
    covered = [_DAYS[days] for days in spans]
    disjoint = sum(map(len, covered)) == len(frozenset().union(*covered))
    return ("; " if disjoint else ", ").join(
        f"{days} {','.join(times)}" for days, times in spans.items()
    )


def rows_from_hours(text: str) -> list[tuple[str, time, time]] | None:
    """The rows `hours_from_rows` would turn into `text`, or None when the hours say more than
    days and times can (holidays, weeks, comments…)."""
    rows = []
    for rule in filter(None, (part.strip() for part in _RULES.split(text))):
        match = _ROW.match(rule)
        if not match or match[1] not in _DAYS:
            return None
        for span in match[2].split(","):
            try:
                opens, closes = (time.fromisoformat(clock) for clock in span.split("-"))
            except ValueError:  # 24:00, which a time of day cannot hold
                return None
            rows.append((match[1], opens, closes))
    return rows
