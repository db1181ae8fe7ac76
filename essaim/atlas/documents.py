"""What the search index knows of an organisation: its words, facet codes, quality and place
(the plain dicts `essaim.search` indexes; see `indexing.py` for when they are written).

Documents are built in bulk from plain database rows (no model instances), so that reindexing
millions of organisations stays fast.
"""

from essaim.search.query import DocumentLayout, microseconds
from essaim.search.text import sort_key

from .gazetteer import region_centre
from .kinds import Fact
from .models import CONTENT_LANGUAGES, Status
from .schema import FACTS, Entry, entry_from_row, read_entries
from .vocabulary import FACETS, Vocabulary

# What the index holds of an organisation besides its words and position (ESSAIM_SEARCH_DOCUMENTS
# names it): the public filters, and the quality score's parts (completeness 0-100, the last
# confirmation in µs) that `quality.quality_thresholds` bounds.
LAYOUT = DocumentLayout(facets=FACETS, numbers=("completeness", "confirmed"))


def documents_for(
    ids: list[int], vocabulary: Vocabulary | None = None
) -> tuple[list[dict], list[int]]:
    """(documents, ids to remove) for these organisations: unpublished or missing ones go."""
    vocabulary = vocabulary or Vocabulary()
    documents = [
        document_of(entry, vocabulary)
        for entry in read_entries(ids, vocabulary).values()
        if entry.facts["status"] == Status.PUBLISHED
    ]
    kept = {document["id"] for document in documents}
    return documents, [pk for pk in ids if pk not in kept]


def documents_from_records(
    ids: list[int], records, vocabulary: Vocabulary, now, identifiers: list[dict] | None = None
) -> list[dict]:
    """Documents for organisations just inserted from (fields, relations) records at `now`,
    with their identifiers by scheme (one dict per record) if they have some: the bulk path
    and imports index what they wrote without reading it back."""
    documents = []
    identifiers = identifiers or [{}] * len(records)
    for pk, (fields, relations), schemes in zip(ids, records, identifiers, strict=True):
        row = {**fields, "id": pk, "created_at": now, "updated_at": now}
        row.setdefault("status", Status.PUBLISHED)
        if row["status"] == Status.PUBLISHED:
            documents.append(
                document_of(entry_from_row(row, relations, schemes, vocabulary), vocabulary)
            )
    return documents


def _facts_that(does) -> tuple:
    return tuple((name, fact) for name, fact in FACTS.items() if does(fact))


# Which facts give what, found once: a document is built millions of times at a reindex.
FACETED = _facts_that(lambda fact: fact.facet)
WORDED = _facts_that(lambda fact: fact.searched)
STEMMED = _facts_that(lambda fact: type(fact).words_by_language is not Fact.words_by_language)


def document_of(entry: Entry, vocabulary: Vocabulary) -> dict:
    """What the index holds of an entry: each fact gives its facet values and its words."""
    facts = entry.facts
    facets = {facet: [] for facet in FACETS}
    for name, fact in FACETED:
        facets[fact.facet] = fact.facet_values(facts[name], vocabulary)
    body = [word for name, fact in WORDED for word in fact.words(facts[name], vocabulary)]
    # Per language, the texts written in it, for its stemmer.
    stemmed = {language: [] for language in CONTENT_LANGUAGES}
    for name, fact in STEMMED:
        for language, text in fact.words_by_language(facts[name], vocabulary):
            if text:
                stemmed[language].append(text)
    confirmed = entry.confirmed
    document = {
        "id": entry.id,
        "name": facts["name"],
        "name_key": sort_key(facts["name"]),
        "body": [part for part in body if part],
        "stems": stemmed,
        "updated": microseconds(entry.about["updated_at"]),
        "facets": facets,
        "completeness": entry.completeness,
        "confirmed": microseconds(confirmed) if confirmed else 0,
    }
    point = _position(facts)
    if point:
        document.update(lat=point[0], lon=point[1])
    return document


def _position(facts: dict) -> tuple[float, float] | None:
    """Where the organisation is; known only by its region, at the region's centre (the page
    and the map say the position is approximate), so that searches near a place and the map
    find it."""
    if facts["latitude"] is not None and facts["longitude"] is not None:
        return facts["latitude"], facts["longitude"]
    if facts["region"] and facts["country"]:
        return region_centre(facts["country"], facts["region"])
    return None
