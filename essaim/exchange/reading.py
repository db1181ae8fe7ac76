"""Reading records out of files, streamed: CSV in any common dialect, JSON, JSON Lines, GeoJSON.

Nothing is read whole into memory, so a 2 GB file costs no more than a small one. Each record
comes with its position in the file (the line of a CSV row or of a JSON Lines record, the
number of a record in a JSON array), which every report quotes.
"""

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import ijson
from django.utils.translation import gettext as _

from essaim.core.spreadsheets import unescaped

# A row of 1 MB or more is read, then rejected by validation with its reason, instead of
# stopping the whole file at the csv module's default limit (128 KB).
csv.field_size_limit(64 * 1024 * 1024)
DELIMITERS = ",;\t|"
BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


class ExchangeError(Exception):
    """What stops an import or a pull, said in words for the person who started it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnreadableFile(ExchangeError):
    """The file as a whole cannot be read: nothing of it is imported."""


@dataclass
class Header:
    """What a CSV file's first line says: its columns, and the delimiter found."""

    columns: list[str]
    delimiter: str


def _encoding_and_bom(raw: BinaryIO, encoding: str | None) -> str:
    start = raw.read(4)
    for bom, name in BOMS:
        if start.startswith(bom):
            raw.seek(len(bom))
            return name
    raw.seek(0)
    return encoding or "utf-8"


class _Text(io.TextIOBase):
    """Decoded lines of a binary file, counting lines and saying where decoding fails."""

    def __init__(self, raw: BinaryIO, encoding: str):
        self.raw, self.encoding_name = raw, encoding
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self.line = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        data = self.raw.readline()
        if not data:
            raise StopIteration
        self.line += 1
        try:
            return self.decoder.decode(data)
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                _(
                    "Line %(line)d is not valid %(encoding)s. Give the file's encoding with "
                    "--encoding (for example cp1252 or latin-1), or save it as UTF-8."
                )
                % {"line": self.line, "encoding": self.encoding_name.upper()}
            ) from error


def _delimiter(header_line: str) -> str:
    """The delimiter the header uses most, outside quotes: comma, semicolon, tab or bar."""
    outside, quoted = [], False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    counts = {delimiter: outside.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def csv_records(
    raw: BinaryIO, encoding: str | None = None, on_header: Callable[[Header], None] | None = None
) -> Iterator[tuple[int, dict]]:
    """(line, {column: value}) for each row. A row with more or fewer values than the header
    comes with (its number of values, the header's) under the key "__width__"."""
    text = _Text(raw, _encoding_and_bom(raw, encoding))
    first = next(text, None)
    if first is None:
        raise UnreadableFile(_("The file is empty."))
    delimiter = _delimiter(first)
    columns = [name.strip() for name in next(csv.reader([first], delimiter=delimiter))]
    if on_header:
        on_header(Header(columns, delimiter))
    reader = csv.reader(text, delimiter=delimiter)
    while True:
        start = text.line + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise UnreadableFile(
                _("Line %(line)d cannot be read as CSV: %(error)s")
                % {"line": start, "error": error}
            ) from error
        if not any(value.strip() for value in values):
            continue  # blank lines, often at the end of spreadsheets' exports
        # Cells written by a spreadsheet-safe export come back as they were.
        record = dict(zip(columns, map(unescaped, values), strict=False))
        if len(values) != len(columns):
            record["__width__"] = (len(values), len(columns))
        yield start, record


def _json_start(raw: BinaryIO) -> bytes:
    position = raw.tell()
    head = raw.read(4096).lstrip()
    raw.seek(position)
    return head[:1]


def json_records(
    raw: BinaryIO, items_at: tuple[str, ...] = ("organisations",), encoding=None, on_header=None
) -> Iterator[tuple[int, dict]]:
    """Records of a JSON array, of an object holding one under one of `items_at` (an Essaim
    export's "organisations", GeoJSON's "features"), or of JSON Lines (one object per line)."""
    _encoding_and_bom(raw, "utf-8")
    start = _json_start(raw)
    if start == b"[":
        yield from _array_items(raw, "item")
        return
    if start != b"{":
        raise UnreadableFile(_("This is not JSON: it should start with [ or {."))
    position = raw.tell()
    first_line = raw.readline()
    second = raw.read(1)
    raw.seek(position)
    if second and _is_object(first_line):
        yield from _json_lines(raw)
        return
    found = False
    try:
        for prefix, event, _value in ijson.parse(raw):
            if event == "start_array" and prefix in items_at:
                found = True
                break
    except ijson.JSONError as error:
        raise UnreadableFile(_("This is not valid JSON: %(error)s") % {"error": error}) from error
    if not found:
        raise UnreadableFile(
            _("No list of records found: expected a list, or an object with %(keys)s.")
            % {"keys": ", ".join(f'"{key}"' for key in items_at)}
        )
    raw.seek(position)
    yield from _array_items(raw, f"{prefix}.item")


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _array_items(raw: BinaryIO, prefix: str) -> Iterator[tuple[int, dict]]:
    number = 0
    try:
        for number, item in enumerate(ijson.items(raw, prefix, use_float=True), start=1):
            yield number, item if isinstance(item, dict) else {"__not_an_object__": item}
    except ijson.JSONError as error:
        raise UnreadableFile(
            _("The JSON breaks off after record %(number)d: %(error)s")
            % {"number": number, "error": error}
        ) from error


def _json_lines(raw: BinaryIO) -> Iterator[tuple[int, dict]]:
    for line_number, line in enumerate(raw, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            item = {"__not_json__": line[:200].decode("utf-8", "replace")}
        yield line_number, item if isinstance(item, dict) else {"__not_an_object__": item}
