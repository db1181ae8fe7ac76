"""CSV cells that a spreadsheet program will not run as formulas (CSV injection).

As OWASP describes for exports opened in spreadsheets: a cell that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return (or their full-width forms) gets a leading apostrophe, which
spreadsheets read as "text" and do not show. Numbers and phone numbers (`+33 1 23 45 67 89`,
`-12.5`) cannot call a function or reach another cell, so they are left as they are. The
escape is reversible: a cell that starts with an apostrophe before such a text is escaped too,
and `unescaped` gives the original back, so an export imported again is the same atlas.
"""

import csv
import re
from collections.abc import Iterable

from django.http import HttpResponse

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Digits with the signs, spaces and punctuation of numbers and phone numbers, nothing else.
PLAIN_NUMBER = re.compile(r"[+\-]?[0-9 .,()/\-]*")


def _needs_quote(text: str) -> bool:
    if text.startswith(TRIGGERS):
        return not PLAIN_NUMBER.fullmatch(text)
    return text.startswith("'") and _needs_quote(text[1:])


def safe_cell(value) -> object:
    """The value as a spreadsheet shows it without evaluating it."""
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def unescaped(text: str) -> str:
    """A cell read back from a CSV written with `safe_cell`."""
    if text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text


class SafeWriter:
    """`csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([safe_cell(value) for value in row])


class SafeDictWriter(csv.DictWriter):
    """`csv.DictWriter` whose every value goes through `safe_cell`."""

    def writerow(self, rowdict: dict) -> object:
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})


def csv_download(filename: str) -> HttpResponse:
    """An empty UTF-8 CSV answer that the browser saves as `filename`: write rows into it."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
