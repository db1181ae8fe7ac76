"""Who serves a place from further away: beside the organisations within the radius of a
town, those that serve its region, its whole country, Europe or work remotely — a provider
with a national service answers a rural association as well as one three streets away."""

from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from essaim.search.index import SearchQuery, get_index

from .models import Organisation, Territory
from .places import Place
from .vocabulary import FACETS

SHOWN_PER_GROUP = 3


@dataclass
class ServingGroup:
    title: str
    total: int
    organisations: list
    # The atlas list's filters for the whole group.
    params: dict[str, list[str]]


def _group(query: SearchQuery, params: dict, title: str, filters: dict) -> ServingGroup | None:
    # The visitor's own filters (not those the place adds), and the group's.
    own = {name: codes for name, codes in params.items() if name in FACETS}
    wider = replace(
        query,
        filters={**own, **filters},
        near=None,
        radius_km=None,
        outside=(*query.near, query.radius_km) if query.near and query.radius_km else None,
        sort="relevance" if query.text else "name",
        offset=0,
        limit=SHOWN_PER_GROUP,
        facets=(),
    )
    result = get_index().search(wider)
    if not result.total:
        return None
    link = {key: values for key, values in params.items()
            if key not in ("where", "near", "radius_km", "sort", "page")}  # fmt: skip
    return ServingGroup(
        title=title,
        total=result.total,
        organisations=Organisation.objects.in_order(result.ids),
        params={**link, **filters},
    )


def serving_groups(query: SearchQuery, params: dict, place: Place) -> list[ServingGroup]:
    """The groups that serve `place` from beyond the search's own area, each with its first
    few organisations, its count and the filters that list it whole."""
    if query.filters.get("territory"):  # the visitor chose the territory themselves
        return []
    groups = []
    if place.kind == "locality" and place.region:
        groups.append(
            _group(
                query, params, _("Serving %(region)s") % {"region": place.region},
                {"territory": [Territory.REGIONAL], "region": [place.region],
                 "country": [place.country]},
            )
        )  # fmt: skip
    if place.kind in ("locality", "region"):
        groups.append(
            _group(
                query, params,
                _("Serving all of %(country)s") % {"country": place.country_name},
                {"territory": [Territory.NATIONAL], "country": [place.country]},
            )
        )  # fmt: skip
    groups.append(
        _group(
            query, params,
            _("Working remotely or across Europe"),
            {"territory": [Territory.EUROPEAN, Territory.REMOTE]},
        )
    )  # fmt: skip
    return [group for group in groups if group]
