"""The organisations endpoints: search with filters and cursors, one organisation, taxonomies,
and map clusters."""

import base64
import binascii
import json
from dataclasses import replace
from typing import Annotated
from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.renderers import JSONRenderer
from ninja.responses import Status as HttpStatus
from pydantic import Field, create_model

from essaim.atlas.gazetteer import towns_in
from essaim.atlas.models import CONTENT_LANGUAGES, Organisation, Status, Territory, pick_translation
from essaim.atlas.queries import SEARCH_PARAMETERS, InvalidQuery, parse_bbox, parse_search
from essaim.atlas.vocabulary import FACETS, TAXONOMY_MODELS
from essaim.core import answers
from essaim.core.converters import MAX_ID
from essaim.exchange.records import records_for
from essaim.search.geo import mercator
from essaim.search.index import MAX_HITS, get_index

from . import schemas

router = Router(tags=["organisations"])
JSON = JSONRenderer()
MAX_PAGE_SIZE = 500
API_SORTS = ("id", "relevance", "name", "updated", "distance")


def encode_cursor(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> dict:
    try:
        payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        payload = None
    if (
        not isinstance(payload, dict)
        or not all(isinstance(payload.get(key), int) and payload[key] >= 0 for key in payload)
        or payload.get("after", 0) > MAX_ID
        or not payload.keys() <= {"after", "offset"}
        or not payload
    ):
        raise InvalidQuery("cursor", _("This cursor is not valid; start again without it."))
    return payload


def check_language(lang: str | None) -> str | None:
    if lang and lang not in CONTENT_LANGUAGES:
        raise InvalidQuery(
            "lang",
            _("Unknown language: %(value)s. Choose one of: %(choices)s.")
            % {"value": lang[:10], "choices": ", ".join(CONTENT_LANGUAGES)},
        )
    return lang


def with_language(record: dict, lang: str | None) -> dict:
    """Add the texts in `lang` (or their fallback) to a public record."""
    if lang:
        original = record["original_language"]
        short = pick_translation(record["short_description"], lang, original)
        long = pick_translation(record["description"], lang, original)
        record["localized"] = {
            "language": long.language if long.text else short.language,
            "is_fallback": short.is_fallback or long.is_fallback,
            "short_description": short.text,
            "description": long.text,
        }
    return record


# The search's parameters as `parse_search` reads them: declared from the same list, so that
# the OpenAPI document says what the code reads.
OrganisationFilters = create_model(
    "OrganisationFilters",
    __base__=Schema,
    **{
        parameter.name: (list[str], Field([], description=parameter.description))
        if parameter.several
        else (str | None, Field(None, description=parameter.description))
        for parameter in SEARCH_PARAMETERS
    },
)


class ClusterFilters(OrganisationFilters):
    bbox: str = Field(description="west,south,east,north in degrees (required).")


@router.get(
    "/organisations",
    response={200: schemas.OrganisationPage, 400: schemas.Error},
    url_name="organisations",
    summary="Search organisations",
)
def list_organisations(
    request,
    filters: Query[OrganisationFilters],
    # Empty is the default order, as a form's empty choice sends it.
    sort: Annotated[str | None, Field(json_schema_extra={"enum": ["", *API_SORTS]})] = None,
    lang: schemas.LanguageCode = None,
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: str | None = None,
    facets: str | None = None,
) -> HttpResponse:
    """Organisations matching `q` (full text, accents and case folded, prefixes match) and the
    filters (several values of one filter: any of them; several filters: all of them).

    `bbox` is `west,south,east,north`; `near` is `latitude,longitude` (or a place name), with
    `radius_km`; `where` is a town, region or country typed as people write it. Words are
    matched as typed, as prefixes, by their stem in each of the four languages, and with one
    or two letters wrong (ranked below).
    `facets=sector,country` adds the count of matches for each value of those facets (a facet
    with a selected value is counted as if it had none, to show the alternatives). Over very
    many matches the facet counts are estimates, and `facets_approximate` is true.
    Sorted by `id` by default (by relevance with `q`). With `sort=id` the cursor is a position
    in the data, so pages stay stable while organisations are added or changed: use it with
    `updated_since` to stay in sync. Other sorts page by position in the results.
    """
    return remembered_answer(
        request,
        "organisations",
        lambda: _organisation_page(request, lang, page_size, cursor, facets),
        schemas.OrganisationPage,
    )


def remembered_answer(
    request, name: str, compute, schema, exclude_none: bool = False
) -> HttpResponse:
    """The answer for this request, validated against its schema and rendered once per state
    of the search index: every change to a published organisation commits the index (see
    `actions`), so it is never stale, and a remembered answer costs no validation either."""
    key = (
        "api",
        name,
        request.get_host(),
        request.is_secure(),
        translation.get_language(),
        tuple(sorted((key, tuple(values)) for key, values in request.GET.lists())),
    )

    def render() -> bytes:
        data = schema.model_validate(compute()).model_dump(exclude_none=exclude_none)
        return JSON.render(request, data, response_status=200)

    content = answers.remembered(key, render)
    return HttpResponse(content, content_type=f"{JSON.media_type}; charset={JSON.charset}")


def _organisation_page(request, lang, page_size, cursor, facets):
    check_language(lang)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidQuery(
            "page_size", _("page_size must be between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE}
        )
    # A place name found in several countries goes to the one of `lang` (or the request's).
    with translation.override(lang or translation.get_language()):
        parsed = parse_search(request.GET, sorts=API_SORTS)
    query = parsed.query
    if "sort" not in parsed.params and query.sort == "name":
        query.sort = "id"
    position = decode_cursor(cursor) if cursor else {}
    if query.sort == "id":
        if "offset" in position:
            raise InvalidQuery("cursor", _("This cursor is not valid; start again without it."))
        query.after_id = position.get("after")
    else:
        if "after" in position:
            raise InvalidQuery("cursor", _("This cursor is not valid; start again without it."))
        query.offset = position.get("offset", 0)
        if query.offset >= MAX_HITS:
            raise InvalidQuery(
                "cursor",
                _(
                    "Sorted this way, results can be read up to the %(max)d-th: narrow the "
                    "search, or sort by id (sort=id) to read them all."
                )
                % {"max": MAX_HITS},
            )
    query.limit = min(page_size, MAX_HITS - query.offset)
    query.facets = parse_facet_names(facets)
    result = get_index().search(query)
    results = []
    for record in records_for(result.ids):
        with_language(record, lang)
        distance = result.distances.get(record["id"])
        record["distance_km"] = round(distance, 3) if distance is not None else None
        results.append(record)
    has_more = len(result.ids) == page_size and (
        query.sort == "id"
        and result.total > page_size
        or query.sort != "id"
        and query.offset + page_size < min(result.total, MAX_HITS)
    )
    next_cursor = None
    if has_more:
        next_cursor = encode_cursor(
            {"after": result.ids[-1]}
            if query.sort == "id"
            else {"offset": query.offset + page_size}
        )
    next_url = None
    if next_cursor:
        params = [
            (key, value) for key, value in request.GET.lists() if key != "cursor" for value in value
        ]
        next_url = request.build_absolute_uri(
            request.path + "?" + urlencode([*params, ("cursor", next_cursor)])
        )
    # With a cursor on ids, `count` is what remains after the cursor; say the full count.
    count = (
        result.total
        if query.sort != "id" or query.after_id is None
        else (get_index().search(_without_cursor(query)).total)
    )
    return {
        "count": count,
        "next_cursor": next_cursor,
        "next": next_url,
        "results": results,
        "facets": {
            name: [{"code": code, "count": number} for code, number in counts]
            for name, counts in result.facets.items()
        }
        if query.facets
        else None,
        "facets_approximate": result.facets_approximate,
    }


def parse_facet_names(raw: str | None) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip() for name in (raw or "").split(",") if name.strip()))
    for name in names:
        if name not in FACETS:
            raise InvalidQuery(
                "facets",
                _("Unknown facet: %(value)s. Choose among: %(choices)s.")
                % {"value": name[:30], "choices": ", ".join(FACETS)},
            )
    return names


def _without_cursor(query):
    return replace(query, after_id=None, limit=0, facets=())


@router.get(
    "/organisations/{organisation_id}",
    response={200: schemas.Organisation, 404: schemas.Error, 400: schemas.Error},
    url_name="organisation",
    summary="One organisation",
)
def get_organisation(
    request, organisation_id: schemas.RecordId, lang: schemas.LanguageCode = None
) -> dict | HttpStatus:
    check_language(lang)
    records = records_for([organisation_id])
    if not records or records[0]["status"] == Status.HIDDEN:
        return HttpStatus(404, {"detail": _("No organisation with this id."), "parameter": None})
    return with_language(records[0], lang)


@router.get(
    "/taxonomies",
    response=schemas.Taxonomies,
    url_name="taxonomies",
    summary="Codes and labels of every taxonomy",
)
def taxonomies(request) -> dict:
    """The codes the filters accept, with their labels in French, English, Italian and Spanish."""
    data = {}
    for kind, model in TAXONOMY_MODELS.items():
        data[kind] = [
            {"code": term.code, "labels": term.labels(), "color": getattr(term, "color", None)}
            for term in model.objects.all()
        ]
    territories = []
    for value, label in Territory.choices:
        labels = {}
        for code in CONTENT_LANGUAGES:
            with translation.override(code):
                labels[code] = str(label)
        territories.append({"code": value, "labels": labels})
    data["territory"] = territories
    return data


@router.get(
    "/map/clusters",
    response={200: schemas.ClusterCollection, 400: schemas.Error},
    url_name="map_clusters",
    summary="Map clusters for a viewport",
    exclude_none=True,
)
def map_clusters(
    request,
    filters: Query[ClusterFilters],
    zoom: Annotated[int, Field(ge=0, le=20)] = 0,
    lang: schemas.LanguageCode = None,
) -> HttpResponse:
    """Organisations in `bbox` (required) grouped on a grid for `zoom` (0–20), with the same
    filters as the search: at most 500 features, never every point. A cluster of one gives the
    organisation's page, in `lang` when given."""
    return remembered_answer(
        request,
        "clusters",
        lambda: _clusters(request, zoom, lang),
        schemas.ClusterCollection,
        exclude_none=True,
    )


def _clusters(request, zoom: int, lang: str | None):
    check_language(lang)
    if not 0 <= zoom <= 20:
        raise InvalidQuery("zoom", _("zoom must be between 0 and 20."))
    if not request.GET.get("bbox"):
        raise InvalidQuery("bbox", _("bbox is required."))
    parsed = parse_search(request.GET)
    clusters = get_index().clusters(parsed.query, zoom)
    single_ids = [cluster.organisation_id for cluster in clusters if cluster.organisation_id]
    singles = Organisation.objects.select_related("sector").in_bulk(single_ids)
    features = []
    for cluster in clusters:
        properties = {
            "count": cluster.count,
            "same_place": cluster.same_place or None,
            "estimated": cluster.estimated or None,
        }
        org = singles.get(cluster.organisation_id)
        if org:
            with translation.override(lang or translation.get_language()):
                url = org.get_absolute_url()
            properties.update(
                id=org.pk,
                name=org.name,
                url=url,
                sector=org.sector.code if org.sector_id else None,
                color=org.sector.color if org.sector_id else None,
                locality=org.locality or None,
                approximate=org.latitude is None or None,
            )
        features.append(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": {"type": "Point", "coordinates": [cluster.longitude, cluster.latitude]},
            }
        )
    return {
        "type": "FeatureCollection",
        "total": sum(c.count for c in clusters),
        "estimated": any(c.estimated for c in clusters) or None,
        "features": features,
    }


def _uncluttered(towns: list, zoom: int) -> list:
    """The towns whose names do not run into a more populous one's (given most populous
    first): a name takes about 140 by 24 pixels to the right of its point."""
    world = 256 * 2**zoom
    taken: set[tuple[int, int]] = set()
    kept = []
    for town in towns:
        x, y = mercator(town.latitude, town.longitude)
        column, row = int(x * world // 70), int(y * world // 24)
        if any((column + step, row + lift) in taken for step in (-2, -1, 0, 1, 2)
               for lift in (-1, 0, 1)):  # fmt: skip
            continue
        taken.add((column, row))
        kept.append(town)
        if len(kept) == MAX_TOWNS:
            break
    return kept


# Towns named on the basemap at each zoom: at least this many inhabitants (zoom: population).
TOWN_POPULATION_BY_ZOOM = {4: 1_000_000, 5: 500_000, 6: 200_000, 7: 80_000, 8: 30_000,
                           9: 12_000, 10: 5_000}  # fmt: skip
MAX_TOWNS = 120


@router.get(
    "/map/places",
    response={200: schemas.TownCollection, 400: schemas.Error},
    url_name="map_places",
    summary="Towns to name on the basemap",
)
def map_places(
    request,
    response: HttpResponse,
    bbox: Annotated[str, Field(description="west,south,east,north in degrees.")],
    zoom: Annotated[int, Field(ge=0, le=20)] = 0,
) -> dict:
    """The most populous towns in `bbox`, fewer the wider the view (at most 120), from the
    offline GeoNames extract: the basemap names them so that a visitor knows where they are."""
    west, south, east, north = parse_bbox(bbox)
    threshold = TOWN_POPULATION_BY_ZOOM.get(min(max(zoom, 4), 11), 1000)
    towns = _uncluttered(towns_in(west, south, east, north, threshold, MAX_TOWNS * 5), zoom)
    # The extract changes only with Essaim's version: browsers may keep the answer a day.
    response["Cache-Control"] = "public, max-age=86400"
    return {"places": [
        {"name": town.name, "latitude": town.latitude, "longitude": town.longitude,
         "population": town.population} for town in towns]}  # fmt: skip
