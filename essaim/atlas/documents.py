"""What the search index knows of an organisation: its words, facet codes, quality and place
(the plain dicts `essaim.search` indexes; see `indexing.py` for when they are written).

Documents are built in bulk from plain database rows (no model instances), so that reindexing
millions of organisations stays fast.
"""

from collections import defaultdict
from functools import lru_cache

from django.utils import translation
from django_countries import countries

from essaim.search.query import DocumentLayout, microseconds
from essaim.search.text import sort_key

from .gazetteer import region_centre
from .models import CONTENT_LANGUAGES, Identifier, LegalForm, Organisation, Sector, Status
from .quality import completeness, confirmed_at
from .vocabulary import FACETS, RELATION_FACETS, Vocabulary

# What the index holds of an organisation besides its words and position (ESSAIM_SEARCH_DOCUMENTS
# names it): the public filters, and the quality score's parts (completeness 0-100, the last
# confirmation in µs) that `quality.quality_thresholds` bounds.
LAYOUT = DocumentLayout(facets=FACETS, numbers=("completeness", "confirmed"))

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


@lru_cache(maxsize=512)
def country_names(code: str) -> tuple[str, ...]:
    names = []
    for language in CONTENT_LANGUAGES:
        with translation.override(language):
            names.append(str(countries.name(code)))
    return tuple(dict.fromkeys(name for name in names if name))


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
        document.update(lat=point[0], lon=point[1])
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
