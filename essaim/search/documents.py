"""What the search index knows of an organisation: its words, facet codes and place."""

import math

from django.utils import translation

from essaim.atlas.models import CONTENT_LANGUAGES, Organisation, Status

# Facet name -> how to read its codes from an organisation. The names are the public filter
# names of the pages and the API.
FACETS = {
    "family": lambda org: [item.code for item in org.families.all()],
    "sector": lambda org: [org.sector.code] if org.sector_id else [],
    "service": lambda org: [item.code for item in org.services.all()],
    "legal_form": lambda org: [org.legal_form.code] if org.legal_form_id else [],
    "country": lambda org: [org.country.code] if org.country else [],
    "region": lambda org: [org.region] if org.region else [],
    "language": lambda org: list(org.languages),
    "territory": lambda org: [org.territory] if org.territory else [],
    "role": lambda org: [item.code for item in org.roles.all()],
    "audience": lambda org: [item.code for item in org.audiences.all()],
}


def mercator(latitude: float, longitude: float) -> tuple[float, float]:
    """Web Mercator position in [0, 1]², as map tiles count it (y grows southwards)."""
    x = (longitude + 180.0) / 360.0
    sin_lat = math.sin(math.radians(max(min(latitude, 85.0511), -85.0511)))
    y = 0.5 - math.log((1 + sin_lat) / (1 - sin_lat)) / (4 * math.pi)
    return x, y


def sort_key(name: str) -> str:
    from .index import fold

    return " ".join(fold(name))[:120]


def searchable_text(org: Organisation) -> list[str]:
    parts = [org.locality, org.region, org.postal_code]
    for language in CONTENT_LANGUAGES:
        parts.append(getattr(org, f"short_description_{language}"))
        parts.append(getattr(org, f"description_{language}"))
    taxonomies = [*org.families.all(), *org.services.all(), *org.audiences.all(), *org.roles.all()]
    if org.sector_id:
        taxonomies.append(org.sector)
    if org.legal_form_id:
        taxonomies.append(org.legal_form)
    for term in taxonomies:
        parts.extend(term.labels().values())
    for language in CONTENT_LANGUAGES:
        with translation.override(language):
            parts.append(str(org.country.name))
    return [part for part in parts if part]


def document_for(org: Organisation) -> dict | None:
    """The index entry of an organisation, or None when it must not be found by visitors."""
    if org.status != Status.PUBLISHED:
        return None
    document = {
        "id": org.pk,
        "name": org.name,
        "name_key": sort_key(org.name),
        "body": searchable_text(org),
        "updated": int(org.updated_at.timestamp() * 1_000_000),  # microseconds
        "facets": {name: read(org) for name, read in FACETS.items()},
    }
    if org.has_coordinates:
        x, y = mercator(org.latitude, org.longitude)
        document.update(lat=org.latitude, lon=org.longitude, x=x, y=y)
    return document
