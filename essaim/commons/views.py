"""The commons' pages: the library, the calendar and its registrations, opportunities.

Every page works without JavaScript: filters are plain GET forms, actions plain POST forms."""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from essaim.atlas.models import Organisation
from essaim.core.permissions import allows, check_moderator
from essaim.core.spreadsheets import SafeWriter, csv_download

from . import actions
from .filters import EventFilters, Filters, OpportunityFilters, ResourceFilters
from .formats import calendar, event_jsonld, opportunity_jsonld, resource_jsonld
from .forms import (
    CourseModuleFormSet,
    EventForm,
    OpportunityForm,
    RegistrationForm,
    RejectForm,
    ResourceForm,
)
from .models import Event, Opportunity, Publication, Registration, Resource, SavedSearch, Tool

PAGE_SIZE = 20
REGISTRATIONS_PER_HOUR = "30/h"
CONTRIBUTIONS_PER_HOUR = "30/h"

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")


def _paged(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _list_page(request, template: str, filters: Filters, context: dict):
    if not filters.is_valid():
        context.update(filters=filters, page=None)
        return render(request, template, context, status=400)
    page = _paged(request, filters.narrow())
    context.update(filters=filters.with_counts(), page=page, page_query=filters.query_string())
    return render(request, template, context)


def _visible(model, pk: int, user):
    """A published item, or one still waiting for the people who may manage it."""
    item = get_object_or_404(model.objects.prefetch_related("organisations", "themes"), pk=pk)
    if not item.is_published and not allows(actions.check_manage, user, item):
        raise Http404
    return item


def _canonical(item, slug: str):
    if slug != item.slug:
        return HttpResponsePermanentRedirect(item.get_absolute_url())
    return None


# Resources -----------------------------------------------------------------------------------


def resources(request) -> HttpResponseBase:
    filters = ResourceFilters(request.GET, Resource.objects.published().prefetch_related(
        "organisations", "themes"))  # fmt: skip
    return _list_page(request, "commons/resources.html", filters, {})


def resource_detail(request, pk: int, slug: str) -> HttpResponseBase:
    resource = _visible(Resource, pk, request.user)
    if redirect_to := _canonical(resource, slug):
        return redirect_to
    modules = list(resource.modules.select_related("resource"))
    return render(
        request,
        "commons/resource.html",
        {
            "item": resource,
            "modules": modules,
            "jsonld": resource_jsonld(resource, request),
            "can_manage": allows(actions.check_manage, request.user, resource),
        },
    )


def alternatives(request) -> HttpResponseBase:
    """ "I use X: what are the ethical alternatives?" — tools, and what replaces them."""
    published = Resource.objects.published().filter(kind=Resource.Kind.ALTERNATIVE)
    tools = (
        Tool.objects.annotate(n=Count("alternatives", filter=Q(alternatives__in=published)))
        .filter(n__gt=0)
        .prefetch_related(
            Prefetch(
                "alternatives",
                queryset=published.select_related("provider").order_by("title_fr"),
                to_attr="published_alternatives",
            )
        )
    )
    chosen = request.GET.get("tool", "")
    if chosen:
        # Only a slug can name a tool (and a NUL could not even be sent to PostgreSQL).
        tools = tools.filter(slug=chosen) if SLUG.fullmatch(chosen) else tools.none()
    tools = list(tools)
    status = 404 if chosen and not tools else 200
    all_tools = Tool.objects.filter(alternatives__in=published).distinct()
    return render(
        request,
        "commons/alternatives.html",
        {"tools": tools, "all_tools": all_tools, "chosen": chosen},
        status=status,
    )


# Contributing (the three kinds) --------------------------------------------------------------

FORMS = {Resource: ResourceForm, Event: EventForm, Opportunity: OpportunityForm}
HEADINGS = {
    Resource: lambda: _("Share a resource"),
    Event: lambda: _("Announce an event"),
    Opportunity: lambda: _("Publish an opportunity"),
}


@login_required
@ratelimit(key="user_or_ip", rate=CONTRIBUTIONS_PER_HOUR, method="POST", block=False)
def contribute(request, model, pk: int | None = None, slug: str = "") -> HttpResponseBase:
    """Propose a new item (no `pk`), or edit one you may manage."""
    item = _visible(model, pk, request.user) if pk else model()
    if pk:
        actions.check_manage(request.user, item)
    data = request.POST if request.method == "POST" else None
    form = FORMS[model](data, instance=item)
    modules = None
    if model is Resource:
        # Only a course has modules; a form sent without them leaves them as they are.
        sent = data is not None and "modules-TOTAL_FORMS" in data
        modules = CourseModuleFormSet(data if sent else None, instance=form.instance)
    if data is not None:
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many contributions from your account: try in an hour."))
        elif form.is_valid() and (modules is None or not modules.is_bound or modules.is_valid()):
            item = actions.do_save_contribution(
                form, request.user, parts=modules if modules and modules.is_bound else None
            )
            if item.is_published:
                messages.success(request, _("Saved and published."))
            else:
                messages.success(request, _("Thank you: a moderator will review it."))
            return redirect(item.get_absolute_url())
    return render(
        request,
        "commons/contribute.html",
        {"form": form, "modules": modules, "item": item if pk else None, "model": model,
         "heading": HEADINGS[model]()},
    )  # fmt: skip


@login_required
@require_POST
def moderate(request, kind: str, pk: int) -> HttpResponseBase:
    model = {"resource": Resource, "event": Event, "opportunity": Opportunity}.get(kind)
    check_moderator(request.user)
    if model is None:
        raise Http404
    item = get_object_or_404(model, pk=pk, publication=Publication.PENDING)
    if request.POST.get("decision") == "publish":
        actions.do_publish(item, request.user)
        messages.success(request, _("Published."))
    else:
        form = RejectForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give a reason for the contributor."))
            return redirect("moderation-queue")
        actions.do_reject(item, request.user, form.cleaned_data["reason"])
        messages.success(request, _("Rejected; the contributor is told why."))
    return redirect("moderation-queue")


# Events --------------------------------------------------------------------------------------


def events(request, past: bool = False) -> HttpResponseBase:
    queryset = Event.objects.past().order_by("-starts_at") if past else Event.objects.upcoming()
    filters = EventFilters(request.GET, queryset.prefetch_related("organisations", "themes"))
    return _list_page(request, "commons/events.html", filters, {"past": past})


def event_detail(request, pk: int, slug: str) -> HttpResponseBase:
    event = _visible(Event, pk, request.user)
    if redirect_to := _canonical(event, slug):
        return redirect_to
    return render(
        request,
        "commons/event.html",
        {
            "item": event,
            "jsonld": event_jsonld(event, request),
            "refusal": actions.registration_refusal(event),
            "places_left": _places_left(event),
            "can_manage": allows(actions.check_manage, request.user, event),
        },
    )


def _places_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    return max(event.capacity - actions.confirmed_count(event), 0)


@ratelimit(key="ip", rate=REGISTRATIONS_PER_HOUR, method="POST", block=False)
def register(request, pk: int, slug: str) -> HttpResponseBase:
    event = _visible(Event, pk, request.user)
    if not event.is_published:
        raise Http404
    if redirect_to := _canonical(event, slug):
        return redirect_to
    refusal = actions.registration_refusal(event)
    form = RegistrationForm(request.POST if request.method == "POST" else None, event=event)
    status = 200
    if request.method == "POST":
        if refusal:
            form.add_error(None, refusal)
            status = 409
        elif getattr(request, "limited", False):
            form.add_error(None, _("Too many registrations from your connection: try in an hour."))
            status = 429
        elif form.is_valid():
            try:
                registration = actions.do_register(
                    event, language=translation.get_language(), **form.answers()
                )
            except actions.AlreadyRegistered:
                form.add_error(
                    "email",
                    _("This address is already registered for this event. Your confirmation "
                      "email has a link to cancel."),
                )  # fmt: skip
                status = 409
            except actions.RegistrationRefused as refused:
                form.add_error(None, str(refused))
                status = 409
            else:
                return render(request, "commons/registered.html", {
                    "item": event, "registration": registration,
                    "allowance": actions.allowance_of(registration),
                })  # fmt: skip
        else:
            status = 400
    return render(
        request,
        "commons/register.html",
        {"item": event, "form": form, "refusal": refusal, "places_left": _places_left(event)},
        status=status,
    )


def cancel_registration(request, token: str) -> HttpResponseBase:
    registration = actions.registration_for_token(token)
    if registration is None:
        raise Http404
    if request.method == "POST":
        actions.do_cancel(registration)
        registration.refresh_from_db()
    return render(
        request, "commons/cancel.html", {"registration": registration, "item": registration.event}
    )


@login_required
def registrations(request, pk: int, slug: str) -> HttpResponseBase:
    """The organiser's view: who comes, who waits, the allowance, check-in on the day."""
    event = actions.access_event_to_manage(request.user, pk)
    if request.method == "POST":
        registration = get_object_or_404(event.registrations, pk=request.POST.get("registration"))
        if request.POST.get("action") == "cancel":
            actions.do_cancel(registration, actor=request.user)
            messages.success(request, _("Registration of %(name)s cancelled.")
                             % {"name": registration.name})  # fmt: skip
        else:
            present = request.POST.get("action") == "check-in"
            actions.do_check_in(registration, actor=request.user, present=present)
        return redirect(request.path + f"#registration-{registration.pk}")
    rows = list(event.registrations.all())
    decisions = actions.allowances(event, rows)
    for row in rows:
        row.allowance = decisions.get(row.pk)
    groups = [
        (status, label, [row for row in rows if row.status == status])
        for status, label in Registration.Status.choices
    ]
    return render(
        request,
        "commons/registrations.html",
        {
            "item": event,
            "groups": groups,
            "has_allowance": event.allowance_amount is not None,
            "granted": sum(1 for d in decisions.values() if d.eligible),
            "checked_in": sum(1 for row in rows if row.checked_in_at),
        },
    )


@login_required
def registrations_csv(request, pk: int, slug: str) -> HttpResponseBase:
    event = actions.access_event_to_manage(request.user, pk)
    rows = list(event.registrations.all())
    decisions = actions.allowances(event, rows)
    response = csv_download(f"registrations-{event.pk}.csv")
    response.write("\ufeff")  # spreadsheet programs read UTF-8 with a BOM
    writer = SafeWriter(response)
    writer.writerow([
        _("Name"), _("Email"), _("Organisation"), _("Seat locality"), _("Seat country"),
        _("First participation"), _("Status"), _("Registered"), _("Checked in"),
        _("Distance (km)"), _("Allowance eligible"), _("Allowance (EUR)"), _("Reason"),
    ])  # fmt: skip
    answers = {True: _("yes"), False: _("no"), None: _("to check")}
    for row in rows:
        decision = decisions.get(row.pk)
        distance = row.seat_distance_km()
        writer.writerow([
            row.name, row.email, row.organisation_name, row.seat_locality,
            row.seat_country.code if row.seat_country else "",
            answers[row.first_participation], row.get_status_display(),
            timezone.localtime(row.created_at).isoformat(timespec="seconds"),
            timezone.localtime(row.checked_in_at).isoformat(timespec="seconds")
            if row.checked_in_at else "",
            f"{distance:.1f}" if distance is not None else "",
            answers[decision.eligible] if decision else "",
            decision.amount if decision and decision.amount is not None else "",
            decision.reason if decision else "",
        ])  # fmt: skip
    return response


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def event_ics(request, pk: int, slug: str = "") -> HttpResponseBase:
    event = get_object_or_404(Event.objects.published(), pk=pk)
    return _ics(calendar([event], event.title.text, request), f"event-{event.pk}.ics")


def events_ics(request) -> HttpResponseBase:
    """Every published event, or those the calendar page's filters select (past ones too)."""
    filters = EventFilters(request.GET, Event.objects.published())
    if not filters.is_valid():
        return HttpResponse(
            _("Unknown filter value: %(fields)s.") % {"fields": ", ".join(filters.errors)},
            status=400, content_type="text/plain; charset=utf-8",
        )  # fmt: skip
    name = f"{settings.ESSAIM['SITE_NAME']} — {_('Events')}"
    return _ics(calendar(filters.narrow(), name, request), "events.ics")


def organisation_ics(request, pk: int, slug: str = "") -> HttpResponseBase:
    org = get_object_or_404(Organisation.objects.published(), pk=pk)
    events = Event.objects.published().filter(organisations=org)
    return _ics(calendar(events, org.name, request), f"organisation-{org.pk}-events.ics")


# Opportunities -------------------------------------------------------------------------------


def opportunities(request) -> HttpResponseBase:
    filters = OpportunityFilters(
        request.GET,
        Opportunity.objects.open().order_by("deadline", "-published_at").prefetch_related(
            "organisations"),
    )  # fmt: skip
    saved = (
        request.user.is_authenticated
        and SavedSearch.objects.filter(
            user=request.user, query=filters.query_string() if filters.is_valid() else ""
        ).exists()
    )
    return _list_page(request, "commons/opportunities.html", filters, {"saved": saved})


def opportunity_detail(request, pk: int, slug: str) -> HttpResponseBase:
    opportunity = _visible(Opportunity, pk, request.user)
    if redirect_to := _canonical(opportunity, slug):
        return redirect_to
    return render(
        request,
        "commons/opportunity.html",
        {
            "item": opportunity,
            "jsonld": opportunity_jsonld(opportunity, request),
            "can_manage": allows(actions.check_manage, request.user, opportunity),
        },
    )


@login_required
def saved_searches(request) -> HttpResponseBase:
    if request.method == "POST":
        filters = OpportunityFilters(request.POST, Opportunity.objects.open())
        if not filters.is_valid():
            raise Http404
        if request.POST.get("delete"):
            if not request.POST["delete"].isdigit():
                raise Http404
            actions.do_forget_search(request.user, int(request.POST["delete"]))
            messages.success(request, _("You will no longer receive this search."))
        else:
            actions.do_save_search(request.user, filters.query_string(), translation.get_language())
            messages.success(request, _("Saved: new matches will reach you by email each day."))
        return redirect("saved-searches")
    return render(
        request,
        "commons/saved_searches.html",
        {"searches": SavedSearch.objects.filter(user=request.user)},
    )
