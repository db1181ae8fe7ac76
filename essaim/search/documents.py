"""What the search index knows of an organisation: its words, facet codes and place.

Documents are built in bulk from plain database rows (no model instances), so that reindexing
millions of organisations stays fast.
"""

import math
from collections import defaultdict
from functools import lru_cache

from django.utils import translation
from django_countries import countries

from essaim.atlas.gazetteer import region_centre
from essaim.atlas.models import (
    CONTENT_LANGUAGES,
    Audience,
    Family,
    Identifier,
    LegalForm,
    Organisation,
    Role,
    Sector,
    Service,
    Status,
)
from essaim.atlas.quality import completeness, confirmed_at
from essaim.atlas.vocabulary import RELATION_FACETS
from essaim.search.text import fold

TEXT_FIELDS = [
    f"{field}_{code}"
    for code in CONTENT_LANGUAGES
    for field in ("short_description", "description")
]
ROW_FIELDS = [
    "id",
    "name",
    "status",
    "locality",
    "region",
    "postal_code",
    "country",
    "languages",
    "territory",
    "latitude",
    "longitude",
    "updated_at",
    "sector_id",
    "legal_form_id",
    "website",
    "email",
    "phone",
    "confirmed_at",
    "source_updated_at",
    "created_at",
    *TEXT_FIELDS,
]


def mercator(latitude: float, longitude: float) -> tuple[float, float]:
    """Web Mercator position in [0, 1]², as map tiles count it (y grows southwards)."""
    x = (longitude + 180.0) / 360.0
    sin_lat = math.sin(math.radians(max(min(latitude, 85.0511), -85.0511)))
    y = 0.5 - math.log((1 + sin_lat) / (1 - sin_lat)) / (4 * math.pi)
    return x, y


def microseconds(moment) -> int:
    """A time as whole microseconds since the epoch, as the index stores it."""
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def sort_key(name: str) -> str:
    return " ".join(fold(name))[:120]


@lru_cache(maxsize=512)
def country_names(code: str) -> tuple[str, ...]:
    names = []
    for language in CONTENT_LANGUAGES:
        with translation.override(language):
            names.append(str(countries.name(code)))
    return tuple(dict.fromkeys(name for name in names if name))


class Vocabulary:
    """Codes and labels of every taxonomy term, read once per indexing run."""

    def __init__(self):
        self.terms = {}
        self.localized = {}  # model -> {pk: {language: label}}
        for model in (Family, Role, Sector, Service, Audience, LegalForm):
            columns = ["id", "code", *(f"label_{code}" for code in CONTENT_LANGUAGES)]
            rows = list(model.objects.values_list(*columns))
            self.terms[model] = {
                row[0]: (row[1], [label for label in row[2:] if label]) for row in rows
            }
            self.localized[model] = {
                row[0]: dict(zip(CONTENT_LANGUAGES, row[2:], strict=True)) for row in rows
            }
        # Each term's place in its taxonomy's order (the models' ordering): lists of terms are
        # given in that order, whatever order the database returns them in.
        self.ranks = {
            model: {pk: rank for rank, pk in enumerate(terms)}
            for model, terms in self.terms.items()
        }

    def code(self, model, pk):
        return self.terms[model][pk][0] if pk in self.terms[model] else None

    def in_order(self, model, term_ids: list[int]) -> list[int]:
        ranks = self.ranks[model]
        return sorted(term_ids, key=lambda pk: ranks.get(pk, len(ranks)))

    def labels(self, model, pk) -> list[str]:
        return self.terms[model][pk][1] if pk in self.terms[model] else []

    def label_in(self, model, pk, language: str) -> str:
        return self.localized[model].get(pk, {}).get(language, "")


def related_terms(ids: list[int]) -> dict[int, dict[str, list[int]]]:
    """{organisation id: {facet: [term ids]}} for the many-to-many facets, in one query each."""
    related = defaultdict(lambda: defaultdict(list))
    for facet, (relation, model) in RELATION_FACETS.items():
        through = getattr(Organisation, relation).through
        column = f"{model.__name__.lower()}_id"
        pairs = through.objects.filter(organisation_id__in=ids).values_list(
            "organisation_id", column
        )
        for organisation_id, term_id in pairs:
            related[organisation_id][facet].append(term_id)
    return related


def documents_for(ids: list[int], vocabulary: Vocabulary | None = None):
    """(documents, ids to remove) for these organisations: unpublished or missing ones go."""
    vocabulary = vocabulary or Vocabulary()
    rows = Organisation.objects.filter(pk__in=ids).values(*ROW_FIELDS)
    related = related_terms(ids)
    identified = set(
        Identifier.objects.filter(organisation_id__in=ids).values_list("organisation_id", flat=True)
    )
    documents = []
    for row in rows:
        if row["status"] != Status.PUBLISHED:
            continue
        row["identifiers"] = row["id"] in identified
        documents.append(_document(row, related[row["id"]], vocabulary))
    kept = {document["id"] for document in documents}
    return documents, [pk for pk in ids if pk not in kept]


def documents_from_records(ids: list[int], records, vocabulary: Vocabulary, now) -> list[dict]:
    """Documents for organisations just inserted from (fields, relations) records at `now`:
    the bulk path indexes what it wrote without reading it back."""
    documents = []
    for pk, (fields, relations) in zip(ids, records, strict=True):
        if fields.get("status", Status.PUBLISHED) != Status.PUBLISHED:
            continue
        row = {name: fields.get(name) for name in ROW_FIELDS}
        row.update(id=pk, updated_at=now, created_at=now, identifiers=False)
        for name in ("locality", "region", "postal_code", "territory", *TEXT_FIELDS):
            row[name] = row[name] or ""
        related = {
            facet: relations.get(relation, [])
            for facet, (relation, _model) in RELATION_FACETS.items()
        }
        documents.append(_document(row, related, vocabulary))
    return documents


def _document(row: dict, related: dict, vocabulary: Vocabulary) -> dict:
    facets = {
        "sector": [code] if (code := vocabulary.code(Sector, row["sector_id"])) else [],
        "legal_form": [code] if (code := vocabulary.code(LegalForm, row["legal_form_id"])) else [],
        "country": [row["country"]] if row["country"] else [],
        "region": [row["region"]] if row["region"] else [],
        "language": list(row["languages"] or []),
        "territory": [row["territory"]] if row["territory"] else [],
    }
    body = [row["locality"], row["region"], row["postal_code"]]
    body += [row[field] for field in TEXT_FIELDS]
    body += vocabulary.labels(Sector, row["sector_id"])
    body += vocabulary.labels(LegalForm, row["legal_form_id"])
    for facet, (_relation, model) in RELATION_FACETS.items():
        term_ids = related.get(facet, [])
        facets[facet] = [vocabulary.code(model, pk) for pk in term_ids]
        for pk in term_ids:
            body += vocabulary.labels(model, pk)
    if row["country"]:
        body += country_names(row["country"])
    # Per language, the texts written in it, for its stemmer.
    stemmed = {}
    for language in CONTENT_LANGUAGES:
        texts = [row[f"short_description_{language}"], row[f"description_{language}"]]
        texts.append(vocabulary.label_in(Sector, row["sector_id"], language))
        texts.append(vocabulary.label_in(LegalForm, row["legal_form_id"], language))
        for facet, (_relation, model) in RELATION_FACETS.items():
            texts += [vocabulary.label_in(model, pk, language) for pk in related.get(facet, [])]
        stemmed[language] = [text for text in texts if text]
    values = {
        **row,
        "sector": facets["sector"],
        "legal_form": facets["legal_form"],
        "services": facets["service"],
        "audiences": facets["audience"],
    }
    confirmed = confirmed_at(row["confirmed_at"], row["source_updated_at"], row["created_at"])
    document = {
        "id": row["id"],
        "name": row["name"],
        "name_key": sort_key(row["name"]),
        "body": [part for part in body if part],
        "stems": stemmed,
        "updated": microseconds(row["updated_at"]),
        "facets": facets,
        "completeness": completeness(values),
        "confirmed": microseconds(confirmed) if confirmed else 0,
    }
    point = _position(row)
    if point:
        x, y = mercator(*point)
        document.update(lat=point[0], lon=point[1], x=x, y=y)
    return document


def _position(row: dict) -> tuple[float, float] | None:
    """Where the organisation is; known only by its region, at the region's centre (the page
    and the map say the position is approximate), so that searches near a place and the map
    find it."""
    if row["latitude"] is not None and row["longitude"] is not None:
        return row["latitude"], row["longitude"]
    if row["region"] and row["country"]:
        return region_centre(row["country"], row["region"])
    return None
