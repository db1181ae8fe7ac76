"""Every value of an imported record checked with the rules of the suggestion form, fast enough
for millions of records (the vocabulary and the gazetteer in memory): what `imports.py`
applies, and what the federation's pulls check."""

import json
import math
from datetime import datetime
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from essaim.atlas.facts import IDENTIFIER_FIELDS
from essaim.atlas.gazetteer import find_locality, resolve_country
from essaim.atlas.hours import opening_hours_error
from essaim.atlas.identifiers import identifier_error, normalise, phone_error
from essaim.atlas.models import CONTENT_LANGUAGES, Organisation, SizeBand, Territory
from essaim.atlas.vocabulary import MANY_TO_MANY, TERM_FIELDS, Vocabulary
from essaim.core.dates import parse_moment
from essaim.core.fields import ISO_639_1
from essaim.core.text import control_character_error

from . import lmn

# A rejected record is kept in the rejects file up to this many characters of JSON.
MAX_RECORD = 100_000
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


def _split(value) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [item.strip() for item in str(value).split(LIST_SEPARATOR) if item.strip()]


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
            limit = MODEL_LENGTHS[name]
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
            try:  # the model's own bounds, which the forms check too
                if year is not None:
                    Organisation._meta.get_field(name).run_validators(year)
            except ValidationError as refused:
                error(name, " ".join(refused.messages))
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
        shortened[_short(key, 200)] = (
            _short(value, share) if not isinstance(value, int | float | bool | None) else value
        )
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
