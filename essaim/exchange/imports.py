"""Importing a source: records read from a file, mapped to the atlas' facts, validated, applied.

The pipeline, for each record: the source's mapping renames its columns and fills defaults,
the format turns it into Essaim's fields (`to_fields`), the mapping translates its values into
taxonomy codes, then `clean` checks every value with the rules of the suggestion form. Valid
records reach the atlas through `atlas.actions.do_import_batch`, a batch at a time, inside one
transaction for the whole file: by default a single rejected record writes nothing at all
(atomic); with `partial`, the valid ones are kept. Each rejected record is reported with its
line, field and reason. A dry run does everything, then rolls it back.
"""

import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.atlas import actions
from essaim.atlas.indexing import indexing_new_entries
from essaim.atlas.kinds import short
from essaim.atlas.models import Organisation
from essaim.atlas.schema import FACTS
from essaim.contributions.jobs import look_for_duplicates_since
from essaim.core import parallel
from essaim.core.jobs import enqueue
from essaim.core.memory import rare_collections
from essaim.core.spreadsheets import SafeWriter
from essaim.core.text import control_character_error

from . import actions as exchange_actions
from . import datainclusion, lmn
from .cleaning import (
    IDENTIFIER_COLUMNS,
    TEXTS,
    Cleaner,
    costs_only_itself,
    record_json,
    set_aside,
)
from .models import Source
from .reading import (
    TOO_DEEP,
    ExchangeError,
    Header,
    UnreadableFile,
    csv_records,
    json_records,
)

BATCH = 2000
SHOWN_REJECTIONS = 200
MAX_ID_SHOWN = 300
SOURCE_ID_LENGTH = Organisation._meta.get_field("source_id").max_length

logger = logging.getLogger(__name__)


# Up to this many entries created or changed, an import's report lists their possible
# duplicates; beyond, a worker looks for them after the import.
DUPLICATES_FOUND_AT_ONCE = 20_000


class ImportError_(ExchangeError):
    """The file cannot be imported at all (unreadable, a column missing): nothing is written."""


class _Rollback(Exception):
    pass


@dataclass
class Rejection:
    line: int
    source_id: str
    field: str
    reason: str
    record: dict


@dataclass
class Warning_:
    """A value left out of a record that was kept: its line, id, field, value and reason."""

    line: int
    source_id: str
    field: str
    value: str
    reason: str


@dataclass
class Tally:
    """What an import or a pull did to the atlas, counted as `do_import_batch` reports it."""

    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, counts: dict[str, int]) -> None:
        self.created += counts["created"]
        self.updated += counts["updated"]
        self.unchanged += counts["unchanged"]


@dataclass
class Report(Tally):
    missing: int = 0
    read: int = 0
    # The first rejections, to show; every one is in `rejects` (a temporary CSV file), so that
    # a file of millions of bad rows costs no memory.
    rejections: list[Rejection] = field(default_factory=list)
    rejected: int = 0
    rejects: "tempfile.TemporaryFile | None" = field(default=None, repr=False)
    warnings: list[str] = field(default_factory=list)
    # The first values left out of kept records, to show, and how many records had one.
    set_aside: list[Warning_] = field(default_factory=list)
    warned: int = 0
    # Pairs of possible duplicates the import's entries are newly in (see atlas/duplicates.py).
    duplicates: int = 0
    # Whether a worker looks for them after the import instead (a large one).
    duplicates_later: bool = False
    dry_run: bool = False
    # Id at the source -> line, for every record that had one (valid or not).
    seen: dict[str, int] = field(default_factory=dict, repr=False)
    # False when rejections (without `partial`) or a dry run rolled everything back.
    applied: bool = False

    def reject(self, rejection: Rejection) -> None:
        if self.rejects is None:
            # Closed by write_rejects, or on failure by run_import.
            self.rejects = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
            self._writer = SafeWriter(self.rejects)
            self._writer.writerow(["line", "id", "field", "reason", "record"])
        if not self.rejections or self.rejections[-1].line != rejection.line:
            self.rejected += 1
        record = record_json(rejection.record)
        if len(self.rejections) < SHOWN_REJECTIONS:
            # Shown without their record (it is in the file): 200 records of 5 MB would
            # otherwise stay in memory for the whole import.
            short_id = short(rejection.source_id)
            self.rejections.append(replace(rejection, record={}, source_id=short_id))
        self._writer.writerow([rejection.line, short(rejection.source_id, MAX_ID_SHOWN),
                               rejection.field, rejection.reason, record])  # fmt: skip

    def warn(self, line: int, source_id: str, refused: list[tuple[str, str]],
             fields: dict) -> None:  # fmt: skip
        self.warned += 1
        for name, reason in refused:
            if len(self.set_aside) < SHOWN_REJECTIONS:
                value = short(fields.get(name.replace("geometry", "__geometry__"), ""))
                self.set_aside.append(Warning_(line, short(source_id), name, value, reason))

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "missing": self.missing,
            "warned": self.warned,
        }


@dataclass
class Mapping:
    """How a source's records become Essaim's: saved on the source, reused by its next import.

    `columns` renames the source's columns (or JSON keys) to Essaim's field names; `values`
    translates, per field, the source's words into taxonomy codes ("Association loi 1901" →
    "association"); `defaults` fills a field the source does not give (its country, often)."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict) -> "Mapping":
        unknown = set(data) - {"columns", "values", "defaults"}
        if unknown:
            raise ImportError_(
                _("Unknown key in the mapping: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}
            )
        return cls(
            columns=dict(data.get("columns", {})),
            values={name: dict(table) for name, table in data.get("values", {}).items()},
            defaults=dict(data.get("defaults", {})),
        )

    def to_json(self) -> dict:
        return {"columns": self.columns, "values": self.values, "defaults": self.defaults}

    def rename(self, record: dict) -> dict:
        if not self.columns:
            return record
        renamed = ((self.columns.get(key, key), value) for key, value in record.items())
        return {name: value for name, value in renamed if name != ""}  # "": left out

    def translate(self, fields: dict) -> dict:
        for name, default in self.defaults.items():
            if fields.get(name) in (None, "", []):
                fields[name] = default
        for name, table in self.values.items():
            value = fields.get(name)
            if isinstance(value, str) and is_list_field(name):
                value = FACTS[name].parse(value)  # "Scuola|Formazione": each word its code
            if isinstance(value, list):
                fields[name] = [table.get(item, item) for item in value]
            elif isinstance(value, str):
                fields[name] = table.get(value, value)
        return fields


def is_list_field(name: str) -> bool:
    """Whether a field holds a list of codes, written "a|b" in a file's cell."""
    return name in FACTS and isinstance(FACTS[name].empty, list)


# Essaim's own shape (its CSV, JSON and GeoJSON exports) ----------------------------------------


def essaim_fields(record: dict) -> dict:
    """Essaim's fields from a record shaped like its exports: CSV columns (texts one column
    per language, lists joined with |, one column per identifier scheme) or JSON (texts and
    identifiers as objects). The record's `id` is its id at the source, its `url` its page
    there, its `updated_at` the last update there."""
    if record.get("type") == "Feature":
        record = _feature_properties(record)
    fields = {}
    for key, value in record.items():
        if key in TEXTS and isinstance(value, dict):
            for code, text in value.items():
                fields[f"{key}_{code}"] = text
        elif key == "identifiers" and isinstance(value, dict):
            for scheme, text in value.items():
                fields[IDENTIFIER_COLUMNS.get(scheme, f"identifier_{scheme}")] = text
        elif key in IDENTIFIER_COLUMNS:
            fields[IDENTIFIER_COLUMNS[key]] = value
        elif key == "mediation" and isinstance(value, str):
            fields[key] = _json_object(value)
        elif key == "url":
            fields["source_url"] = value  # its page there is our source's page of it
        elif key == "updated_at":
            fields["source_updated_at"] = value
        elif key in ("source_url", "source_updated_at"):
            fields.setdefault(key, value)
        elif key in ("source", "source_id", "status", "created_at", "licence", "quality",
                     "confirmed_at"):  # fmt: skip
            continue  # the original's own provenance and state: the import sets them
        else:
            fields[key] = value
    return fields


def _json_object(text: str):
    """A CSV cell holding a JSON object ("" for none); what is not JSON stays text, refused
    by validation with its reason."""
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def _feature_properties(feature: dict) -> dict:
    record = dict(feature.get("properties") or {})
    record.setdefault("id", feature.get("id"))
    geometry = feature.get("geometry")
    if geometry:
        coordinates = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        if not (isinstance(coordinates, list) and len(coordinates) >= 2):
            record["__geometry__"] = geometry.get("type")
        else:
            record["longitude"], record["latitude"] = coordinates[0], coordinates[1]
    return record


# The import itself -------------------------------------------------------------------------


@dataclass
class ImportFormat:
    """How a format's records are read and turned into Essaim's fields."""

    read: Callable[..., Iterator[tuple[int, dict]]]
    to_fields: Callable[[dict], dict]
    # The columns a CSV file must have (after the mapping's renaming) to be read at all.
    required_columns: tuple[str, ...] = ("id", "name")
    # The columns it reads; others are reported as not read.
    known_columns: frozenset[str] = frozenset()


def _formats() -> dict[str, ImportFormat]:
    return {
        "csv": ImportFormat(csv_records, essaim_fields, known_columns=KNOWN_COLUMNS),
        "json": ImportFormat(json_records, essaim_fields),
        "geojson": ImportFormat(
            lambda raw, encoding=None, on_header=None: json_records(raw, ("features",)),
            essaim_fields,
        ),
        "data-inclusion": ImportFormat(
            datainclusion.read_structures,
            datainclusion.to_fields,
            datainclusion.REQUIRED_COLUMNS,
            datainclusion.COLUMNS,
        ),
        "lmn": ImportFormat(lmn.read, lmn.to_fields, lmn.REQUIRED_COLUMNS, lmn.COLUMNS),
    }


IMPORT_FORMATS = ("csv", "json", "geojson", "data-inclusion", "lmn")


def _check_header(header: Header, mapping: Mapping, fmt: ImportFormat, report: Report):
    for number, column in enumerate(header.columns, start=1):
        if reason := control_character_error(column):
            raise ImportError_(
                _("Column %(number)d of the header (%(column)s): %(reason)s")
                % {"number": number, "column": short(column.encode("unicode_escape")
                                                       .decode("ascii")), "reason": reason}
            )  # fmt: skip
    renamed = [mapping.columns.get(column, column) for column in header.columns]
    missing = [name for name in fmt.required_columns if name not in renamed]
    if missing:
        raise ImportError_(
            _(
                "Missing column: %(columns)s. The file's columns are: %(found)s. Rename them "
                "with a mapping (--mapping), as docs/imports.md shows."
            )
            % {"columns": ", ".join(missing), "found": ", ".join(header.columns)}
        )
    duplicates = sorted({column for column in header.columns if header.columns.count(column) > 1})
    if duplicates:
        raise ImportError_(
            _("Two columns have the same name: %(columns)s.") % {"columns": ", ".join(duplicates)}
        )
    report.warnings += [
        _("Column %(column)s is not read (no Essaim field of that name).") % {"column": column}
        for column in header.columns
        if mapping.columns.get(column, column) not in fmt.known_columns
        and mapping.columns.get(column) != ""  # left out on purpose
    ]


# Every fact (see atlas/schema.py), the record's own fields, and what exports add.
KNOWN_COLUMNS = frozenset({
    *FACTS, *IDENTIFIER_COLUMNS, "id", "url", "source", "source_id", "source_url",
    "source_updated_at", "status", "created_at", "updated_at", "licence", "quality",
    "confirmed_at",
})  # fmt: skip


def _record_id(fields: dict) -> str:
    value = fields.get("id")
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def records_to_facts(
    records: Iterable[tuple[int, dict]],
    fmt: ImportFormat,
    mapping: Mapping,
    report: Report,
) -> Iterator[tuple[str, dict, dict]]:
    """(id at the source, facts, provenance) for each valid record; rejected ones are added
    to the report. A long file's records are checked by a helper process (`core/parallel.py`)
    while this one writes the previous ones; the report is kept here, in the file's order."""
    cleaner = Cleaner()
    # Read for this import, which creates no terms: no reading again (the helper cannot).
    cleaner.vocabulary.refreshed = True
    seen = report.seen
    prepare = partial(_prepared, fmt, mapping, cleaner)
    for (line, record), (source_id, problem, outcome) in parallel.in_order(prepare, records):
        report.read += 1

        def reject(name: str, reason: str, line=line, source_id=source_id, record=record):
            report.reject(Rejection(line, source_id, name, reason, record))

        if problem:
            reject(*problem)
            continue
        if source_id in seen:
            reject("id", _("Id %(id)s is already used at line %(line)d.")
                   % {"id": short(source_id), "line": seen[source_id]})  # fmt: skip
            continue
        seen[source_id] = line
        blocking, facts, provenance, refused, fields = outcome
        if blocking:
            for name, reason in blocking:
                reject(name, reason)
            continue
        if refused:
            report.warn(line, source_id, refused, fields)
        yield source_id, facts, provenance


def _prepared(fmt: ImportFormat, mapping: Mapping, cleaner: Cleaner, numbered: tuple[int, dict]):
    """What a record gives, found without the report (in a helper process for a long file):
    (its id at the source, (field, reason) when it cannot be read at all, else (the errors
    that reject it, facts, provenance, the optional values left out, its fields when some
    were))."""
    _line, record = numbered
    fields = mapping.translate(fmt.to_fields(mapping.rename(record)))
    format_errors = fields.pop("__errors__", [])
    source_id = _record_id(fields)
    if problem := _unreadable(record, source_id):
        return source_id, problem, None
    facts, provenance, errors = cleaner.clean(fields)
    errors = format_errors + errors
    # Only a required value or an unreadable record rejects it; a bad optional value is left
    # out, and the report says which, with its line and reason.
    blocking = [error for error in errors if not costs_only_itself(error[0])]
    if blocking or not errors:
        return source_id, None, (blocking, facts, provenance, [], None)
    set_aside(facts, errors)
    for name, _reason in errors:
        provenance.pop(name, None)
    return source_id, None, ([], facts, provenance, errors, fields)


def _unreadable(record: dict, source_id: str) -> tuple[str, str] | None:
    """(field, reason) when a record is refused before its values are looked at."""
    if "__width__" in record:
        return "", _(
            "This line has %(found)d values where the header has %(expected)d columns."
        ) % dict(zip(("found", "expected"), record["__width__"], strict=True))
    if TOO_DEEP in record:
        return "", _("Not a record: its values nest deeper than %(depth)d levels.") % {
            "depth": record[TOO_DEEP]
        }
    if "__too_large__" in record:
        return "", _("This record is larger than %(size)d MB.") % {"size": record["__too_large__"]}
    if bad := next((key for key in record if key.startswith("__not_")), None):
        return "", _("Not a record: %(value)s") % {"value": short(record[bad])}
    if not source_id:
        return "id", _("An id is required: re-importing the source finds its records by it.")
    if len(source_id) > SOURCE_ID_LENGTH or control_character_error(source_id):
        return "id", _("An id is at most %(count)d characters, without control characters.") % {
            "count": SOURCE_ID_LENGTH
        }
    return None


def run_import(
    raw: BinaryIO,
    fmt_name: str,
    source_name: str,
    *,
    mapping: Mapping | None = None,
    partial: bool = False,
    dry_run: bool = False,
    encoding: str | None = None,
    flag_missing: bool = True,
    on_progress: Callable[[], None] | None = None,
    companions: dict | None = None,
) -> Report:
    """Import a file of a source. `mapping` replaces the source's saved one (and is saved);
    without it, the saved one is used. `companions` are the format's other files
    (data·inclusion's services). Raises ImportError_ when the file cannot be read at all.
    Runs outside any transaction (the command's, a job's): it commits its own, then the index.
    """
    fmt = _formats()[fmt_name]
    report = Report(source=source_name, dry_run=dry_run)
    source = Source.objects.filter(name=source_name).first()
    if mapping is None:
        mapping = Mapping.from_json(source.mapping) if source else Mapping()

    def on_header(header: Header) -> None:
        _check_header(header, mapping, fmt, report)

    # A dry run writes no index; a real one indexes what it creates as it goes, committed
    # after the database is, rolled back with it.
    indexing = nullcontext() if dry_run else indexing_new_entries()
    try:
        with rare_collections(), indexing as new_entries, transaction.atomic():
            records = fmt.read(raw, encoding=encoding, on_header=on_header, **(companions or {}))
            valid = records_to_facts(records, fmt, mapping, report)
            now = timezone.now()
            for batch in _batches(valid, on_progress):
                report.add(actions.do_import_batch(source_name, batch, now, new_entries))
            if report.rejected and not partial:
                raise _Rollback
            if flag_missing:
                report.missing = actions.do_flag_missing_from_source(source_name, report.seen, now)
            exchange_actions.do_record_import(
                source_name, fmt_name, mapping.to_json(), report.counts(), now
            )
            if dry_run:
                raise _Rollback
            report.applied = True
    except _Rollback:
        pass
    except BaseException as error:
        if report.rejects is not None:
            report.rejects.close()
        if isinstance(error, UnreadableFile):
            raise ImportError_(error.message) from error
        if isinstance(error, parallel.HelperFailed):
            logger.error("Import of %s stopped: %s", source_name, error)
            raise ImportError_(
                _("The import stopped: the process that checks its records ended unexpectedly. "
                  "Nothing was imported; run it again.")
            ) from error  # fmt: skip
        raise
    if report.applied and (report.created or report.updated):
        # What the import created or changed, looked at for duplicates once it is committed
        # (the finder reads the whole atlas: not while the import holds its transaction).
        if Organisation.objects.filter(updated_at__gte=now).count() <= DUPLICATES_FOUND_AT_ONCE:
            report.duplicates = look_for_duplicates_since(now.isoformat())
        else:  # minutes at a million entries: the report does not wait for them
            enqueue(look_for_duplicates_since, now.isoformat())
            report.duplicates_later = True
    return report


def _batches(valid, on_progress) -> Iterator[list]:
    batch = []
    for item in valid:
        batch.append(item)
        if on_progress:
            on_progress()
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def write_rejects(report: Report, path: Path) -> None:
    """Every rejected record with its line, its id, the field and the reason, in CSV (UTF-8
    with a byte-order mark, for spreadsheets); the record itself as JSON in the last column."""
    report.rejects.seek(0)
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        shutil.copyfileobj(report.rejects, out)
    report.rejects.close()
