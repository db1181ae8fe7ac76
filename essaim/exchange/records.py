"""An organisation as open data: the one public record shared by the API and every export."""

from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone, translation

from essaim.atlas.models import CONTENT_LANGUAGES, Identifier, Organisation, Status
from essaim.search.index import SearchQuery, get_index

CHUNK = 500


def public_url(path: str) -> str:
    return settings.ESSAIM["PUBLIC_URL"].rstrip("/") + path


def organisation_url(org: Organisation) -> str:
    """The page of an organisation in the site's default language: a stable address for data."""
    with translation.override(settings.LANGUAGE_CODE):
        return public_url(org.get_absolute_url())


def organisation_record(org: Organisation) -> dict:
    """All public facts of an organisation; email and phone are those it published itself."""
    return {
        "id": org.pk,
        "url": organisation_url(org),
        "name": org.name,
        "short_description": {
            code: getattr(org, f"short_description_{code}") for code in CONTENT_LANGUAGES
        },
        "description": {code: getattr(org, f"description_{code}") for code in CONTENT_LANGUAGES},
        "original_language": org.original_language,
        "legal_form": org.legal_form.code if org.legal_form_id else None,
        "families": [term.code for term in org.families.all()],
        "roles": [term.code for term in org.roles.all()],
        "sector": org.sector.code if org.sector_id else None,
        "services": [term.code for term in org.services.all()],
        "audiences": [term.code for term in org.audiences.all()],
        "languages": list(org.languages),
        "territory": org.territory or None,
        "address": org.address,
        "postal_code": org.postal_code,
        "locality": org.locality,
        "region": org.region,
        "country": org.country.code,
        "latitude": org.latitude,
        "longitude": org.longitude,
        "website": org.website,
        "email": org.email,
        "phone": org.phone,
        "identifiers": {item.scheme: item.value for item in org.identifiers.all()},
        "founding_year": org.founding_year,
        "size_band": org.size_band or None,
        "source": org.source,
        "source_id": org.source_id,
        "source_url": org.source_url,
        "source_updated_at": org.source_updated_at.isoformat() if org.source_updated_at else None,
        "status": org.status,
        "created_at": org.created_at.isoformat(),
        "updated_at": org.updated_at.isoformat(),
    }


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


def licence() -> dict:
    return {
        "licence": settings.ESSAIM["DATA_LICENCE"],
        "licence_url": settings.ESSAIM["DATA_LICENCE_URL"],
        "generated_at": timezone.now().replace(microsecond=0).isoformat(),
        "publisher": settings.ESSAIM["SITE_NAME"],
    }


IDENTIFIER_SCHEMES = [scheme for scheme, _label in Identifier.Scheme.choices]
