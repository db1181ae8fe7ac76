"""Every value of an imported record checked with the rules of the suggestion form, fast enough
for millions of records (the vocabulary and the gazetteer in memory): what `imports.py`
applies, and what the federation's pulls check."""

import json
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from essaim.atlas.facts import IDENTIFIER_FIELDS
from essaim.atlas.forms import check_place
from essaim.atlas.kinds import Fact, WebAddress, short
from essaim.atlas.models import CONTENT_LANGUAGES
from essaim.atlas.schema import FACTS
from essaim.atlas.vocabulary import Vocabulary
from essaim.core.dates import parse_moment
from essaim.core.text import control_character_error

from . import lmn

# A rejected record is kept in the rejects file up to this many characters of JSON.
MAX_RECORD = 100_000
TEXTS = ("short_description", "description")
IDENTIFIER_COLUMNS = {scheme: name for name, scheme in IDENTIFIER_FIELDS.items()}
ISO_ID = "id"
# A record without texts is taken as written in its country's language, when Essaim has it.
LANGUAGE_OF_COUNTRY = {"FR": "fr", "BE": "fr", "LU": "fr", "MC": "fr", "IT": "it", "SM": "it",
                       "ES": "es", "AD": "es", "GB": "en", "IE": "en", "MT": "en"}  # fmt: skip


class Cleaner:
    """Checks Essaim's fields with the suggestion form's rules (each fact's `check`, see
    atlas/schema.py), fast enough for millions of records: taxonomy codes against the
    vocabulary in memory, places in the offline gazetteer. Only the fields a record gives are
    cleaned, so a source that lacks a column never blanks what the atlas knows."""

    def __init__(self):
        self.check_mediation = lmn.check_mediation
        self.vocabulary = Vocabulary()

    def clean(self, fields: dict) -> tuple[dict, dict, list[tuple[str, str]]]:
        """(facts, provenance, errors as (field, reason)) for one record's fields."""
        facts, provenance, errors = {}, {}, []

        def error(name: str, reason: str) -> None:
            errors.append((name, reason))

        for name, value in fields.items():
            if name.startswith("__") or name == ISO_ID:
                continue
            fact = FACTS.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                value = fact.empty if fact else ""
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
            target, fact = (facts, fact) if fact else (provenance, PROVENANCE.get(name))
            if fact is None:
                continue
            try:
                target[name] = fact.check(fact.parse(value), self.vocabulary)
            except ValidationError as refused:
                error(name, " ".join(refused.messages))
            except (TypeError, ValueError, OverflowError):
                error(name, _("Not a valid value: %(value)s.") % {"value": short(value)})
        if not any(name in ("latitude", "longitude") for name, _reason in errors):
            if fields.get("__geometry__"):
                error("geometry", _("Only Point geometries are read."))
            if refused := check_place(facts):
                error(*refused)
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
                LANGUAGE_OF_COUNTRY.get(str(facts.get("country") or ""), "fr"),
            )
        return facts, provenance, errors


# What a bad value costs only itself (the record is kept without it): every fact but the
# required ones, what a record says of itself, and its geometry.
COORDINATES = ("latitude", "longitude", "geometry")


def costs_only_itself(name: str) -> bool:
    fact = FACTS.get(name) or PROVENANCE.get(name)
    return (fact is not None and not fact.required) or name == "geometry"


def set_aside(facts: dict, refused: list[tuple[str, str]]) -> None:
    """Leave the refused optional values out of `facts`: refused coordinates take the other
    one with them, and the record is placed at its locality instead."""
    for name, _reason in refused:
        facts.pop(name, None)
    if any(name in COORDINATES for name, _reason in refused):
        facts.pop("latitude", None)
        facts.pop("longitude", None)
        check_place(facts)


class SourceDate(Fact):
    """When the record was last updated at its source."""

    empty = None

    def check(self, value, vocabulary: Vocabulary) -> datetime | None:
        if not value:
            return None
        if (moment := _moment(value)) is None:
            raise ValidationError(_("Not a date: %(value)s.") % {"value": short(value)})
        return moment


# What a record says of itself, checked like facts (see FRESHNESS_FIELDS).
PROVENANCE = {
    "source_url": WebAddress("source_url"),
    "source_updated_at": SourceDate("source_updated_at"),
}


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
        shortened[short(key, 200)] = (
            short(value, share) if not isinstance(value, int | float | bool | None) else value
        )
    shortened["__shortened__"] = True
    return json.dumps(shortened, ensure_ascii=False, default=str)


def _moment(value) -> datetime | None:
    # A date-time, or a date followed by anything ("2025-01-10 09:00 CET").
    text = str(value).strip()
    return parse_moment(text) or parse_moment(text[:10])
