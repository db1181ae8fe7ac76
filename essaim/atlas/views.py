"""The atlas pages: home, the list with search and facets, an organisation, the map.

Every page works without JavaScript; with htmx, the list swaps only its results.
"""

import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpResponsePermanentRedirect,
    JsonResponse,
    QueryDict,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django_ratelimit.decorators import ratelimit

from essaim.commons.models import highlights
from essaim.contributions.actions import access_organisation_to_edit, check_edit, represents
from essaim.core.basemap import basemap_context
from essaim.core.fields import languages_named
from essaim.core.permissions import allows
from essaim.exchange.jsonld import organisation_jsonld
from essaim.exchange.lmn_words import mediation_facts
from essaim.exchange.sources import source_name
from essaim.search.index import MAX_HITS, SearchQuery, get_index

from . import actions, hours
from .confirmations import organisation_for_token
from .facts import facts_of
from .forms import LogoForm, countries_named
from .gazetteer import resolve_country
from .logos import LimitedUpload
from .models import MergedRecord, Organisation, Sector, Status
from .places import DEFAULT_RADIUS_KM, RADIUS_CHOICES
from .quality import Quality, confirmed_at, quality_of
from .queries import (
    FACET_LABELS,
    PAGE_FACETS,
    SORT_LABELS,
    InvalidQuery,
    is_point,
    organisations_named,
    parse_search,
    place_in_words,
)
from .serving import serving_groups
from .vocabulary import facet_labels

PAGE_SIZE = 20


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def home(request) -> HttpResponseBase:
    overview = get_index().search(SearchQuery(limit=0, facets=("country", "sector")))
    sector_counts = dict(overview.facets.get("sector", []))
    sectors = [(sector, sector_counts.get(sector.code, 0)) for sector in Sector.objects.all()]
    return render(
        request,
        "atlas/home.html",
        {
            "organisation_count": overview.total,
            "country_count": len(overview.facets.get("country", [])),
            "sectors": sectors,
            "radius_choices": RADIUS_CHOICES,
            "radius": str(DEFAULT_RADIUS_KM),
            **highlights(),
        },
    )


def _query_string(params: dict[str, list[str]], **changes) -> str:
    merged = {**params, **{key: [value] for key, value in changes.items() if value is not None}}
    return urlencode([(key, value) for key, values in merged.items() for value in values])


# Options shown per facet before "all N options": a light page (EcoIndex counts DOM nodes).
FACET_OPTIONS_SHOWN = 6


def _facet_groups(facets: dict, params: dict[str, list[str]], expanded: str = "") -> list[dict]:
    groups = []
    for name in PAGE_FACETS:
        selected = set(params.get(name, []))
        counts = dict(facets.get(name, []))
        for code in selected:
            counts.setdefault(code, 0)
        labels = facet_labels(name, counts)
        options = sorted(
            (
                {
                    "code": code,
                    "label": labels[code],
                    "count": count,
                    "selected": code in selected,
                }
                for code, count in counts.items()
            ),
            key=lambda option: (not option["selected"], -option["count"], option["label"]),
        )
        shown = options if name == expanded else [
            option for number, option in enumerate(options)
            if option["selected"] or number < FACET_OPTIONS_SHOWN
        ]  # fmt: skip
        groups.append(
            {
                "name": name,
                "label": FACET_LABELS[name],
                "options": options,
                "shown": shown,
                "more": len(options) - len(shown),
                "expanded": name == expanded,
                "selected_count": len(selected),
            }
        )
    return groups


def where_context(typed: QueryDict, params: dict, parsed=None) -> dict:
    """What the "where" fields show: the place typed, read from the words or found for a
    position, the radius, the other places the name could mean."""
    place = parsed.place if parsed else None
    where = typed.get("where", "")[:120]
    if place and not parsed.other_places and ("near" in params or is_point(where)):
        where = place.label  # a position is shown as the town it is in
    return {
        "where": where,
        "place": place,
        "other_places": parsed.other_places if parsed else [],
        "radius_choices": RADIUS_CHOICES,
        "radius": params.get("radius_km", [str(DEFAULT_RADIUS_KM)])[0],
    }


def atlas_list(request) -> HttpResponseBase:
    context = {"sort_labels": SORT_LABELS, "error": None, "params": {}, "page": None}
    params_in, words_typed = place_in_words(request.GET)
    context["search_params"] = params_in
    try:
        parsed = parse_search(params_in, for_pages=True)
    except InvalidQuery as error:
        context["error"] = error
        context["typed"] = params_in.get("q", "")[:200]
        context.update(where_context(params_in, {}))
        template = "atlas/_layout.html" if is_htmx(request) else "atlas/list.html"
        return render(request, template, context, status=400)
    query = parsed.query
    # Around a town, the nearest first, unless the visitor chose another order.
    if parsed.place and query.near and "sort" not in parsed.params:
        query.sort = "distance"
    query.facets = PAGE_FACETS
    query.limit = PAGE_SIZE
    try:
        page_number = int(request.GET.get("page", "1"))
    except ValueError:
        page_number = 0
    last_page = MAX_HITS // PAGE_SIZE
    if page_number < 1:
        context["error"] = InvalidQuery("page", _("There is no such page."))
        return render(request, "atlas/list.html", context, status=404)
    # Past the last page the list can show, the search stays on screen with its filters and a
    # way to narrow it, instead of a bare "not found".
    beyond = page_number > last_page
    query.offset = 0 if beyond else (page_number - 1) * PAGE_SIZE
    result = get_index().search(query)
    paginator = Paginator(range(min(result.total, MAX_HITS)), PAGE_SIZE)
    beyond = beyond or (result.total > 0 and page_number > paginator.num_pages)
    page = paginator.get_page(page_number) if result.total and not beyond else None
    organisations = [] if beyond else Organisation.objects.in_order(result.ids)
    for org in organisations:
        org.distance_km = result.distances.get(org.pk)
        org.by_meaning = org.pk in result.by_meaning
    params = parsed.params
    first_page = page_number == 1 and not beyond
    suggestion = get_index().suggest(query.text) if query.text and result.total < 3 else ""
    context.update(
        {
            "organisations": organisations,
            "total": result.total,
            "page": page,
            "params": params,
            "typed": query.text,
            "words_typed": words_typed,
            "literal_query": _query_string({"q": [words_typed], "literal": ["1"]}),
            "suggestion": suggestion,
            "suggestion_query": _query_string(params, q=suggestion) if suggestion else "",
            "sort": query.sort,
            "radius_km": query.radius_km,
            "serving": serving_groups(query, params, parsed.place)
            if parsed.place and first_page
            else [],
            "facet_groups": _facet_groups(result.facets, params, request.GET.get("more", "")),
            "facets_approximate": result.facets_approximate,
            "query_string": _query_string(params),
            "page_query": _query_string({k: v for k, v in params.items() if k != "page"}),
            "export_query": _query_string(params),
            "has_filters": any(key != "sort" for key in params),
            # The list reads at most MAX_HITS results: say so where it stops.
            "beyond_last_page": beyond,
            "shown_at_most": MAX_HITS if result.total > MAX_HITS else None,
            "last_page": last_page,
            "page_count": paginator.num_pages if result.total else 0,
            **where_context(params_in, params, parsed),
        }
    )
    template = "atlas/_layout.html" if is_htmx(request) else "atlas/list.html"
    return render(request, template, context, status=404 if beyond else 200)


def organisation_detail(request, pk: int, slug: str) -> HttpResponseBase:
    org = Organisation.objects.with_facts().filter(pk=pk).first()
    if org is None:
        merged = MergedRecord.objects.filter(merged_id=pk).select_related("organisation").first()
        if merged is None:
            raise Http404
        # Merged into another entry: its address leads there.
        return HttpResponsePermanentRedirect(merged.organisation.get_absolute_url())
    if org.status == Status.HIDDEN and not (
        request.user.is_authenticated and request.user.can_moderate
    ):
        raise Http404
    if slug != org.slug:
        return HttpResponsePermanentRedirect(org.get_absolute_url())
    jsonld = organisation_jsonld(org, request.build_absolute_uri(org.get_absolute_url()))
    editable = allows(check_edit, request.user, org)
    return render(
        request,
        "atlas/organisation.html",
        {
            "org": org,
            "can_edit": editable,
            "represents": represents(request.user, org),
            # What would make the entry better: for those who can act on it.
            "quality": organisation_quality(org) if editable else None,
            "languages": list(facet_labels("language", org.languages).values()),
            "hours": hours.describe_hours(org.opening_hours, hours.local_now(), org.country.code),
            "source": source_name(org.source),
            # Fees, access, support, appointments… of a digital mediation place.
            "mediation": mediation_facts(org.mediation),
            "address_complement": (org.mediation or {}).get("complement_adresse", ""),
            "jsonld": jsonld,
            **basemap_context(),
            **highlights(org, count=10),
        },
    )


# Views the map page offers in one click: (label, latitude, longitude, zoom).
MAP_PRESETS = {
    "europe": (gettext_lazy("Europe"), 50.0, 10.0, 4),
    "france": ("France", 46.6, 2.4, 6),
    "belgique": ("Belgique / België", 50.6, 4.6, 8),
    "italia": ("Italia", 42.5, 12.5, 6),
    "espana": ("España", 40.2, -3.6, 6),
    "quebec": ("Québec", 47.5, -71.5, 6),
}
PLACE_ZOOM = {"locality": 11, "region": 7, "country": 6}


def map_page(request) -> HttpResponseBase:
    """The map: the list's words and filters, a place to centre on, presets; the clusters and
    town names come from the API for each view."""
    try:
        parsed = parse_search(request.GET, for_pages=True)
        error = None
    except InvalidQuery as invalid:
        parsed, error = None, invalid
    params = parsed.params if parsed else {}
    # The place centres the map; a region or a country also narrows it (a town does not: the
    # map shows what is around it).
    filters = {k: v for k, v in params.items() if k not in ("bbox", "where", "near", "radius_km")}
    place = parsed.place if parsed else None
    centre = None
    if place and place.kind != "locality":
        filters.update({name: codes for name, codes in parsed.query.filters.items()
                        if name in ("region", "country")})  # fmt: skip
    if parsed and "near" in params and parsed.query.near:
        centre = (*parsed.query.near, 13)
    elif place and place.point:
        centre = (*place.point, PLACE_ZOOM[place.kind])
    elif (preset := MAP_PRESETS.get(request.GET.get("view", ""))) is not None:
        centre = preset[1:]
    return render(
        request,
        "atlas/map.html",
        {
            "sectors": Sector.objects.all(),
            "error": error,
            "params": params,
            "typed": params.get("q", [""])[0],
            "filter_query": _query_string(filters),
            "centre": ",".join(str(value) for value in centre) if centre else "",
            # No centre but a country or region: the map fits what it shows.
            "fit": bool(not centre and filters),
            "presets": [(code, preset[0]) for code, preset in MAP_PRESETS.items()],
            "clusters_url": reverse("api-1.0.0:map_clusters"),
            "places_url": reverse("api-1.0.0:map_places"),
            "organisations_url": reverse("api-1.0.0:organisations"),
            "tile_url": settings.ESSAIM["TILE_URL"],
            "tile_attribution": settings.ESSAIM["TILE_ATTRIBUTION"],
            **basemap_context(),
            **where_context(request.GET, params, parsed),
        },
        status=400 if error else 200,
    )


def organisation_quality(org: Organisation) -> Quality:
    confirmed = confirmed_at(org.confirmed_at, org.source_updated_at, org.created_at)
    return quality_of(facts_of(org), confirmed)


@ratelimit(key="ip", rate="30/h", method="POST", block=False)
def confirm_entry(request, token: str) -> HttpResponseBase:
    """The page of a confirmation link: the entry as published, one button to confirm it,
    a way to correct it. The signed link stands for the organisation: no account needed."""
    org = organisation_for_token(token)
    if org is None:
        return render(request, "atlas/confirm.html", {"expired": True}, status=404)
    confirmed = False
    if request.method == "POST":
        if getattr(request, "limited", False):
            return render(request, "atlas/confirm.html", {"org": org, "limited": True}, status=429)
        actions.do_confirm_organisation(org, timezone.now())
        confirmed = True
    return render(
        request,
        "atlas/confirm.html",
        {"org": org, "confirmed": confirmed, "quality": organisation_quality(org)},
    )


# Logos ---------------------------------------------------------------------------------------

LOGO_UPLOADS_PER_HOUR = "20/h"
LOGO_FILE = re.compile(r"(\d{1,18})-[0-9a-f]{16}\.webp")


@login_required
@ratelimit(key="user_or_ip", rate=LOGO_UPLOADS_PER_HOUR, method="POST", block=False)
@csrf_exempt
def organisation_logo(request, pk: int, slug: str) -> HttpResponseBase:
    """Its representatives and the moderators add, replace or remove an organisation's logo."""
    if request.method == "POST":
        # Before anything reads the body (hence the CSRF check inside, once it is set).
        request.upload_handlers.insert(0, LimitedUpload(request))
    return _organisation_logo(request, pk)


@csrf_protect
def _organisation_logo(request, pk: int):
    org = access_organisation_to_edit(request.user, pk)
    form = LogoForm()
    if request.method == "POST":
        data, files = request.POST, request.FILES  # Read here: LimitedUpload may stop.
        too_large = getattr(request, "logo_too_large", False)
        form = LogoForm(data, files, too_large_upload=too_large)
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many uploads from your account: try again in an hour."))
        elif request.POST.get("remove") and not too_large:
            actions.do_set_logo(org, None, author=request.user)
            messages.success(request, _("The logo is removed."))
            return redirect(org.get_absolute_url())
        elif form.is_valid():
            actions.do_set_logo(org, form.cleaned_data["logo"], author=request.user)
            messages.success(request, _("The logo is saved and published."))
            return redirect(org.get_absolute_url())
    return render(request, "atlas/logo.html", {"org": org, "form": form})


def logo_file(request, name: str) -> HttpResponseBase:
    """An organisation's current logo. Its name changes with its content: cached for a year.
    A hidden entry's logo is for the moderators only."""
    match = LOGO_FILE.fullmatch(name)
    if match is None:
        raise Http404
    path = f"logos/{name}"
    org = Organisation.objects.filter(pk=int(match[1]), logo=path).only("status").first()
    if org is None:
        raise Http404
    public = org.status != Status.HIDDEN
    if not (public or (request.user.is_authenticated and request.user.can_moderate)):
        raise Http404
    try:
        file = default_storage.open(path)
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(file, content_type="image/webp")
    response["Cache-Control"] = (
        "public, max-age=31536000, immutable" if public else "private, no-store"
    )
    return response


# What forms propose as a name is typed (see static/js/suggest.js).
NAME_LISTS = {
    "organisations": organisations_named,
    "countries": countries_named,
    "languages": languages_named,
}


def names(request, what: str) -> HttpResponseBase:
    """The names closest to `?q=` of organisations, countries or languages, for a form's
    autocomplete: {"names": [...]}; in the page's language."""
    lookup = NAME_LISTS.get(what)
    if lookup is None:
        raise Http404
    typed = request.GET.get("q", "")
    answer = {"names": lookup(typed)}
    if what == "countries":  # the code of a country named in full, for forms.js
        answer["code"] = resolve_country(typed[:60]) or ""
    response = JsonResponse(answer)
    response["Cache-Control"] = "max-age=300"
    return response
