"""schema.org JSON-LD: Organization with PostalAddress and GeoCoordinates."""

from essaim.atlas.models import CONTENT_LANGUAGES, Organisation

from .records import organisation_url

# The identifiers schema.org names; others go to `identifier` as PropertyValue.
SCHEMA_IDENTIFIERS = {"vat": "vatID"}


def language_values(item, field: str) -> list[dict]:
    """A text in every language it has, as JSON-LD language-tagged values."""
    return [
        {"@value": value, "@language": code}
        for code in CONTENT_LANGUAGES
        if (value := getattr(item, f"{field}_{code}"))
    ]


def organisation_jsonld(org: Organisation, url: str | None = None) -> dict:
    node = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": url or organisation_url(org.pk, org.name),
        "name": org.name,
        "url": org.website or url or organisation_url(org.pk, org.name),
    }
    if descriptions := language_values(org, "short_description"):
        node["disambiguatingDescription"] = descriptions
    if descriptions := language_values(org, "description"):
        node["description"] = descriptions
    address = {"@type": "PostalAddress", "addressCountry": org.country.code}
    for key, value in (
        ("streetAddress", org.address),
        ("postalCode", org.postal_code),
        ("addressLocality", org.locality),
        ("addressRegion", org.region),
    ):
        if value:
            address[key] = value
    node["address"] = address
    if org.has_coordinates:
        node["location"] = {
            "@type": "Place",
            "geo": {
                "@type": "GeoCoordinates",
                "latitude": org.latitude,
                "longitude": org.longitude,
            },
        }
    if org.email:
        node["email"] = org.email
    if org.phone:
        node["telephone"] = org.phone
    if org.opening_hours:
        node["openingHours"] = org.opening_hours
    if org.founding_year:
        node["foundingDate"] = str(org.founding_year)
    if org.legal_form_id:
        node["legalName"] = org.name
        node["additionalType"] = org.legal_form.label_en
    if org.languages:
        node["knowsLanguage"] = list(org.languages)
    identifiers = []
    for item in org.identifiers.all():
        if item.scheme in SCHEMA_IDENTIFIERS:
            node[SCHEMA_IDENTIFIERS[item.scheme]] = item.value
        else:
            identifiers.append(
                {"@type": "PropertyValue", "propertyID": item.scheme.upper(), "value": item.value}
            )
    if identifiers:
        node["identifier"] = identifiers
    services = [term.label_en for term in org.services.all()]
    if services:
        node["knowsAbout"] = services
    node["dateModified"] = org.updated_at.isoformat()
    return node
