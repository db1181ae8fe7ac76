"""The shapes of the API's answers, as published in its OpenAPI document."""

from typing import Annotated

from pydantic import BaseModel, Field, create_model

from essaim.atlas.kinds import TEXT_BY_LANGUAGE, Standard
from essaim.atlas.schema import FACTS
from essaim.core.converters import MAX_ID

# Answers are built from plain dicts, never ORM objects: plain pydantic models validate them
# without ninja's attribute resolver (a third of a search request's time otherwise).
Schema = BaseModel


# An id in a path: a positive integer the database can hold (a larger one is a 400, never a
# query that fails).
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]


# `lang`: the language of the `localized` texts; checked by the endpoints (so that the error
# lists the choices in the visitor's language), declared here for the OpenAPI document.
LanguageCode = Annotated[
    str | None,
    Field(
        description="Adds the texts in this language, with fallback.",
        json_schema_extra={"enum": ["fr", "en", "it", "es"]},
    ),
]


class Error(Schema):
    detail: str = Field(description="What went wrong, in plain words.")
    parameter: str | None = Field(None, description="The query parameter at fault, if any.")


class LanguageText(Schema):
    fr: str
    en: str
    it: str
    es: str


class Localized(Schema):
    language: str = Field(description="The language of the texts below.")
    is_fallback: bool = Field(description="True when the requested language was missing.")
    short_description: str
    description: str


def _fact_fields() -> dict:
    """The record's fields that are facts, each as its declaration says (atlas/schema.py)."""
    fields = {}
    for fact in FACTS.values():
        annotation = LanguageText if fact.json_type == TEXT_BY_LANGUAGE else fact.json_type
        # A standard's fields may be left out: `{}` then.
        default = {"default_factory": dict} if isinstance(fact, Standard) else {"default": ...}
        field = Field(**default, description=fact.description or None)
        fields.setdefault(fact.record_key, (annotation, field))
    return fields


# An organisation's public record, the same in the API and every export (exchange/records.py).
Organisation = create_model(
    "Organisation",
    __base__=Schema,
    id=(int, ...),
    url=(str, ...),
    **_fact_fields(),
    source=(str, ...),
    source_id=(str, ...),
    source_url=(str, ...),
    source_updated_at=(str | None, ...),
    quality=(int, Field(description="Quality and freshness score, 0 to 100: 70 % completeness "
                        "of the key facts, 30 % how recently the entry was confirmed (see "
                        "docs/quality.md).")),
    confirmed_at=(str | None, Field(description="Last confirmation: by the organisation, by its "
                                    "source, or its creation.")),
    status=(str, ...),
    created_at=(str, ...),
    updated_at=(str, ...),
    localized=(Localized | None, Field(None, description="Texts in the language asked with lang.")),
    distance_km=(float | None, Field(None, description="Distance from near, when given.")),
)  # fmt: skip


class FacetCount(Schema):
    code: str
    count: int


class OrganisationPage(Schema):
    count: int = Field(description="How many organisations match, in all.")
    next_cursor: str | None = Field(description="Pass as cursor to get the next page.")
    next: str | None = Field(description="The URL of the next page.")
    results: list[Organisation]
    facets: dict[str, list[FacetCount]] | None = Field(
        None, description="Counts per value of the facets asked for with `facets`."
    )
    facets_approximate: bool = Field(
        False, description="True when the facet counts are estimated from a sample."
    )


class Term(Schema):
    code: str
    labels: LanguageText
    color: str | None = None


class Taxonomies(Schema):
    family: list[Term]
    role: list[Term]
    sector: list[Term]
    service: list[Term]
    audience: list[Term]
    legal_form: list[Term]
    territory: list[Term]


class ClusterProperties(Schema):
    count: int
    id: int | None = Field(None, description="The organisation, when the cluster holds one.")
    name: str | None = None
    url: str | None = None
    sector: str | None = None
    color: str | None = None
    locality: str | None = None
    approximate: bool | None = Field(
        None,
        description="True when the organisation is known only by its region, placed at "
        "the region's centre.",
    )
    same_place: bool | None = Field(
        None,
        description="True when every organisation of the cluster has the same position: "
        "list them (with `bbox` around it) rather than zoom in.",
    )
    estimated: bool | None = Field(
        None, description="True when the count is estimated (see the collection's `estimated`)."
    )


class ClusterGeometry(Schema):
    type: str = "Point"
    coordinates: list[float]


class ClusterFeature(Schema):
    type: str = "Feature"
    geometry: ClusterGeometry
    properties: ClusterProperties


class ClusterCollection(Schema):
    type: str = "FeatureCollection"
    total: int = Field(description="Organisations in the box: the sum of the counts.")
    estimated: bool | None = Field(
        None,
        description="True when the view holds more than `ESSAIM_MAP_SAMPLE_ABOVE` "
        "organisations (100,000 by default): the clusters and their counts then come from a "
        "stable sixteenth of them, counts multiplied by sixteen.",
    )
    features: list[ClusterFeature]


class Town(Schema):
    name: str
    latitude: float
    longitude: float
    population: int


class TownCollection(Schema):
    places: list[Town]


class ChangeEntry(Schema):
    sequence: int = Field(description="Increases with every change; pass the last one as since.")
    organisation: int = Field(description="The organisation's id.")
    action: str = Field(
        description="`upsert`: fetch the organisation again; `delete`: remove it (deleted, "
        "hidden or archived)."
    )
    fields: list[str] = Field(description="The fields that changed.")
    at: str = Field(description="When, in ISO 8601.")


class ChangeFeed(Schema):
    changes: list[ChangeEntry]
    next_since: int = Field(description="Pass as since to get the changes after these.")
    next: str = Field(description="The URL of the changes after these.")


class FormErrors(Error):
    """An Error; when facts were refused, with the messages of each field."""

    errors: dict[str, list[str]] = Field(
        default_factory=dict, description="Messages per field (`__all__`: overall)."
    )


class SuggestionIn(Schema):
    organisation: RecordId | None = Field(
        None, description="The organisation to correct; none to propose a new one."
    )
    facts: dict = Field(
        description="Field values as in an organisation's record (taxonomies by code, "
        "`country` as ISO code, `languages` as a list, identifiers as `identifier_siret`…); "
        "for a correction, only the fields to change."
    )
    comment: str = Field("", description="For the moderators.", max_length=2000)


class SuggestionOut(Schema):
    id: int
    status: str
    created: bool = Field(description="False when the same suggestion was already pending.")


class FactsIn(Schema):
    facts: dict = Field(description="The fields to set, as for a suggestion.")


class Place(Schema):
    name: str
    region: str
    country: str
    latitude: float
    longitude: float
