"""Matching another network's file to Essaim's fields, column by column and value by value,
as the admin's import screen does it: a sample of the file, Essaim's fields to choose from,
first guesses, the checks of a matching, and a preview of the first records as Essaim would
store them."""

from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from typing import BinaryIO

from django.utils.translation import gettext as _

from essaim.atlas.facts import display_value, field_label
from essaim.atlas.gazetteer import resolve_country
from essaim.atlas.kinds import Choice, Term
from essaim.atlas.schema import FACTS
from essaim.atlas.vocabulary import current_vocabulary
from essaim.core.fields import folded

from .cleaning import Cleaner
from .imports import Mapping, _feature_properties, _formats, essaim_fields, is_list_field

# The formats whose columns are the network's own (the standards' are known already).
MATCHED_FORMATS = ("csv", "json")  # GeoJSON: its properties are renamed within features
SAMPLE_RECORDS = 2000  # read to list each column's values
SHOWN_ROWS = 3  # values shown beside each column
PREVIEWED = 5  # records shown as Essaim would store them
MAX_VALUES = 60  # distinct values of a taxonomy column matched one by one
# Essaim's fields a column may fill, besides the facts.
OWN_FIELDS = ("id", "source_url", "source_updated_at")
REQUIRED = ("id", "name")


def field_choices() -> list[tuple[str, str]]:
    """(field, label) for every field a column may fill, "" to leave the column out."""
    own = {
        "id": _("Id at the source (required)"),
        "source_url": _("Its page at the source"),
        "source_updated_at": _("Last updated at the source"),
    }
    facts = [(name, f"{field_label(name)}".capitalize()) for name, fact in FACTS.items()
             if fact.group or name == "mediation"]  # fmt: skip
    return [("", _("Leave out")), *own.items(), *facts]


def coded_fields() -> dict[str, list[tuple[str, str]]]:
    """{field: its (code, label) choices} for the fields whose values are codes (taxonomies,
    lists of choices): the values a file gives there are matched one by one."""
    vocabulary = current_vocabulary()
    coded = {}
    for name, fact in FACTS.items():
        if isinstance(fact, Term):
            coded[name] = vocabulary.choices(fact.model)
        elif isinstance(fact, Choice):
            coded[name] = [(code, str(label)) for code, label in fact.model_field.choices]
    return coded


@dataclass
class Sample:
    """The file's columns in order, its first rows, and the distinct values of each column
    over the first SAMPLE_RECORDS records (most frequent first)."""

    columns: list[str]
    rows: list[dict]
    values: dict[str, Counter] = field(default_factory=dict)


def sample_file(raw: BinaryIO, fmt_name: str, encoding: str | None = None) -> Sample:
    """Read the start of a file (ImportError_ or UnreadableFile when it cannot be read)."""
    fmt = _formats()[fmt_name]
    header: list[str] = []
    records = fmt.read(raw, encoding=encoding,
                       on_header=lambda found: header.extend(found.columns))  # fmt: skip
    columns, rows, values = list(header), [], {}
    for _line, record in islice(records, SAMPLE_RECORDS):
        if record.get("type") == "Feature":
            record = _feature_properties(record)
        record = {key: value for key, value in record.items() if not key.startswith("__")}
        for key, value in record.items():
            if key not in values:
                values[key] = Counter()
                if key not in columns:
                    columns.append(key)
            for item in value if isinstance(value, list) else [value]:  # JSON lists too
                if isinstance(item, str | int | float) and str(item).strip():
                    values[key][str(item).strip()] += 1
        if len(rows) < PREVIEWED:
            rows.append(record)
    return Sample(columns, rows, values)


def guess_field(column: str, saved: Mapping) -> str:
    """The field a column most likely fills: as saved for the source, the field of that
    name, or the field whose label (in any of Essaim's languages) the column is named."""
    if column in saved.columns:
        return saved.columns[column]
    choices = dict(field_choices())
    if column in choices:
        return column
    wanted = folded(column)
    for name, label in choices.items():
        if name and folded(str(label)) == wanted:
            return name
    return ""


def guess_code(value: str, choices: list[tuple[str, str]], saved: dict) -> str:
    if value in saved:
        return saved[value]
    wanted = folded(value)
    for code, label in choices:
        if wanted in (folded(code), folded(label)):
            return code
    return ""


def matching_errors(chosen: dict[str, str], defaults: dict) -> list[str]:
    """Why a matching cannot be used (two columns on one field, a required field without a
    column), each said in words; [] when it can."""
    errors = []
    by_field: dict[str, list[str]] = {}
    for column, name in chosen.items():
        if name:
            by_field.setdefault(name, []).append(column)
    labels = dict(field_choices())
    for name, columns in by_field.items():
        if len(columns) > 1:
            errors.append(
                _("The columns %(columns)s are all matched to “%(field)s”: keep one.")
                % {"columns": ", ".join(columns), "field": labels.get(name, name)}
            )
    for name in REQUIRED:
        if name not in by_field:
            errors.append(
                _("Match a column to “%(field)s”: it is required.")
                % {"field": labels.get(name, name)}
            )
    if "country" not in by_field and not defaults.get("country"):
        errors.append(_("Match a column to the country, or give the country of every record."))
    return errors


def preview(sample: Sample, mapping: Mapping) -> list[dict]:
    """The first records as Essaim would store them: each fact in words, and what would be
    refused (a required value: the record; an optional one: that value alone)."""
    cleaner = Cleaner()
    shown = []
    for record in sample.rows:
        fields = mapping.translate(essaim_fields(mapping.rename(record)))
        facts, _provenance, errors = cleaner.clean(fields)
        shown.append({
            "facts": [(field_label(name), display_value(name, value))
                      for name, value in facts.items()
                      if value not in (None, "", [], {}) and name in FACTS],
            "errors": [(field_label(name) if name in FACTS else name, reason)
                       for name, reason in errors],
        })  # fmt: skip
    return shown


class MatchingScreen:
    """Each column with its first values and the field it fills, each value of a column of
    codes with the code it means, the country of every record, and the preview: as the
    animator chose them (`data`, the form sent), or as first guessed."""

    def __init__(self, sample: Sample, saved: Mapping, data=None):
        self.sample, self.saved, self.data = sample, saved, data
        self.fields = field_choices()
        known = {name for name, _label in self.fields}
        self.columns = []
        for index, column in enumerate(sample.columns):
            chosen = data.get(f"column-{index}", "") if data is not None else None
            if chosen is not None and chosen not in known:
                chosen = ""
            self.columns.append({
                "index": index,
                "name": column,
                "examples": [str(row[column]) for row in sample.rows[:SHOWN_ROWS]
                             if row.get(column) not in (None, "")],
                "field": guess_field(column, saved) if chosen is None else chosen,
            })  # fmt: skip
        self.errors = []
        typed_country = data.get("default-country", "").strip()[:60] if data is not None else None
        if typed_country is None:
            self.country = saved.defaults.get("country", "")
        else:
            self.country = resolve_country(typed_country) if typed_country else ""
            if typed_country and not self.country:
                self.errors.append(_("Unknown country: %(name)s.") % {"name": typed_country})
        self.typed_country = self.country if typed_country is None else typed_country
        chosen = {column["name"]: column["field"] for column in self.columns}
        self.errors += matching_errors(chosen, {"country": self.country})
        self.coded = self._coded()
        self.ready = data is not None and not self.errors
        self.previewed = preview(sample, self.mapping()) if not self.errors else []

    def _coded(self) -> list[dict]:
        choices = coded_fields()
        coded = []
        for column in self.columns:
            name = column["field"]
            if name not in choices:
                continue
            saved = self.saved.values.get(name, {})
            codes = {code for code, _label in choices[name]}
            counted = self.sample.values.get(column["name"], Counter())
            if is_list_field(name):  # "Scuola|Formazione": each value matched on its own
                counted = Counter()
                for cell, count in self.sample.values.get(column["name"], Counter()).items():
                    for item in FACTS[name].parse(cell):
                        counted[item] += count
            values = []
            for number, (value, count) in enumerate(counted.most_common(MAX_VALUES)):
                key = f"value-{column['index']}-{number}"
                code = self.data.get(key) if self.data is not None and key in self.data else None
                if code is None or (code and code not in codes):
                    code = guess_code(value, choices[name], saved)
                values.append({"key": key, "value": value, "count": count, "code": code})
            coded.append({"column": column, "choices": choices[name], "values": values})
        return coded

    def mapping(self) -> Mapping:
        """The mapping chosen, on top of the one saved with the source (its other defaults,
        and its codes for values beyond the sample, stay): saved by the import that uses it."""
        # A column left out is mapped to "": never read, even if it bears a field's name.
        columns = {**self.saved.columns,
                   **{column["name"]: column["field"] for column in self.columns}}  # fmt: skip
        values = {name: dict(table) for name, table in self.saved.values.items()}
        for group in self.coded:
            table = values.setdefault(group["column"]["field"], {})
            for value in group["values"]:
                if value["code"]:
                    table[value["value"]] = value["code"]
                else:  # matched to nothing on purpose: no longer translated
                    table.pop(value["value"], None)
        values = {name: table for name, table in values.items() if table}
        defaults = {**self.saved.defaults, "country": self.country}
        if not self.country:
            del defaults["country"]
        return Mapping(columns=columns, values=values, defaults=defaults)
