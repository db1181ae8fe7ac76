"""Moments typed by people or written in files, read one way for the whole application."""

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


def parse_moment(text: str) -> datetime | None:
    """An ISO 8601 date or date-time, aware (in the site's time zone when it gives none), or
    None — for a malformed one and for a well-formed but impossible one alike (30 February,
    hour 25, an offset of +25:00, a year the clock cannot convert)."""
    try:
        value = parse_datetime(text)
        if value is None and (day := parse_date(text)):
            value = datetime(day.year, day.month, day.day)
        if value is not None:
            if timezone.is_naive(value):
                value = timezone.make_aware(value, timezone.get_default_timezone())
            value.astimezone(UTC)  # a date at the edge of the calendar overflows here
    except (ValueError, OverflowError):
        return None
    return value
