"""An organisation's facts, each declared once.

Each fact is of a kind (`kinds.py`) that says how it is stored (the model's field, a term, a
list of terms, an identifier), checked (`check`: the one rule, which the suggestion form and the
import cleaner both apply), shown in a form (`form_field`, in its fieldset), read from plain
database rows (`read`), written back (`store`), published in the API record and the exports
(`put_in_record`) and indexed (its facet, its words). Limits, labels and help texts come from
the model's field.

`read_entries` is the one reader: the history, suggestions, imports, the API records and the
index documents all start from the `Entry` it gives.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connection

from .identifiers import phone_error
from .kinds import (
    Choice,
    ContentLanguage,
    Coordinate,
    Country,
    EmailAddress,
    Fact,
    Languages,
    OfficialIdentifier,
    OpeningHours,
    Spaced,
    Standard,
    Stored,
    Term,
    Terms,
    Text,
    Translated,
    WebAddress,
    Year,
)
from .models import (
    CONTENT_LANGUAGES,
    Audience,
    Family,
    Identifier,
    LegalForm,
    Organisation,
    Role,
    Sector,
    Service,
)
from .quality import completeness, confirmed_at
from .vocabulary import Vocabulary


def _declare(*facts: Fact) -> dict[str, Fact]:
    return {fact.name: fact for fact in facts}


# Every fact, in the order forms, differences and records give them.
FACTS = _declare(
    Text("name", group="text", required=True),
    ContentLanguage("original_language", group="text", required=True),
    *(Translated("short_description", code, group="text") for code in CONTENT_LANGUAGES),
    *(Translated("description", code, group="text") for code in CONTENT_LANGUAGES),
    Term("legal_form", LegalForm, group="facts"),
    Term("sector", Sector, group="facts"),
    Terms("families", Family, "family", group="facts"),
    Terms("roles", Role, "role", group="facts"),
    Terms("services", Service, "service", group="facts"),
    Terms("audiences", Audience, "audience", group="facts"),
    Languages("languages", group="facts"),
    Choice("territory", group="facts", facet="territory"),
    Year("founding_year", group="facts"),
    Choice("size_band", group="facts"),
    WebAddress("website", group="contact"),
    EmailAddress("email", group="contact"),
    Spaced("phone", phone_error, group="contact"),
    OpeningHours(
        "opening_hours", group="contact", description="OpenStreetMap opening_hours syntax."
    ),
    Text("address", group="place"),
    Text("postal_code", group="place", searched=True),
    Text("locality", group="place", searched=True),
    Text("region", group="place", searched=True, facet="region"),
    Country("country", group="place", required=True, description="ISO 3166-1 alpha-2 code."),
    Coordinate("latitude", 90, group="place"),
    Coordinate("longitude", 180, group="place"),
    *(OfficialIdentifier(scheme, group="identifiers") for scheme in Identifier.Scheme.values),
    Standard(
        "mediation",
        description=(
            "For a place of the Schéma des lieux de médiation numérique, the schema's fields that "
            "have no field above (fees, access, support, programmes, its own services…), with the "
            "schema's values: see docs/exports.md."
        ),
    ),
)
# The facts a contributor gives (in forms and suggestions): those with a fieldset.
EDITABLE = {name: fact for name, fact in FACTS.items() if fact.group}
IDENTIFIER_FIELDS = {name: fact.scheme for name, fact in FACTS.items()
                     if isinstance(fact, OfficialIdentifier)}  # fmt: skip


# What an entry says besides its facts: where it comes from and how fresh it is.
ABOUT = ("status", "source", "source_id", "source_url", "source_updated_at", "confirmed_at",
         "created_at", "updated_at")  # fmt: skip
COLUMNS = ("id", *ABOUT, *(column for fact in FACTS.values() for column in fact.columns))
RELATIONS = {name: fact.model for name, fact in FACTS.items() if isinstance(fact, Terms)}


@dataclass
class Entry:
    """An organisation as plain values: its facts (with `status`, as its history keeps them)
    and what is said about it (`ABOUT`)."""

    id: int
    facts: dict
    about: dict

    @property
    def completeness(self) -> int:
        return completeness(self.facts)

    @property
    def confirmed(self) -> datetime | None:
        about = self.about
        return confirmed_at(about["confirmed_at"], about["source_updated_at"], about["created_at"])


# (name, its empty value, its own reader or None when the column is read as it is), in order.
_READING = tuple(
    (name, fact.empty, None if type(fact).read is Fact.read else fact.read)
    for name, fact in FACTS.items()
)


def entry_from_row(row: dict, related: dict, identifiers: dict, vocabulary: Vocabulary) -> Entry:
    """An entry from a row of `COLUMNS` (missing columns read as empty), its terms' ids by
    relation and its identifiers by scheme."""
    facts = {}
    for name, empty, read in _READING:
        if read is None:  # a column read as it is: most facts, the fast way
            value = row.get(name)
            facts[name] = empty if value is None else value
        else:
            facts[name] = read(row, related, identifiers, vocabulary)
    facts["status"] = row.get("status")
    return Entry(row["id"], facts, {name: row.get(name) for name in ABOUT})


def read_entries(ids: list[int], vocabulary: Vocabulary) -> dict[int, Entry]:
    """{id: entry} for these organisations, read with a few plain queries (no model
    instances): imports compare, the API publishes and the index takes thousands a second."""
    if not ids:
        return {}
    rows = Organisation.objects.filter(pk__in=ids).values(*COLUMNS)
    related = defaultdict(lambda: defaultdict(list))
    identifiers = defaultdict(dict)
    marks = ", ".join(["%s"] * len(ids))
    # The SQL of the other tables is written once: building it through the ORM cost more
    # than running it, for a page of 20 organisations.
    with connection.cursor() as cursor:
        for relation, sql in _related_sql():
            cursor.execute(sql.format(marks=marks), ids)
            for pk, term in cursor.fetchall():
                related[pk][relation].append(term)
        cursor.execute(_identifiers_sql().format(marks=marks), ids)
        for pk, scheme, value in cursor.fetchall():
            identifiers[pk][scheme] = value
    return {
        row["id"]: entry_from_row(row, related[row["id"]], identifiers[row["id"]], vocabulary)
        for row in rows
    }


@cache
def _related_sql() -> tuple[tuple[str, str], ...]:
    """(relation, its `SELECT organisation, term … WHERE organisation IN ({marks})`)."""
    queries = []
    for relation, model in RELATIONS.items():
        through = getattr(Organisation, relation).through._meta
        term = through.get_field(model.__name__.lower()).column
        queries.append((relation, _select_by_organisation(through, term)))
    return tuple(queries)


@cache
def _identifiers_sql() -> str:
    return _select_by_organisation(Identifier._meta, "scheme", "value")


def _select_by_organisation(meta, *columns: str) -> str:
    quote = connection.ops.quote_name
    owner = quote(meta.get_field("organisation").column)
    selected = ", ".join([owner, *map(quote, columns)])
    # Names come from the models, quoted; the ids are parameters (`{marks}`: one `%s` each).
    return f"SELECT {selected} FROM {quote(meta.db_table)} WHERE {owner} IN ({{marks}})"  # noqa: S608


def stored(facts: dict, vocabulary: Vocabulary) -> Stored:
    """What to write for these facts (any subset; `status` too)."""
    result = Stored()
    for name, value in facts.items():
        if name in FACTS:
            FACTS[name].store(value, vocabulary, result)
        else:
            result.fields[name] = value
    return result
