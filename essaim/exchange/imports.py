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
import math
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.atlas import actions
from essaim.atlas.facts import IDENTIFIER_FIELDS
from essaim.atlas.gazetteer import find_locality, resolve_country
from essaim.atlas.hours import opening_hours_error
from essaim.atlas.identifiers import identifier_error, normalise, phone_error
from essaim.atlas.models import CONTENT_LANGUAGES, Organisation, SizeBand, Territory
from essaim.atlas.vocabulary import MANY_TO_MANY, TERM_FIELDS
from essaim.contributions.forms import ISO_639_1
from essaim.core.dates import parse_moment
from essaim.core.spreadsheets import SafeWriter
from essaim.core.text import control_character_error
from essaim.search.documents import Vocabulary

from . import actions as exchange_actions
from . import datainclusion, lmn
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
# A rejected record is kept in the rejects file up to this many characters of JSON.
MAX_RECORD = 100_000
MAX_ID_SHOWN = 300
LONG_TEXT = 5000
LIST_SEPARATOR = "|"
TEXTS = ("short_description", "description")
# Essaim's plain text fields an import may set, and their longest values (from the model).
LENGTHS = {
    name: Organisation._meta.get_field(name).max_length
    for name in ("name", "address", "postal_code", "locality", "region", "opening_hours")
}
# Every limit of the model, checked before the database: SQLite enforces none of them.
MODEL_LENGTHS = {
    field.name: field.max_length
    for field in Organisation._meta.concrete_fields
    if getattr(field, "max_length", None)
}
IDENTIFIER_COLUMNS = {scheme: name for name, scheme in IDENTIFIER_FIELDS.items()}
ISO_ID = "id"
_url_check = URLValidator(schemes=["http", "https"])
_email_check = EmailValidator()


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
            short_id = _short(rejection.source_id)
            self.rejections.append(replace(rejection, record={}, source_id=short_id))
        self._writer.writerow([rejection.line, _short(rejection.source_id, MAX_ID_SHOWN),
                               rejection.field, rejection.reason, record])  # fmt: skip

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "missing": self.missing,
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
        return {self.columns.get(key, key): value for key, value in record.items()}

    def translate(self, fields: dict) -> dict:
        for name, default in self.defaults.items():
            if fields.get(name) in (None, "", []):
                fields[name] = default
        for name, table in self.values.items():
            value = fields.get(name)
            if isinstance(value, list):
                fields[name] = [table.get(item, item) for item in value]
            elif isinstance(value, str):
                fields[name] = table.get(value, value)
        return fields


# Essaim's own shape (its CSV, JSON and GeoJSON exports) ----------------------------------------


def _split(value) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [item.strip() for item in str(value).split(LIST_SEPARATOR) if item.strip()]


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
        elif key in MANY_TO_MANY or key == "languages":
            fields[key] = _split(value)
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


# Validation --------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _country(text: str) -> str:
    return resolve_country(text)


class Cleaner:
    """Checks Essaim's fields with the suggestion form's rules, fast enough for millions of
    records: taxonomy codes against the vocabulary in memory, places in the offline gazetteer.
    Only the fields a record gives are cleaned, so a source that lacks a column never blanks
    what the atlas knows."""

    def __init__(self):
        self.check_mediation = lmn.check_mediation
        vocabulary = Vocabulary()
        self.term_ids = {
            model: {code: pk for pk, (code, _labels) in terms.items()}
            for model, terms in vocabulary.terms.items()
        }

    def clean(self, fields: dict) -> tuple[dict, dict, list[tuple[str, str]]]:
        """(facts, provenance, errors as (field, reason)) for one record's fields."""
        facts, provenance, errors = {}, {}, []

        def error(name: str, reason: str) -> None:
            errors.append((name, reason))

        for name, value in fields.items():
            if name.startswith("__"):
                continue
            if value is None or (isinstance(value, str) and not value.strip()):
                value = [] if name in MANY_TO_MANY or name == "languages" else ""
            if name == "mediation":
                value = value or {}
                if reason := self.check_mediation(value):
                    error(name, reason)
                else:
                    facts[name] = value
                continue
            if reason := _structure_error(value):
                error(name, reason)
                continue
            try:
                self._clean_one(name, value, facts, provenance, error)
            except (TypeError, ValueError, OverflowError):
                error(name, _("Not a valid value: %(value)s.") % {"value": _short(value)})
        for target in (facts, provenance):
            for name, value in target.items():
                limit = MODEL_LENGTHS.get(name)
                if limit and isinstance(value, str) and len(value) > limit:
                    error(name, _("At most %(count)d characters.") % {"count": limit})
        if not any(name in ("latitude", "longitude") for name, _reason in errors):
            self._check_place(fields, facts, error)
        if not facts.get("name") and "name" not in dict(errors):
            error("name", _("A name is required."))
        if "original_language" not in facts:
            facts["original_language"] = next(
                (
                    code
                    for code in CONTENT_LANGUAGES
                    for text in TEXTS
                    if facts.get(f"{text}_{code}")
                ),
                "fr",
            )
        return facts, provenance, errors

    def _clean_one(self, name, value, facts, provenance, error) -> None:
        text = value.strip() if isinstance(value, str) else value
        if name == "id" or name == "__width__":
            return
        if name == "opening_hours":
            text = " ".join(str(text).split())
            if len(text) > LENGTHS[name]:
                error(name, _("At most %(count)d characters.") % {"count": LENGTHS[name]})
            elif reason := opening_hours_error(text):
                error(name, reason)
            else:
                facts[name] = text
        elif name == "phone":
            text = " ".join(str(text).split())
            if reason := phone_error(text):
                error(name, reason)
            else:
                facts[name] = text
        elif name in LENGTHS:
            if len(str(text)) > LENGTHS[name]:
                error(name, _("At most %(count)d characters.") % {"count": LENGTHS[name]})
            else:
                facts[name] = str(text)
        elif name.startswith(TEXTS) and name.rsplit("_", 1)[-1] in CONTENT_LANGUAGES:
            limit = 300 if name.startswith("short_") else LONG_TEXT
            if len(str(text)) > limit:
                error(name, _("At most %(count)d characters.") % {"count": limit})
            else:
                facts[name] = str(text)
        elif name == "original_language":
            if text and text not in CONTENT_LANGUAGES:
                error(name, _("Not one of fr, en, it, es: %(value)s.") % {"value": _short(text)})
            elif text:
                facts[name] = text
        elif name in TERM_FIELDS:
            if text and text not in self.term_ids[TERM_FIELDS[name]]:
                error(name, _("Unknown code: %(value)s.") % {"value": _short(text)})
            else:
                facts[name] = text
        elif name in MANY_TO_MANY:
            codes = _split(text)
            known = self.term_ids[MANY_TO_MANY[name]]
            if unknown := [code for code in codes if code not in known]:
                error(name, _("Unknown code: %(value)s.") % {"value": _short(", ".join(unknown))})
            else:
                facts[name] = sorted(set(codes))
        elif name == "languages":
            codes = [str(code).strip().lower() for code in _split(text)]
            if unknown := [code for code in codes if code not in ISO_639_1]:
                error(name, _("Unknown language code: %(codes)s.") % {"codes": ", ".join(unknown)})
            else:
                facts[name] = list(dict.fromkeys(codes))
        elif name == "territory":
            self._choice(name, text, Territory.values, facts, error)
        elif name == "size_band":
            self._choice(name, text, SizeBand.values, facts, error)
        elif name == "country":
            code = _country(str(text)) if text else ""
            if text and not code:
                error(name, _("Unknown country: %(name)s.") % {"name": _short(text)})
            else:
                facts[name] = code
        elif name in ("latitude", "longitude"):
            facts[name] = None if text == "" else _coordinate(name, text, error)
        elif name in ("website", "source_url"):
            target = facts if name == "website" else provenance
            target[name] = self._url(name, str(text), error)
        elif name == "email":
            try:
                if text:
                    _email_check(text)
                facts[name] = text
            except ValidationError:
                error(name, _("Not a valid email address: %(value)s.") % {"value": _short(text)})
        elif name == "founding_year":
            year = None if text == "" else int(float(text))
            if year is not None and not 1800 <= year <= 2100:
                error(name, _("A year between 1800 and 2100."))
            else:
                facts[name] = year
        elif name in IDENTIFIER_FIELDS:
            value = normalise(IDENTIFIER_FIELDS[name], str(text))
            if reason := identifier_error(IDENTIFIER_FIELDS[name], value):
                error(name, reason)
            else:
                facts[name] = value
        elif name == "source_updated_at":
            provenance[name] = _moment(text) if text else None
            if text and provenance[name] is None:
                error(name, _("Not a date: %(value)s.") % {"value": _short(text)})

    @staticmethod
    def _choice(name, text, choices, facts, error) -> None:
        if text and text not in choices:
            error(name, _("Not one of %(choices)s.") % {"choices": ", ".join(choices)})
        else:
            facts[name] = text

    @staticmethod
    def _url(name: str, text: str, error) -> str:
        if not text:
            return ""
        if "://" not in text:
            text = "https://" + text  # "example.org" means https://example.org, as in forms
        try:
            _url_check(text)
        except ValidationError:
            error(name, _("Not a valid web address: %(value)s.") % {"value": _short(text)})
            return ""
        return text

    @staticmethod
    def _check_place(fields, facts, error) -> None:
        if fields.get("__geometry__"):
            error("geometry", _("Only Point geometries are read."))
        latitude, longitude = facts.get("latitude"), facts.get("longitude")
        if ("latitude" in facts) != ("longitude" in facts) or (
            (latitude is None) != (longitude is None)
        ):
            error("longitude", _("Give both coordinates, or neither."))
            return
        if latitude is None and facts.get("locality") and facts.get("country"):
            place = find_locality(facts["locality"], facts["country"])
            if place is not None:
                facts["latitude"], facts["longitude"] = place.latitude, place.longitude
                if not facts.get("region"):
                    facts["region"] = place.region


def _structure_error(value) -> str | None:
    """Why a value cannot be a fact at all: an object or a list of lists where a text or a
    list of codes is expected, or text hiding control characters (NUL, right-to-left
    overrides…), refused as the forms refuse them."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict | list):
            return _("Not a text, a number or a list of codes.")
        if isinstance(item, str) and (reason := control_character_error(item)):
            return reason
    return None


def _short(value, length: int = 60) -> str:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, default=str)[: length * 4]
    text = str(value)
    return text if len(text) <= length else text[: length - 1] + "…"


def record_json(record: dict) -> str:
    """A rejected record as JSON for the rejects file, always valid JSON: past MAX_RECORD
    characters its long values are shortened (ending with …) and `"__shortened__": true` says
    so."""
    text = json.dumps(record, ensure_ascii=False, default=str)
    if len(text) <= MAX_RECORD:
        return text
    share = max(100, MAX_RECORD // (2 * max(1, len(record))))
    shortened = {}
    for key, value in list(record.items())[:1000]:
        shortened[_short(key, 200)] = _short(value, share) if not isinstance(
            value, int | float | bool | None
        ) else value
    shortened["__shortened__"] = True
    return json.dumps(shortened, ensure_ascii=False, default=str)


def _coordinate(name: str, value, error) -> float | None:
    try:
        number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        error(name, _("Not a number: %(value)s.") % {"value": _short(value)})
        return None
    limit = 90 if name == "latitude" else 180
    if not math.isfinite(number) or not -limit <= number <= limit:
        error(name, _("Between -%(limit)d and %(limit)d.") % {"limit": limit})
        return None
    return number


def _moment(value) -> datetime | None:
    # A date-time, or a date followed by anything ("2025-01-10 09:00 CET").
    text = str(value).strip()
    return parse_moment(text) or parse_moment(text[:10])


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
                % {"number": number, "column": _short(column.encode("unicode_escape")
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
    ]


KNOWN_COLUMNS = frozenset({
    "id", "url", "updated_at", "source_url", "source_updated_at", "name", "original_language",
    *(f"{text}_{code}" for text in TEXTS for code in CONTENT_LANGUAGES),
    *TERM_FIELDS, *MANY_TO_MANY, "languages", "territory", "address", "postal_code", "locality",
    "region", "country", "latitude", "longitude", "website", "email", "phone", "opening_hours",
    "mediation", "founding_year", "size_band", *IDENTIFIER_COLUMNS, *IDENTIFIER_FIELDS, "source",
    "source_id", "status", "created_at", "licence", "quality", "confirmed_at",
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
    to the report."""
    cleaner = Cleaner()
    seen = report.seen
    for line, record in records:
        report.read += 1
        fields = mapping.translate(fmt.to_fields(mapping.rename(record)))
        format_errors = fields.pop("__errors__", [])
        source_id = _record_id(fields)

        def reject(name: str, reason: str, line=line, source_id=source_id, record=record):
            report.reject(Rejection(line, source_id, name, reason, record))

        if "__width__" in record:
            reject(
                "",
                _("This line has %(found)d values where the header has %(expected)d columns.")
                % dict(zip(("found", "expected"), record["__width__"], strict=True)),
            )
            continue
        if TOO_DEEP in record:
            reject("", _("Not a record: its values nest deeper than %(depth)d levels.")
                   % {"depth": record[TOO_DEEP]})  # fmt: skip
            continue
        if "__too_large__" in record:
            reject("", _("This record is larger than %(size)d MB.")
                   % {"size": record["__too_large__"]})  # fmt: skip
            continue
        if bad := next((key for key in record if key.startswith("__not_")), None):
            reject("", _("Not a record: %(value)s") % {"value": _short(record[bad])})
            continue
        if not source_id:
            reject("id", _("An id is required: re-importing the source finds its records by it."))
            continue
        if len(source_id) > MODEL_LENGTHS["source_id"] or control_character_error(source_id):
            reject("id", _("An id is at most %(count)d characters, without control characters.")
                   % {"count": MODEL_LENGTHS["source_id"]})  # fmt: skip
            continue
        if source_id in seen:
            reject("id", _("Id %(id)s is already used at line %(line)d.")
                   % {"id": _short(source_id), "line": seen[source_id]})  # fmt: skip
            continue
        seen[source_id] = line
        facts, provenance, errors = cleaner.clean(fields)
        errors = format_errors + errors
        if errors:
            for name, reason in errors:
                reject(name, reason)
            continue
        yield source_id, facts, provenance


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
    """
    fmt = _formats()[fmt_name]
    report = Report(source=source_name, dry_run=dry_run)
    source = Source.objects.filter(name=source_name).first()
    if mapping is None:
        mapping = Mapping.from_json(source.mapping) if source else Mapping()

    def on_header(header: Header) -> None:
        _check_header(header, mapping, fmt, report)

    try:
        with transaction.atomic():
            records = fmt.read(raw, encoding=encoding, on_header=on_header, **(companions or {}))
            valid = records_to_facts(records, fmt, mapping, report)
            now = timezone.now()
            for batch in _batches(valid, on_progress):
                report.add(actions.do_import_batch(source_name, batch, now))
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
        raise
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
