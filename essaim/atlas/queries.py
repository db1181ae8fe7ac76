"""Reading a search from URL parameters — the same rules for the pages, the API and the exports.

A bad value raises `InvalidQuery` with a translated message naming the parameter; it never
reaches the index.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from essaim.core.dates import parse_moment
from essaim.core.text import control_character_error
from essaim.search.index import SearchQuery, get_index

from .models import Organisation, Territory
from .places import (
    DEFAULT_RADIUS_KM,
    MAX_RADIUS_KM,
    Place,
    PlaceNotFound,
    place_near,
    resolve_place,
    split_place,
    trailing_place,
)
from .quality import quality_thresholds
from .vocabulary import (
    FACETS,
    TAXONOMY_MODELS,
)

MAX_QUERY_LENGTH = 200
MAX_VALUES_PER_FILTER = 50


@dataclass(frozen=True)
class SearchParameter:
    """A URL parameter of a search: `parse_search` reads it, the API declares it (and so the
    OpenAPI document) from here."""

    name: str
    description: str
    several: bool = False  # a filter: several values mean any of them


_FACET_VALUES = {
    "country": "ISO 3166-1 alpha-2 codes (FR, BE…)",
    "region": "Region codes, as the records give them",
    "language": "ISO 639-1 codes of the languages spoken (fr, it…)",
    "territory": "Territories served: " + ", ".join(Territory.values),
}
SEARCH_PARAMETERS = (
    SearchParameter("q", "Words, as people type them (200 characters at most)."),
    *(
        SearchParameter(
            name,
            _FACET_VALUES.get(name, "Codes from /taxonomies") + ": any of them.",
            several=True,
        )
        for name in FACETS
    ),  # fmt: skip
    SearchParameter("bbox", "west,south,east,north in degrees."),
    SearchParameter("near", "latitude,longitude in degrees, or a place name as for `where`."),
    SearchParameter(
        "where",
        'A town, region or country, in any of the four languages ("Arras", "Hauts de '
        'France", "Belgio"); "Name, Region" or "Name, Country" when several places share a '
        "name (an ambiguous name is a 400 listing them). A town searches within `radius_km` "
        "(30 by default), a region or a country filters on it.",
    ),  # fmt: skip
    SearchParameter("radius_km", "1 to 500 km, around `near` or a town."),
    SearchParameter("updated_since", "Changed at or after this moment (ISO 8601)."),
    SearchParameter("quality_min", "0 to 100: the quality and freshness score at least."),
)
SORT_LABELS = {
    "relevance": gettext_lazy("Relevance"),
    "name": gettext_lazy("Name"),
    "updated": gettext_lazy("Last updated"),
    "distance": gettext_lazy("Distance"),
}
FACET_LABELS = {
    "family": gettext_lazy("ESS family"),
    "sector": gettext_lazy("Sector"),
    "service": gettext_lazy("Service offered"),
    "legal_form": gettext_lazy("Legal form"),
    "country": gettext_lazy("Country"),
    "region": gettext_lazy("Region"),
    "language": gettext_lazy("Language"),
    "territory": gettext_lazy("Territory served"),
    "role": gettext_lazy("Role"),
    "audience": gettext_lazy("Audience"),
}
# The facets shown beside the list, in this order.
PAGE_FACETS = (
    "sector",
    "family",
    "service",
    "legal_form",
    "country",
    "region",
    "language",
    "territory",
)


class InvalidQuery(ValueError):
    def __init__(self, parameter: str, message: str, candidates: list[Place] | None = None):
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        # The places an ambiguous `where` may mean, for the visitor to choose from (pages list
        # them under `short`; the API's message names them).
        self.candidates = candidates or []
        self.short = message


@dataclass
class ParsedSearch:
    query: SearchQuery
    # What the visitor asked for, to show it back and build links.
    params: dict[str, list[str]]
    # The place searched around (typed, or the locality nearest to `near`), and the other
    # places its name could have meant.
    place: Place | None = None
    other_places: list[Place] = field(default_factory=list)


def _floats(parameter: str, raw: str, count: int) -> list[float]:
    parts = raw.split(",")
    try:
        values = [float(part) for part in parts]
    except ValueError:
        values = []
    if len(values) != count or not all(math.isfinite(value) for value in values):
        raise InvalidQuery(
            parameter,
            _("%(parameter)s must be %(count)d numbers separated by commas.")
            % {"parameter": parameter, "count": count},
        )
    return values


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    west, south, east, north = _floats("bbox", raw, 4)
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south < north <= 90):
        raise InvalidQuery(
            "bbox", _("bbox must be west,south,east,north in degrees, with south below north.")
        )
    return west, south, east, north


def parse_near(raw: str) -> tuple[float, float]:
    latitude, longitude = _floats("near", raw, 2)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidQuery("near", _("near must be latitude,longitude in degrees."))
    return latitude, longitude


def is_point(raw: str) -> bool:
    """Whether `near` was given as numbers (latitude,longitude) rather than a place name."""
    parts = raw.split(",")
    return len(parts) == 2 and all(part.strip().lstrip("+-").replace(".", "", 1).isdigit()
                                   for part in parts)  # fmt: skip


def parse_where(parameter: str, raw: str, within: list[str]) -> tuple[Place, list[Place]]:
    """The place typed in `where` (or `near`), within the country filter if there is one."""
    try:
        choice = resolve_place(raw, tuple(within))
    except PlaceNotFound as error:
        message = error.message
        if error.candidates:
            message += " " + _("Add its region or country after a comma: %(examples)s.") % {
                "examples": "; ".join(place.label for place in error.candidates[:5])
            }
        invalid = InvalidQuery(parameter, message, error.candidates)
        invalid.short = error.message
        raise invalid from error
    return choice.place, choice.others


def _check_codes(name: str, codes: list[str]) -> None:
    if len(codes) > MAX_VALUES_PER_FILTER:
        raise InvalidQuery(name, _("Too many values for %(parameter)s.") % {"parameter": name})
    if name in TAXONOMY_MODELS:
        known = set(
            TAXONOMY_MODELS[name].objects.filter(code__in=codes).values_list("code", flat=True)
        )
    elif name == "country":
        known = {code for code in codes if code in countries}
    elif name == "territory":
        known = {code for code in codes if code in Territory.values}
    elif name == "language":
        known = {code for code in codes if len(code) == 2 and code.isalpha() and code.islower()}
    else:  # region: free text, bounded
        known = {code for code in codes if 0 < len(code) <= 120}
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InvalidQuery(
            name,
            _("Unknown value for %(parameter)s: %(value)s.")
            % {"parameter": name, "value": unknown[0][:60]},
        )


def parse_datetime_param(parameter: str, raw: str) -> datetime:
    """An ISO 8601 date or date-time; an impossible one is refused like a malformed one."""
    value = parse_moment(raw)
    if value is None:
        raise InvalidQuery(
            parameter,
            _("%(parameter)s must be a date or date-time in ISO 8601 format.")
            % {"parameter": parameter},
        )
    return value


def parse_search(
    params: QueryDict,
    sorts: tuple[str, ...] = ("relevance", "name", "updated", "distance"),
    *,
    for_pages: bool = False,
) -> ParsedSearch:
    """Read q, the facet filters, bbox, near, where and radius_km, updated_since, quality_min
    and sort. `for_pages`: a radius without a town is left aside (the forms always send one)
    rather than refused."""
    kept: dict[str, list[str]] = {}
    for name, values in params.lists():
        for value in values:
            # A NUL cannot even be sent to PostgreSQL; no parameter needs a control character.
            if reason := control_character_error(value):
                raise InvalidQuery(name[:40], reason)
    text = params.get("q", "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidQuery(
            "q",
            _("The search text is too long (%(max)d characters at most).")
            % {"max": MAX_QUERY_LENGTH},
        )
    if text:
        kept["q"] = [text]
    filters = {}
    for name in FACETS:
        codes = [code.strip() for code in params.getlist(name) if code.strip()]
        if codes:
            _check_codes(name, codes)
            filters[name] = codes
            kept[name] = codes
    query = SearchQuery(text=text, filters=filters)
    if raw := params.get("bbox", "").strip():
        query.bbox = parse_bbox(raw)
        kept["bbox"] = [raw]
    place, other_places = None, []
    countries_filtered = filters.get("country", [])
    if raw := params.get("near", "").strip():
        if is_point(raw):
            query.near = parse_near(raw)
            place = place_near(*query.near)
        else:  # a place name: the API's `near` takes one too
            place, other_places = parse_where("near", raw, countries_filtered)
        kept["near"] = [raw]
    elif raw := params.get("where", "").strip():
        if is_point(raw):  # a position from the browser ("around me"): like a town
            query.near = parse_near(raw)
            query.radius_km = DEFAULT_RADIUS_KM
            place = place_near(*query.near)
        else:
            place, other_places = parse_where("where", raw, countries_filtered)
        kept["where"] = [raw]
    if raw := params.get("radius_km", "").strip():
        if query.near or (place and place.kind == "locality"):
            (radius,) = _floats("radius_km", raw, 1)
            if not 1 <= radius <= MAX_RADIUS_KM:
                raise InvalidQuery(
                    "radius_km",
                    _("radius_km must be between 1 and %(max)d kilometres.")
                    % {"max": MAX_RADIUS_KM},
                )
            query.radius_km = radius
            kept["radius_km"] = [raw]
        elif not for_pages:
            raise InvalidQuery("radius_km", _("radius_km needs near or a town in where."))
        # The pages' forms always send their radius: without a town it means nothing.
    if place and not query.near:
        _search_in(query, place)
    if raw := params.get("updated_since", "").strip():
        query.updated_since = parse_datetime_param("updated_since", raw)
        kept["updated_since"] = [raw]
    if raw := params.get("quality_min", "").strip():
        if not raw.isdigit() or not 0 <= int(raw) <= 100:
            raise InvalidQuery(
                "quality_min", _("quality_min must be a whole number from 0 to 100.")
            )
        query.thresholds = quality_thresholds(int(raw))
        kept["quality_min"] = [raw]
    sort = params.get("sort", "").strip()
    if sort:
        if sort not in sorts:
            raise InvalidQuery(
                "sort",
                _("Unknown sort: %(value)s. Choose one of: %(choices)s.")
                % {"value": sort[:30], "choices": ", ".join(sorts)},
            )
        if sort == "distance" and not query.near:
            raise InvalidQuery("sort", _("Sorting by distance needs near."))
        kept["sort"] = [sort]
    else:
        sort = "relevance" if text else ("distance" if query.near else "name")
    query.sort = sort
    return ParsedSearch(query=query, params=kept, place=place, other_places=other_places)


def _search_in(query: SearchQuery, place: Place) -> None:
    """Narrow `query` to a place: around a town, within a region or a country."""
    if place.kind == "locality":
        query.near = place.point
        query.radius_km = query.radius_km or DEFAULT_RADIUS_KM
    elif place.kind == "region":
        query.filters["region"] = [place.region]
        query.filters["country"] = [place.country]
    else:
        query.filters["country"] = [place.country]


def words_find_nothing(params: QueryDict) -> bool:
    """Whether the words of a search, by themselves (no meaning, no place), match nothing."""
    try:
        parsed = parse_search(params, for_pages=True)
    except InvalidQuery:
        return False
    query = replace(parsed.query, limit=0, sort="name", facets=())
    return get_index().search(query).total == 0


def place_in_words(
    params: QueryDict, finds_nothing: Callable[[QueryDict], bool] = words_find_nothing
) -> tuple[QueryDict, str]:
    """The parameters with a place written in the search words moved to `where`, and the
    words as typed ("" when nothing moved). "médiateur près d'Arras" always moves; a trailing
    place without "near" ("formazione digitale Bologna") only when the words alone find
    nothing (`words_find_nothing(params)`). `literal=1`, a place already given or a country
    filter keeps the words as they are."""
    text = params.get("q", "").strip()
    if not text or params.get("literal") or params.get("where") or params.get("near"):
        return params, ""
    words, place = split_place(text)
    if place:
        try:
            resolve_place(place)
        except PlaceNotFound:
            place = ""
    if not place and not params.get("country") and finds_nothing(params):
        found = trailing_place(text)
        if found:
            words, place = found[0], found[1].place.label
    if not place:
        return params, ""
    changed = params.copy()
    changed["q"], changed["where"] = words, place
    return changed, text


NAME_LOOKUP_LIMIT = 100  # characters of a typed name looked up: longer says nothing more


def organisations_named(text: str, limit: int = 8) -> list[str]:
    """The names of the published organisations closest to `text` (as prefixes, with
    typos: the search's words), best first: what a form proposes for a name typed."""
    text = " ".join(text[:NAME_LOOKUP_LIMIT].split())
    if not text or control_character_error(text):
        return []
    query = SearchQuery(text=text, limit=limit * 2, facets=(), words_only=True)
    ids = get_index().search(query).ids
    names = dict(Organisation.objects.published().filter(pk__in=ids).values_list("pk", "name"))
    return list(dict.fromkeys(names[pk] for pk in ids if pk in names))[:limit]
