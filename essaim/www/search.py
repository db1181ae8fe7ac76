"""One search for the whole platform: the home page's box answers with organisations,
alternatives to a tool, resources, events and opportunities, each group with its count and a
link to its full list."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from essaim.atlas.models import Organisation
from essaim.atlas.places import DEFAULT_RADIUS_KM, RADIUS_CHOICES
from essaim.atlas.queries import InvalidQuery, parse_search, place_in_words
from essaim.atlas.serving import serving_groups
from essaim.commons.filters import EventFilters, OpportunityFilters, ResourceFilters
from essaim.commons.models import Event, Opportunity, Resource, Tool
from essaim.search.index import get_index
from essaim.search.text import fold, meaningful_words

SHOWN_PER_GROUP = 5


@dataclass
class Group:
    key: str
    title: str
    total: int
    items: list
    url: str
    # Organisations that serve the place searched from further away (see atlas.serving).
    serving: list = field(default_factory=list)


def _organisations(params: QueryDict) -> tuple[Group, object]:
    parsed = parse_search(params, for_pages=True)
    query = parsed.query
    if parsed.place and query.near and "sort" not in parsed.params:
        query.sort = "distance"
    query.limit = SHOWN_PER_GROUP
    result = get_index().search(query)
    organisations = Organisation.objects.in_order(result.ids)
    for org in organisations:
        org.distance_km = result.distances.get(org.pk)
        org.by_meaning = org.pk in result.by_meaning
    url = reverse("atlas-list") + "?" + params.urlencode()
    group = Group("organisations", _("Organisations"), result.total, organisations, url)
    group.serving = serving_groups(query, parsed.params, parsed.place) if parsed.place else []
    return group, parsed


def _tools(text: str) -> list[Tool]:
    """Big platforms' tools named by the search ("Google Drive", "drive", "whatsapp"), which
    have alternatives."""
    words = [word for raw in meaningful_words(text) for word in fold(raw)]
    if not words:
        return []
    published = Resource.objects.published().filter(kind=Resource.Kind.ALTERNATIVE)
    tools = Tool.objects.filter(alternatives__in=published).distinct()
    return [tool for tool in tools if all(word in " ".join(fold(tool.name)) for word in words)
            or " ".join(fold(tool.name)) in " ".join(words)]  # fmt: skip


# The platform's own tools, found by what people call them in the four languages (folded
# beginnings of words): "maturité", "autodiagnostic", "autovalutazione", "fragilidad"…
TOOL_PAGES = (
    ("diagnostic", ("diagnos", "autodiagnos", "maturi", "madur", "matur")),
    (
        "self-check",
        (
            "autodiagnos",
            "self-check",
            "selfcheck",
            "autovalut",
            "autoevalu",
            "autoeval",
            "competen",
            "skill",
        ),
    ),
    ("fragility", ("fragil", "illectron", "exclusion", "mediat", "mediac", "mediaz")),
)


def _tool_pages(text: str) -> list[str]:
    """The URL names of the platform's tools the words ask for."""
    words = [word for raw in meaningful_words(text) for word in fold(raw)]
    return [name for name, stems in TOOL_PAGES
            if any(word.startswith(stem) for word in words for stem in stems)]  # fmt: skip


def _commons_group(key: str, title, filters_class, queryset, data: dict, list_url: str) -> Group:
    """One kind of the commons, read with its own list's filters (words, and the place for
    events and opportunities): the count and the link are those of that list."""
    query = QueryDict(mutable=True)
    for name, value in data.items():
        if value and name in filters_class.base_fields:
            query[name] = value
    filters = filters_class(query, queryset)
    if not filters.is_valid():
        return Group(key, title, 0, [], list_url)
    found = filters.narrow()
    return Group(key, title, found.count(), list(found[:SHOWN_PER_GROUP]),
                 f"{list_url}?{filters.query_string()}")  # fmt: skip


def search_everything(request) -> HttpResponseBase:
    text = request.GET.get("q", "").strip()
    context = {
        "typed": text, "error": None, "groups": [], "tools": [],
        "radius_choices": RADIUS_CHOICES,
        "radius": request.GET.get("radius_km", str(DEFAULT_RADIUS_KM))[:5],
    }  # fmt: skip
    params, words_typed = place_in_words(request.GET)
    try:
        organisations, parsed = _organisations(params)
    except InvalidQuery as error:
        context.update(error=error, where=request.GET.get("where", ""), search_params=params)
        return render(request, "search.html", context, status=400)
    words = parsed.query.text
    context.update(
        where=parsed.place.label if parsed.place else "",
        place=parsed.place,
        words_typed=words_typed,
        literal_query=urlencode({"q": words_typed, "literal": "1"}),
        search_params=params,
    )
    groups = [organisations]
    if words:
        context["tools"] = _tools(words)
        context["tool_pages"] = _tool_pages(words)
        data = {"q": words, "where": params.get("where", ""),
                "radius_km": params.get("radius_km", "")}  # fmt: skip
        groups += [
            _commons_group("resources", _("Resources"), ResourceFilters,
                           Resource.objects.published(), data, reverse("resources")),
            _commons_group("events", _("Upcoming events"), EventFilters,
                           Event.objects.upcoming().order_by("starts_at"), data, reverse("events")),
            _commons_group("opportunities", _("Opportunities"), OpportunityFilters,
                           Opportunity.objects.open(), data, reverse("opportunities")),
        ]  # fmt: skip
    context["groups"] = groups
    context["typed"] = words
    # The groups serving the place from further away are offered beside, not counted: some of
    # them also sit in the place itself.
    context["total"] = sum(group.total for group in groups)
    if words and context["total"] == 0:
        context["suggestion"] = get_index().suggest(words)
    return render(request, "search.html", context)
