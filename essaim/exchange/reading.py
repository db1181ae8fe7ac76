"""Reading records out of files, streamed: CSV in any common dialect, JSON, JSON Lines, GeoJSON.

Nothing is read whole into memory, so a 2 GB file costs no more than a small one. Each record
comes with its position in the file (the line of a CSV row or of a JSON Lines record, the
number of a record in a JSON array), which every report quotes.
"""

import codecs
import csv
import json
import re
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


LINE_END = re.compile(r"\r\n|\r|\n")
CHUNK = 1 << 16
MAX_LINE = 64 * 1024 * 1024


class _Text:
    """Decoded lines of a binary file, counting lines and saying where decoding fails.

    Lines end with LF, CRLF or a lone CR (classic Mac OS) and are given untranslated, as the
    csv module wants them. Decoding is incremental over chunks, so UTF-16 in either byte order
    is read like UTF-8, and memory stays bounded: a line longer than MAX_LINE stops the file."""

    def __init__(self, raw: BinaryIO, encoding: str):
        self.raw, self.encoding_name = raw, encoding
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self.text, self.position, self.ended = "", 0, False
        self.line = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        while True:
            found = LINE_END.search(self.text, self.position)
            # A CR at the end of what is decoded may be the first half of a CRLF.
            if found and not (found.group() == "\r" and found.end() == len(self.text)
                              and not self.ended):  # fmt: skip
                break
            if self.ended:
                if self.position >= len(self.text):
                    raise StopIteration
                found = None
                break
            if len(self.text) - self.position > MAX_LINE:
                raise UnreadableFile(
                    _("Line %(line)d is longer than %(size)d MB: this file cannot be read.")
                    % {"line": self.line + 1, "size": MAX_LINE // (1024 * 1024)}
                )
            self._read_more()
        end = found.end() if found else len(self.text)
        line = self.text[self.position : end]
        self.position = end
        self.line += 1
        return line

    def _read_more(self) -> None:
        self.text, self.position = self.text[self.position :], 0
        data = self.raw.read(CHUNK)
        try:
            self.text += self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            # Lines already decoded, and those of the chunk before the bad bytes.
            before = self.text + data[: max(0, error.start)].decode(self.encoding_name, "replace")
            line = self.line + len(LINE_END.findall(before)) + 1
            raise UnreadableFile(
                _(
                    "Line %(line)d is not valid %(encoding)s. Give the file's encoding with "
                    "--encoding (for example cp1252 or latin-1), or save it as UTF-8."
                )
                % {"line": line, "encoding": self.encoding_name.upper()}
            ) from error
        self.ended = not data


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


# A record is an object of plain values, lists of them, and objects one or two levels down
# (texts per language, a GeoJSON feature's properties and geometry): deeper is not a record,
# and is skipped without being built, so that a file of 100,000 nested brackets costs nothing.
MAX_DEPTH = 8
# One record (a JSON object, a JSON Lines line) of more than this stops the file: it is read
# whole before it can be checked, and memory must stay bounded whatever the file holds.
MAX_RECORD_BYTES = 16 * 1024 * 1024
TOO_DEEP = "__too_deep__"


class _Counted:
    """The binary file, counting what the JSON parser reads, to bound one record's size."""

    def __init__(self, raw: BinaryIO):
        self.raw, self.read_bytes, self.record_start = raw, 0, None

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.read_bytes += len(data)
        if self.record_start is not None and (
            self.read_bytes - self.record_start > MAX_RECORD_BYTES + 65536
        ):
            raise UnreadableFile(
                _("A record is larger than %(size)d MB: this file cannot be imported.")
                % {"size": MAX_RECORD_BYTES // (1024 * 1024)}
            )
        return data


def _json_start(raw: BinaryIO) -> bytes:
    position = raw.tell()
    head = raw.read(4096).lstrip()
    raw.seek(position)
    return head[:1]


def json_records(
    raw: BinaryIO, items_at: tuple[str, ...] = ("organisations",), encoding=None, on_header=None
) -> Iterator[tuple[int, dict]]:
    """Records of a JSON array, of an object holding one under one of `items_at` (an Essaim
    export's "organisations", GeoJSON's "features"), or of JSON Lines (one object per line).
    An item that is not an object comes as {"__not_an_object__": value}; one nested deeper
    than MAX_DEPTH as {TOO_DEEP: MAX_DEPTH}."""
    _encoding_and_bom(raw, "utf-8")
    start = _json_start(raw)
    if start not in (b"[", b"{"):
        raise UnreadableFile(_("This is not JSON: it should start with [ or {."))
    position = raw.tell()
    first_line = raw.readline(MAX_RECORD_BYTES)
    second = raw.read(1)
    raw.seek(position)
    if start == b"{" and second and _is_object(first_line):
        yield from _json_lines(raw)
        return
    counted = _Counted(raw)
    events = ijson.basic_parse(counted, use_float=True)
    try:
        if start == b"[" and next(events)[0] == "start_array" or _find_list(events, items_at):
            yield from _array_items(events, counted)
            return
    except ijson.JSONError as error:
        raise UnreadableFile(_("This is not valid JSON: %(error)s") % {"error": error}) from error
    raise UnreadableFile(
        _("No list of records found: expected a list, or an object with %(keys)s.")
        % {"keys": ", ".join(f'"{key}"' for key in items_at)}
    )


def _find_list(events, keys: tuple[str, ...]) -> bool:
    """Move past the start of the list of records under one of `keys` of the top object."""
    event, _value = next(events)  # the top object's start_map
    key = None
    for event, value in events:
        if event == "map_key":
            key = value
        elif event == "end_map":
            return False
        elif event == "start_array" and key in keys:
            return True
        elif event in ("start_map", "start_array"):
            _skip(events)
    return False


def _skip(events) -> None:
    """Read past the rest of an object or list, keeping nothing but its depth."""
    depth = 1
    for event, _value in events:
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                return


def _build(events) -> dict | None:
    """The object whose start_map was just read, or None when it nests deeper than
    MAX_DEPTH (the rest of it is then skipped)."""
    top: dict = {}
    stack: list = [top]
    keys: list = [None]
    for event, value in events:
        if event == "map_key":
            keys[-1] = value
            continue
        if event in ("end_map", "end_array"):
            stack.pop()
            keys.pop()
            if not stack:
                return top
            continue
        if event in ("start_map", "start_array"):
            value = {} if event == "start_map" else []
        container = stack[-1]
        if isinstance(container, dict):
            container[keys[-1]] = value
        else:
            container.append(value)
        if event in ("start_map", "start_array"):
            if len(stack) == MAX_DEPTH:
                for _open in range(len(stack) + 1):  # this container, and those around it
                    _skip(events)
                return None
            stack.append(value)
            keys.append(None)
    raise ijson.IncompleteJSONError("incomplete JSON content")


def _array_items(events, counted: _Counted) -> Iterator[tuple[int, dict]]:
    number = 0
    try:
        for event, value in events:
            if event == "end_array":
                return
            number += 1
            counted.record_start = counted.read_bytes
            if event == "start_map":
                item = _build(events)
                yield number, item if item is not None else {TOO_DEEP: MAX_DEPTH}
            elif event == "start_array":
                _skip(events)
                yield number, {"__not_an_object__": "[…]"}
            else:
                yield number, {"__not_an_object__": value}
            counted.record_start = None
    except ijson.JSONError as error:
        raise UnreadableFile(
            _("The JSON breaks off after record %(number)d: %(error)s")
            % {"number": max(0, number - 1), "error": error}
        ) from error
    raise UnreadableFile(_("The JSON breaks off after record %(number)d.") % {"number": number})


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def _depth(value, limit: int = MAX_DEPTH) -> int:
    """How deep a parsed value nests, counted without recursion up to `limit` + 1."""
    deepest, level = 0, [(value, 0)]
    while level:
        item, depth = level.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            level.extend((child, depth) for child in children)
    return deepest


def _json_lines(raw: BinaryIO) -> Iterator[tuple[int, dict]]:
    line_number = 0
    while line := raw.readline(MAX_RECORD_BYTES + 1):
        line_number += 1
        if len(line) > MAX_RECORD_BYTES:
            while not line.endswith(b"\n") and (line := raw.readline(MAX_RECORD_BYTES)):
                pass  # the rest of the line, read in bounded pieces and dropped
            yield line_number, {"__too_large__": MAX_RECORD_BYTES // (1024 * 1024)}
            continue
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except RecursionError:
            item = {TOO_DEEP: MAX_DEPTH}
        except ValueError:
            item = {"__not_json__": line[:200].decode("utf-8", "replace")}
        if isinstance(item, dict) and _depth(item) > MAX_DEPTH:
            item = {TOO_DEEP: MAX_DEPTH}
        yield line_number, item if isinstance(item, dict) else {"__not_an_object__": _head(item)}


def _head(value) -> str:
    return json.dumps(value, ensure_ascii=False)[:200] if isinstance(value, list | dict) else value
