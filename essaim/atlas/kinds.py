"""The kinds of facts an organisation has: text, a text in one language, a choice, a country,
coordinates, a year, a web or email address, languages, a taxonomy's term or terms, an official
identifier, a standard's own fields. `schema.py` declares each fact with its kind; the kind
says how to check, show, read, store, publish and index it."""

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_countries import countries

from essaim.core.fields import ISO_639_1, NO_CHOICE, CheckboxList, LanguagesField, form_field

from .forms import ChoiceField, CountryField, HoursField, MultipleChoiceField
from .gazetteer import resolve_country
from .hours import opening_hours_error
from .identifiers import identifier_error, normalise
from .models import (
    CONTENT_LANGUAGES,
    Identifier,
    Organisation,
)
from .vocabulary import Vocabulary

LIST_SEPARATOR = "|"  # between codes, in a file's cell ("digital-mediation|training")


def short(value, length: int = 60) -> str:
    """A value quoted in an error message, cut to `length` characters (an object or a list
    as JSON)."""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, default=str)[: length * 4]
    text = str(value)
    return text if len(text) <= length else text[: length - 1] + "…"


class Fact:
    """One fact of an organisation. `name` is its key everywhere: in facts, suggestions, the
    history, import columns and API edits."""

    empty = ""
    facet: str | None = None  # the search facet (and public filter) it is, if any
    searched = False  # its words (or its terms' labels) are found by the search

    json_type: object = str  # its type in the API record (and so the OpenAPI document)

    def __init__(
        self,
        name: str,
        *,
        group: str | None = None,
        required: bool = False,
        facet: str | None = None,
        description: str = "",
    ):
        if facet:
            self.facet = facet
        self.name = name
        self.group = group  # the fieldset of the suggestion form; None: imports only
        self.required = required
        self.description = description  # for the API's readers, when its name is not enough

    @property
    def record_key(self) -> str:
        return self.name

    @cached_property
    def model_field(self) -> models.Field:
        return Organisation._meta.get_field(self.name)

    @property
    def label(self) -> str:
        return str(self.model_field.verbose_name)

    # Checking: `parse` reads a file's or a JSON document's value, `check` is the rule.
    def parse(self, value) -> object:
        return str(value).strip()

    def check(self, value, vocabulary: Vocabulary) -> object:
        """The value as stored, or ValidationError with the reason, translated."""
        if value in (None, ""):
            return self.empty
        # The model's limit (its other validators are the kinds' own checks, written to run
        # millions of times: control characters are refused before, for every value).
        limit = self.model_field.max_length
        if limit and isinstance(value, str) and len(value) > limit:
            raise ValidationError(_("At most %(count)d characters.") % {"count": limit})
        return value

    def form_field(self, vocabulary: Vocabulary) -> forms.Field:
        return form_field(self.model_field, required=self.required)

    # Reading and writing plain rows.
    @property
    def columns(self) -> tuple[str, ...]:
        return (self.name,)

    def read(self, row: dict, related: dict, identifiers: dict, vocabulary: Vocabulary) -> object:
        value = row.get(self.name)
        return self.empty if value is None else value

    def store(self, value, vocabulary: Vocabulary, stored: "Stored") -> None:
        stored.fields[self.name] = value

    # Publishing and indexing.
    def put_in_record(self, record: dict, value, vocabulary: Vocabulary) -> None:
        record[self.record_key] = value

    def words(self, value, vocabulary: Vocabulary) -> list[str]:
        return [value] if self.searched and value else []

    def words_by_language(self, value, vocabulary: Vocabulary) -> Iterable[tuple[str, str]]:
        """(language, text) for its words written in a known language, for its stemmer."""
        return ()

    def facet_values(self, value, vocabulary: Vocabulary) -> list[str]:
        return [value] if value else []


class Text(Fact):
    def __init__(self, name: str, *, searched: bool = False, **options):
        super().__init__(name, **options)
        self.searched = searched


# The type of a record's object of texts by language (`{"fr": …, "en": …}`).
TEXT_BY_LANGUAGE = "text by language"


class Translated(Text):
    """A text in one of the content languages (`short_description_fr`…): grouped by language
    in the record, stemmed in its language."""

    searched = True
    json_type = TEXT_BY_LANGUAGE

    def __init__(self, kind: str, language: str, **options):
        super().__init__(f"{kind}_{language}", searched=True, **options)
        self.kind, self.language = kind, language

    @property
    def record_key(self) -> str:
        return self.kind

    def form_field(self, vocabulary: Vocabulary) -> forms.Field:
        field = super().form_field(vocabulary)
        if self.kind == "description":
            field.widget = forms.Textarea(attrs={**field.widget.attrs, "rows": 4})
        return field

    def put_in_record(self, record: dict, value, vocabulary: Vocabulary) -> None:
        record.setdefault(self.kind, {})[self.language] = value

    def words_by_language(self, value, vocabulary: Vocabulary) -> Iterable[tuple[str, str]]:
        return ((self.language, value),) if value else ()


class Spaced(Text):
    """A text whose runs of spaces are one space, with its own syntax check (phone numbers,
    opening hours)."""

    def __init__(self, name: str, syntax_error, **options):
        super().__init__(name, **options)
        self.syntax_error = syntax_error

    def parse(self, value) -> str:
        return " ".join(str(value).split())

    def check(self, value, vocabulary: Vocabulary) -> str:
        value = super().check(self.parse(value or ""), vocabulary)
        if reason := self.syntax_error(value):
            raise ValidationError(reason)
        return value


class OpeningHours(Spaced):
    """Hours in OSM syntax, entered in forms as days and times."""

    def __init__(self, name: str, **options):
        super().__init__(name, opening_hours_error, **options)

    def form_field(self, vocabulary: Vocabulary) -> forms.Field:
        return HoursField(label=capfirst(self.model_field.verbose_name))


class Choice(Fact):
    """One of the model field's choices; in the record, null when not given."""

    @cached_property
    def codes(self) -> list[str]:
        return [code for code, _label in self.model_field.choices]

    json_type = str | None

    def check(self, value, vocabulary: Vocabulary) -> str:
        if value and value not in self.codes:
            raise ValidationError(_("Not one of %(choices)s.") % {"choices": ", ".join(self.codes)})
        return value or ""

    def put_in_record(self, record: dict, value, vocabulary: Vocabulary) -> None:
        record[self.name] = value or None

    def form_field(self, vocabulary: Vocabulary) -> forms.Field:
        return ChoiceField(
            label=capfirst(self.model_field.verbose_name),
            help_text=self.model_field.help_text,
            required=self.required,
            choices=[("", NO_CHOICE)] * (not self.required) + list(self.model_field.choices),
        )


class ContentLanguage(Choice):
    """The language an entry's texts were first written in: one of Essaim's four."""

    json_type = str

    def check(self, value, vocabulary: Vocabulary) -> str:
        if value and value not in CONTENT_LANGUAGES:
            raise ValidationError(
                _("Not one of fr, en, it, es: %(value)s.") % {"value": short(value)}
            )
        return value or ""

    def put_in_record(self, record: dict, value, vocabulary: Vocabulary) -> None:
        record[self.name] = value


@lru_cache(maxsize=4096)
def _country(text: str) -> str:
    return resolve_country(text)  # millions of records name the same few countries


class Country(Fact):
    facet = "country"
    searched = True

    def check(self, value, vocabulary: Vocabulary) -> str:
        if not value:
            return ""
        code = _country(str(value))
        if not code:
            raise ValidationError(_("Unknown country: %(name)s.") % {"name": short(value)})
        return code

    def form_field(self, vocabulary: Vocabulary) -> forms.Field:
        return CountryField(label=capfirst(self.model_field.verbose_name), required=True)

    def read(self, row, related, identifiers, vocabulary) -> str:
        return str(row.get(self.name) or "")

    def words(self, value, vocabulary: Vocabulary) -> list[str]:
        return list(country_names(value)) if value else []


class Coordinate(Fact):
    empty = None
    json_type = float | None

    def __init__(self, name: str, limit: int, **options):
        super().__init__(name, **options)
        self.limit = limit

    def parse(self, value) -> float | None:
        if value in (None, ""):
            return None
        try:
            return float(value.replace(",", ".")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValidationError(_("Not a number: %(value)s.") % {"value": short(value)}) from None

    def check(self, value, vocabulary: Vocabulary) -> float | None:
        if value is None:
            return None
        if not math.isfinite(value) or not -self.limit <= value <= self.limit:
            raise ValidationError(_("Between -%(limit)d and %(limit)d.") % {"limit": self.limit})
        return value


class Year(Fact):
    empty = None
    json_type = int | None

    def parse(self, value) -> int | None:
        return None if value in (None, "") else int(float(value))

    def check(self, value, vocabulary: Vocabulary) -> int | None:
        if value is None:
            return None
        try:  # the model's own bounds
            self.model_field.run_validators(value)
        except ValidationError as refused:
            raise ValidationError(" ".join(refused.messages)) from None
        return value


class Address(Fact):
    """An address to reach the organisation at, checked by a validator of Django's."""

    validator = None
    widget = forms.TextInput
    refused = ""  # the message, with %(value)s

    def form_field(self, vocabulary: Vocabulary) -> forms.Field:
        return forms.CharField(
            label=capfirst(self.model_field.verbose_name),
            required=False,
            max_length=self.model_field.max_length,
            widget=self.widget,
        )

    def complete(self, value: str) -> str:
        return value

    def check(self, value, vocabulary: Vocabulary) -> str:
        if not value:
            return ""
        value = self.complete(value)
        try:
            self.validator(value)
        except ValidationError:
            raise ValidationError(_(self.refused) % {"value": short(value)}) from None
        return super().check(value, vocabulary)


class WebAddress(Address):
    validator = URLValidator(schemes=["http", "https"])
    widget = forms.URLInput
    refused = gettext_noop("Not a valid web address: %(value)s.")

    def complete(self, value: str) -> str:
        # "example.org" means https://example.org
        return value if "://" in value else "https://" + value


class EmailAddress(Address):
    validator = EmailValidator()
    widget = forms.EmailInput
    refused = gettext_noop("Not a valid email address: %(value)s.")


class Languages(Fact):
    """The languages an organisation works in: ISO 639-1 codes, without repeats."""

    facet = "language"
    json_type = list[str]

    @property
    def empty(self) -> list:
        return []

    def parse(self, value) -> list[str]:
        items = value if isinstance(value, list) else str(value).replace(",", "|").split("|")
        return [str(item).strip().lower() for item in items if str(item).strip()]

    def check(self, value, vocabulary: Vocabulary) -> list[str]:
        codes = self.parse(value or [])
        if unknown := [code for code in codes if code not in ISO_639_1]:
            raise ValidationError(
                _("Unknown language code: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return list(dict.fromkeys(codes))

    def form_field(self, vocabulary: Vocabulary) -> forms.Field:
        return LanguagesField()

    def read(self, row, related, identifiers, vocabulary) -> list[str]:
        return list(row.get(self.name) or [])

    def put_in_record(self, record: dict, value, vocabulary: Vocabulary) -> None:
        record[self.name] = list(value)

    def facet_values(self, value, vocabulary: Vocabulary) -> list[str]:
        return list(value)


class Standard(Fact):
    """The fields of a data standard Essaim has no field for, kept whole (see exchange/lmn.py,
    which checks them): imports set them, forms do not show them."""

    json_type = dict[str, str | list[str]]

    @property
    def empty(self) -> dict:
        return {}

    def read(self, row, related, identifiers, vocabulary) -> dict:
        return dict(row.get(self.name) or {})

    def put_in_record(self, record: dict, value, vocabulary: Vocabulary) -> None:
        record[self.name] = dict(value)


class Term(Fact):
    """A term of a taxonomy, by its code."""

    searched = True
    json_type = str | None

    def __init__(self, name: str, model, **options):
        super().__init__(name, **options)
        self.model, self.facet = model, name

    def parse(self, value) -> str:
        return str(value).strip()

    def check(self, value, vocabulary: Vocabulary) -> str:
        if value and vocabulary.id_of(self.model, value) is None:
            raise ValidationError(_("Unknown code: %(value)s.") % {"value": short(value)})
        return value or ""

    def form_field(self, vocabulary: Vocabulary) -> forms.Field:
        return ChoiceField(
            label=capfirst(self.model_field.verbose_name),
            help_text=self.model_field.help_text,
            required=self.required,
            choices=[("", NO_CHOICE), *vocabulary.choices(self.model)],
        )

    @property
    def columns(self) -> tuple[str, ...]:
        return (f"{self.name}_id",)

    def read(self, row, related, identifiers, vocabulary) -> str:
        pk = row.get(f"{self.name}_id")
        return (vocabulary.code(self.model, pk) or "") if pk is not None else ""

    def store(self, value, vocabulary: Vocabulary, stored: "Stored") -> None:
        stored.fields[f"{self.name}_id"] = vocabulary.id_of(self.model, value) if value else None

    def put_in_record(self, record: dict, value, vocabulary: Vocabulary) -> None:
        record[self.name] = value or None

    def words(self, value, vocabulary: Vocabulary) -> list[str]:
        return vocabulary.labels(self.model, value) if value else []

    def words_by_language(self, value, vocabulary: Vocabulary) -> Iterable[tuple[str, str]]:
        return vocabulary.localized[self.model].get(value, {}).items() if value else ()


class Terms(Term):
    """Terms of a taxonomy (a many-to-many relation), by code, sorted."""

    json_type = list[str]

    def __init__(self, name: str, model, facet: str, **options):
        super().__init__(name, model, **options)
        self.facet = facet  # singular, as the public filter: ?service=training

    @property
    def empty(self) -> list:
        return []

    def parse(self, value) -> list[str]:
        items = value if isinstance(value, list) else str(value).split(LIST_SEPARATOR)
        return [str(item).strip() for item in items if str(item).strip()]

    def check(self, value, vocabulary: Vocabulary) -> list[str]:
        codes = self.parse(value or [])
        if unknown := [code for code in codes if vocabulary.id_of(self.model, code) is None]:
            raise ValidationError(
                _("Unknown code: %(value)s.") % {"value": short(", ".join(unknown))}
            )
        return sorted(set(codes))

    def form_field(self, vocabulary: Vocabulary) -> forms.Field:
        return MultipleChoiceField(
            label=capfirst(self.model_field.verbose_name),
            required=False,
            choices=vocabulary.choices(self.model),
            widget=CheckboxList,
        )

    @property
    def columns(self) -> tuple[str, ...]:
        return ()

    def read(self, row, related, identifiers, vocabulary) -> list[str]:
        return sorted(vocabulary.code(self.model, pk) for pk in related.get(self.name, []))

    def store(self, value, vocabulary: Vocabulary, stored: "Stored") -> None:
        stored.relations[self.name] = [vocabulary.id_of(self.model, code) for code in value]

    def put_in_record(self, record: dict, value, vocabulary: Vocabulary) -> None:
        record[self.name] = vocabulary.in_order(self.model, value)

    def words(self, value, vocabulary: Vocabulary) -> list[str]:
        return [label for code in value for label in vocabulary.labels(self.model, code)]

    def words_by_language(self, value, vocabulary: Vocabulary) -> Iterable[tuple[str, str]]:
        localized = vocabulary.localized[self.model]
        return [pair for code in value for pair in localized.get(code, {}).items()]

    def facet_values(self, value, vocabulary: Vocabulary) -> list[str]:
        return list(value)


class OfficialIdentifier(Fact):
    """An official identifier of one scheme (SIRET, RNA, VAT…), stored without the spaces
    people type; in the record, the `identifiers` object holds those given."""

    json_type = dict[str, str]

    def __init__(self, scheme: str, **options):
        options.setdefault("description", "By scheme: siret, siren, rna, neq, vat…")
        super().__init__(f"identifier_{scheme}", **options)
        self.scheme = scheme

    @property
    def record_key(self) -> str:
        return "identifiers"

    @property
    def label(self) -> str:
        return str(Identifier.Scheme(self.scheme).label)

    def check(self, value, vocabulary: Vocabulary) -> str:
        value = normalise(self.scheme, str(value or ""))
        if reason := identifier_error(self.scheme, value):
            raise ValidationError(reason)
        return value

    def form_field(self, vocabulary: Vocabulary) -> forms.Field:
        return forms.CharField(label=self.label, required=False, max_length=60)

    @property
    def columns(self) -> tuple[str, ...]:
        return ()

    def read(self, row, related, identifiers, vocabulary) -> str:
        return identifiers.get(self.scheme, "")

    def store(self, value, vocabulary: Vocabulary, stored: "Stored") -> None:
        stored.identifiers[self.scheme] = value or ""

    def put_in_record(self, record: dict, value, vocabulary: Vocabulary) -> None:
        identifiers = record.setdefault("identifiers", {})
        if value:
            identifiers[self.scheme] = value


@dataclass
class Stored:
    """Facts as the database holds them: model fields, terms' ids by relation, identifiers by
    scheme."""

    fields: dict = field(default_factory=dict)
    relations: dict = field(default_factory=dict)
    identifiers: dict = field(default_factory=dict)


@lru_cache(maxsize=512)
def country_names(code: str) -> tuple[str, ...]:
    """The country's name in each content language, for the search's words."""
    names = []
    for language in CONTENT_LANGUAGES:
        with translation.override(language):
            names.append(str(countries.name(code)))
    return tuple(dict.fromkeys(name for name in names if name))
