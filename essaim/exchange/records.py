"""An organisation as open data: the one public record shared by the API and every export."""

from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from essaim.atlas.documents import related_terms
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
    slug_for,
)
from essaim.atlas.quality import completeness, confirmed_at, freshness, score
from essaim.atlas.vocabulary import Vocabulary
from essaim.core import generation
from essaim.search.index import SearchQuery, get_index

CHUNK = 500


def public_url(path: str) -> str:
    return settings.ESSAIM["PUBLIC_URL"].rstrip("/") + path


def organisation_url(pk: int, name: str) -> str:
    """The page of an organisation in the site's default language: a stable address for data."""
    with translation.override(settings.LANGUAGE_CODE):
        return public_url(reverse("organisation", kwargs={"pk": pk, "slug": slug_for(name)}))


RECORD_FIELDS = [
    "id", "name", "original_language", "legal_form_id", "sector_id", "languages", "territory",
    "address", "postal_code", "locality", "region", "country", "latitude", "longitude",
    "website", "email", "phone", "opening_hours", "mediation", "founding_year", "size_band",
    "source",
    "source_id", "source_url", "source_updated_at", "confirmed_at", "status", "created_at",
    "updated_at",
    *[f"{field}_{code}" for field in ("short_description", "description")
      for code in CONTENT_LANGUAGES],
]  # fmt: skip


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


_vocabulary: tuple[tuple, Vocabulary] | None = None


def current_vocabulary() -> Vocabulary:
    """The taxonomies' codes and labels, read again after each change (a change to a term
    bumps the data's generation: see `atlas/actions`)."""
    global _vocabulary
    state = (settings.ESSAIM["INDEX_DIR"], generation.current())
    if _vocabulary is None or _vocabulary[0] != state:
        _vocabulary = (state, Vocabulary())
    return _vocabulary[1]


def records_for(ids: list[int], vocabulary: Vocabulary | None = None) -> list[dict]:
    """The public records of these organisations, in the order of `ids`, read with a few plain
    queries (no model instances): the API and the exports serve thousands a second this way."""
    vocabulary = vocabulary or current_vocabulary()
    rows = {
        row["id"]: row for row in Organisation.objects.filter(pk__in=ids).values(*RECORD_FIELDS)
    }
    related = related_terms(ids)
    identifiers = defaultdict(dict)
    for organisation_id, scheme, value in Identifier.objects.filter(
        organisation_id__in=ids
    ).values_list("organisation_id", "scheme", "value"):
        identifiers[organisation_id][scheme] = value

    def codes(model, term_ids: list[int]) -> list[str]:
        return [vocabulary.code(model, pk) for pk in vocabulary.in_order(model, term_ids)]

    records = []
    now = timezone.now()
    for pk in ids:
        row = rows.get(pk)
        if row is None:
            continue
        confirmed = confirmed_at(row["confirmed_at"], row["source_updated_at"], row["created_at"])
        values = {
            **row,
            "sector": row["sector_id"],
            "legal_form": row["legal_form_id"],
            "services": related[pk]["service"],
            "audiences": related[pk]["audience"],
            "identifiers": identifiers[pk],
        }
        records.append({
            "id": pk,
            "url": organisation_url(pk, row["name"]),
            "name": row["name"],
            "short_description": {code: row[f"short_description_{code}"]
                                  for code in CONTENT_LANGUAGES},
            "description": {code: row[f"description_{code}"] for code in CONTENT_LANGUAGES},
            "original_language": row["original_language"],
            "legal_form": vocabulary.code(LegalForm, row["legal_form_id"]),
            "families": codes(Family, related[pk]["family"]),
            "roles": codes(Role, related[pk]["role"]),
            "sector": vocabulary.code(Sector, row["sector_id"]),
            "services": codes(Service, related[pk]["service"]),
            "audiences": codes(Audience, related[pk]["audience"]),
            "languages": list(row["languages"] or []),
            "territory": row["territory"] or None,
            "address": row["address"],
            "postal_code": row["postal_code"],
            "locality": row["locality"],
            "region": row["region"],
            "country": row["country"],
            "latitude": row["latitude"],
            "longitude": row["longitude"],
            "website": row["website"],
            "email": row["email"],
            "phone": row["phone"],
            "opening_hours": row["opening_hours"],
            "mediation": row["mediation"] or {},
            "identifiers": identifiers[pk],
            "founding_year": row["founding_year"],
            "size_band": row["size_band"] or None,
            "source": row["source"],
            "source_id": row["source_id"],
            "source_url": row["source_url"],
            "source_updated_at": _iso(row["source_updated_at"]),
            "quality": score(completeness(values), freshness(confirmed, now)),
            "confirmed_at": _iso(confirmed),
            "status": row["status"],
            "created_at": _iso(row["created_at"]),
            "updated_at": _iso(row["updated_at"]),
        })  # fmt: skip
    return records


def export_ids(query: SearchQuery | None) -> Iterator[list[int]]:
    """Ids of the organisations to export, in chunks: the whole atlas, or one search."""
    if query is None:
        last = 0
        published = Organisation.objects.filter(status=Status.PUBLISHED).order_by("pk")
        while chunk := list(published.filter(pk__gt=last).values_list("pk", flat=True)[:CHUNK]):
            last = chunk[-1]
            yield chunk
        return
    ids = get_index().matching_ids(query)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def export_organisations(query: SearchQuery | None) -> Iterator[Organisation]:
    """Published organisations in id order, fetched a chunk at a time (constant memory)."""
    for chunk in export_ids(query):
        found = Organisation.objects.with_facts().filter(status=Status.PUBLISHED).in_bulk(chunk)
        for pk in chunk:
            if pk in found:
                yield found[pk]


def export_records(query: SearchQuery | None) -> Iterator[dict]:
    """Public records of the published organisations in id order, a chunk at a time."""
    vocabulary = Vocabulary()
    for chunk in export_ids(query):
        for record in records_for(chunk, vocabulary):
            if record["status"] == Status.PUBLISHED:
                yield record


def licence() -> dict:
    return {
        "licence": settings.ESSAIM["DATA_LICENCE"],
        "licence_url": settings.ESSAIM["DATA_LICENCE_URL"],
        "generated_at": timezone.now().replace(microsecond=0).isoformat(),
        "publisher": settings.ESSAIM["SITE_NAME"],
    }


IDENTIFIER_SCHEMES = [scheme for scheme, _label in Identifier.Scheme.choices]
