"""One search for the whole platform: the home page's box answers with organisations,
alternatives to a tool, resources, events and opportunities, each group with its count and a
link to its full list."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from essaim.atlas.models import Organisation
from essaim.atlas.places import DEFAULT_RADIUS_KM, RADIUS_CHOICES
from essaim.atlas.queries import InvalidQuery, parse_search, place_in_words
from essaim.atlas.serving import serving_groups
from essaim.atlas.views import _finds_nothing, _without_unused_radius
from essaim.commons.filters import words_query
from essaim.commons.models import Event, Opportunity, Resource, Tool
from essaim.search.index import distance_km, get_index
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
    parsed = parse_search(params)
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


def _commons_group(key, title, queryset, text_fields, text, list_url, also_named=()):
    found = queryset.filter(words_query(text, text_fields, also_named))
    if also_named:
        found = found.distinct()
    return Group(key, title, found.count(), list(found[:SHOWN_PER_GROUP]),
                 f"{list_url}?{urlencode({'q': text})}")  # fmt: skip


def _events(words: str, parsed) -> Group:
    """Upcoming events about these words; with a place, those online or within reach."""
    events = Event.objects.upcoming().filter(words_query(words, ("title", "description")))
    place, query = parsed.place, parsed.query
    if place and place.kind != "locality":
        events = events.filter(Q(country=place.country) | Q(mode=Event.Mode.ONLINE))
    events = list(events.order_by("starts_at"))
    if place and query.near and query.radius_km:
        events = [
            event for event in events
            if event.mode != Event.Mode.ON_SITE or (
                event.has_coordinates and distance_km(*query.near, event.latitude, event.longitude)
                <= query.radius_km
            )
        ]  # fmt: skip
    url = f"{reverse('events')}?{urlencode({'q': words})}"
    return Group("events", _("Upcoming events"), len(events), events[:SHOWN_PER_GROUP], url)


def search_everything(request):
    text = request.GET.get("q", "").strip()
    context = {
        "typed": text, "error": None, "groups": [], "tools": [],
        "radius_choices": RADIUS_CHOICES,
        "radius": request.GET.get("radius_km", str(DEFAULT_RADIUS_KM))[:5],
    }  # fmt: skip
    params, words_typed = place_in_words(request.GET, _finds_nothing)
    params = _without_unused_radius(params)
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
        resources = Resource.objects.published()
        groups.append(
            _commons_group("resources", _("Resources"), resources, ("title", "summary", "body"),
                           words, reverse("resources"), also_named=("replaces__name",))
        )  # fmt: skip
        groups.append(_events(words, parsed))
        groups.append(
            _commons_group("opportunities", _("Opportunities"), Opportunity.objects.open(),
                           ("title", "description"), words, reverse("opportunities"))
        )  # fmt: skip
    context["groups"] = groups
    context["typed"] = words
    context["total"] = sum(group.total for group in groups) + sum(
        serving.total for serving in organisations.serving
    )
    if words and context["total"] == 0:
        context["suggestion"] = get_index().suggest(words)
    return render(request, "search.html", context)
