"""The commons, read-only: resources, events and opportunities, with the pages' filters."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from ninja import Query, Router
from pydantic import Field

from essaim.atlas.models import CONTENT_LANGUAGES
from essaim.atlas.queries import InvalidQuery
from essaim.commons.filters import EventFilters, OpportunityFilters, ResourceFilters
from essaim.commons.models import Event, Opportunity, Resource
from essaim.exchange.records import organisation_url, public_url

from .pages import Page, page_of
from .schemas import Error, LanguageText, RecordId, Schema

router = Router(tags=["commons"])


class OrganisationRef(Schema):
    id: int
    name: str
    url: str


class Module(Schema):
    position: int
    kind: str = Field(description="theory, practice, toolbox or reference")
    title: LanguageText


class ResourceRecord(Schema):
    id: int
    url: str
    kind: str = Field(description="course, guide, article, job-profile, interview, toolbox, "
                                  "alternative")  # fmt: skip
    title: LanguageText
    summary: LanguageText
    body: LanguageText = Field(description="Markdown.")
    original_language: str
    link: str
    licence: str = Field(description="SPDX identifier.")
    level: str
    duration_minutes: int | None
    languages: list[str]
    themes: list[str]
    competences: list[str] = Field(description="DigComp competences, by key (/competences).")
    organisations: list[OrganisationRef]
    modules: list[Module]
    replaces: list[str] = Field(description="For an alternative: the tools it replaces.")
    provider: OrganisationRef | None
    tool_licence: str
    hosting_country: str
    governance: str
    price: str
    published_at: datetime | None
    updated_at: datetime


class Registration(Schema):
    state: str = Field(description="open, not-yet, closed, past or none (not on Essaim)")
    opens_at: datetime | None
    closes_at: datetime | None
    capacity: int | None
    places_left: int | None
    url: str


class TravelAllowance(Schema):
    amount_eur: Decimal
    seat_farther_than_km: Decimal
    first_participation_only: bool


class EventRecord(Schema):
    id: int
    url: str
    ical: str
    uid: str = Field(description="The iCalendar UID, stable for the event's life.")
    sequence: int = Field(description="The iCalendar SEQUENCE: bumped by each change.")
    title: LanguageText
    description: LanguageText = Field(description="Markdown.")
    original_language: str
    starts_at: datetime = Field(description="In the event's time zone.")
    ends_at: datetime
    all_day: bool
    time_zone: str
    mode: str = Field(description="on-site, online or hybrid")
    venue: str
    address: str
    postal_code: str
    locality: str
    country: str
    latitude: float | None
    longitude: float | None
    online_url: str
    website: str
    languages: list[str]
    themes: list[str]
    competences: list[str] = Field(description="DigComp competences, by key (/competences).")
    organisations: list[OrganisationRef]
    registration: Registration
    travel_allowance: TravelAllowance | None


class Salary(Schema):
    min_eur: Decimal | None
    max_eur: Decimal | None
    per: str = Field(description="year, month or hour")


class OpportunityRecord(Schema):
    id: int
    url: str
    kind: str = Field(description="job, internship, volunteering or funding")
    title: LanguageText
    description: LanguageText = Field(description="Markdown.")
    original_language: str
    link: str
    locality: str
    country: str
    remote: bool
    duration: str
    deadline: date | None
    contract: str = Field(
        description="A job's or internship's: permanent, fixed-term, apprenticeship, internship, "
        "civic-service, freelance; empty when not said"
    )
    working_time: str = Field(description="full-time, part-time, or empty")
    hours_per_week: Decimal | None
    salary: Salary | None = Field(description="Gross, in euros; null when not said.")
    starts_on: date | None
    how_to_apply: str
    funder: str
    amount_min_eur: Decimal | None
    amount_max_eur: Decimal | None
    eligible_countries: list[str] = Field(description="Empty: open to all countries.")
    eligible_legal_forms: list[str] = Field(description="Empty: open to all legal forms.")
    themes: list[str]
    competences: list[str] = Field(description="DigComp competences, by key (/competences).")
    organisations: list[OrganisationRef]
    published_at: datetime | None


class CommonsPage(Page):
    pass


class ResourcePage(CommonsPage):
    results: list[ResourceRecord]


class EventPage(CommonsPage):
    results: list[EventRecord]


class OpportunityPage(CommonsPage):
    results: list[OpportunityRecord]


def _texts(item, field: str) -> dict:
    return {code: getattr(item, f"{field}_{code}") for code in CONTENT_LANGUAGES}


def _address(name: str, item) -> str:
    """An item's page (or one of its feeds) in the site's default language: stable addresses."""
    with translation.override(settings.LANGUAGE_CODE):
        return public_url(reverse(name, kwargs={"pk": item.pk, "slug": item.slug}))


def _reference(org) -> dict:
    return {"id": org.pk, "name": org.name, "url": organisation_url(org.pk, org.name)}


def _shared(item) -> dict:
    return {
        "id": item.pk,
        "url": _address(item._meta.model_name, item),
        "title": _texts(item, "title"),
        "original_language": item.original_language,
        "themes": [theme.code for theme in item.themes.all()],
        "competences": [competence.key for competence in item.competences.all()],
        "organisations": [_reference(org) for org in item.organisations.all()],
    }


def resource_record(resource: Resource) -> dict:
    return {
        **_shared(resource),
        "kind": resource.kind,
        "summary": _texts(resource, "summary"),
        "body": _texts(resource, "body"),
        "link": resource.url,
        "licence": resource.licence,
        "level": resource.level,
        "duration_minutes": resource.duration_minutes,
        "languages": resource.languages,
        "modules": [
            {"position": number, "kind": module.kind, "title": _texts(module, "title")}
            for number, module in enumerate(resource.modules.all(), start=1)
        ],
        "replaces": [tool.name for tool in resource.replaces.all()],
        "provider": _reference(resource.provider) if resource.provider else None,
        "tool_licence": resource.tool_licence,
        "hosting_country": resource.hosting_country.code or "",
        "governance": resource.governance,
        "price": resource.price,
        "published_at": resource.published_at,
        "updated_at": resource.updated_at,
    }


def event_record(event: Event) -> dict:
    zone = ZoneInfo(event.time_zone)
    allowance = None
    if event.allowance_amount is not None:
        allowance = {
            "amount_eur": event.allowance_amount,
            "seat_farther_than_km": event.allowance_min_distance_km,
            "first_participation_only": event.allowance_first_time_only,
        }
    places_left = None
    if event.capacity is not None:
        places_left = max(event.capacity - event.confirmed, 0)
    return {
        **_shared(event),
        "ical": _address("event-ics", event),
        "uid": f"{event.uid}@essaim",
        "sequence": event.sequence,
        "description": _texts(event, "description"),
        "starts_at": timezone.localtime(event.starts_at, zone),
        "ends_at": timezone.localtime(event.ends_at, zone),
        "all_day": event.all_day,
        "time_zone": event.time_zone,
        "mode": event.mode,
        "venue": event.venue,
        "address": event.address,
        "postal_code": event.postal_code,
        "locality": event.locality,
        "country": event.country.code or "",
        "latitude": event.latitude,
        "longitude": event.longitude,
        "online_url": event.online_url,
        "website": event.website,
        "languages": event.languages,
        "registration": {
            "state": event.registration_state(),
            "opens_at": event.registration_opens_at,
            "closes_at": event.registration_closes_at,
            "capacity": event.capacity,
            "places_left": places_left,
            "url": _address("event-register", event),
        },
        "travel_allowance": allowance,
    }


def opportunity_record(opportunity: Opportunity) -> dict:
    return {
        **_shared(opportunity),
        "kind": opportunity.kind,
        "description": _texts(opportunity, "description"),
        "link": opportunity.url,
        "locality": opportunity.locality,
        "country": opportunity.country.code or "",
        "remote": opportunity.remote,
        "duration": opportunity.duration,
        "deadline": opportunity.deadline,
        "contract": opportunity.contract,
        "working_time": opportunity.working_time,
        "hours_per_week": opportunity.hours_per_week,
        "salary": (
            {
                "min_eur": opportunity.salary_min,
                "max_eur": opportunity.salary_max,
                "per": opportunity.salary_period,
            }
            if opportunity.salary_min is not None or opportunity.salary_max is not None
            else None
        ),  # fmt: skip
        "starts_on": opportunity.starts_on,
        "how_to_apply": opportunity.how_to_apply,
        "funder": opportunity.funder,
        "amount_min_eur": opportunity.amount_min,
        "amount_max_eur": opportunity.amount_max,
        "eligible_countries": [country.code for country in opportunity.eligible_countries],
        "eligible_legal_forms": [form.code for form in opportunity.eligible_legal_forms.all()],
        "published_at": opportunity.published_at,
    }


def _page(request, filters, page: int, page_size: int, record) -> dict:
    """A page of what the filters select; a bad filter value is an InvalidQuery (400)."""
    if not filters.is_valid():
        name, errors = next(iter(filters.errors.items()))
        raise InvalidQuery(name, f"{name}: {' '.join(errors)}")
    return page_of(request, filters.narrow(), page, page_size, record)


class Paging(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=100)


class SharedFilters(Schema):
    q: str | None = Field(None, description="Words, in any of the texts' languages.")
    theme: str | None = Field(None, description="A sector code (see /taxonomies).")
    competence: str | None = Field(
        None, description="A competence key, such as digcomp-2.2:4.2 (see /competences)."
    )


class ResourceFilterParams(SharedFilters):
    kind: str | None = None
    level: str | None = Field(None, description="beginner, intermediate or advanced")
    language: str | None = None


class EventFilterParams(SharedFilters):
    country: str | None = None
    month: str | None = Field(None, description="YYYY-MM")
    mode: str | None = Field(None, description="on-site, online or hybrid")
    language: str | None = None
    past: bool = Field(False, description="The archive of past events, newest first.")


class OpportunityFilterParams(SharedFilters):
    kind: str | None = None
    country: str | None = None
    eligible_country: str | None = Field(None, description="Funding open to this country.")
    legal_form: str | None = Field(None, description="Funding open to this legal form.")


PUBLISHED_RESOURCES = Resource.objects.published().prefetch_related(
    "themes", "competences", "organisations", "modules", "replaces"
).select_related("provider")  # fmt: skip


@router.get("/resources", response={200: ResourcePage, 400: Error}, url_name="resources",
            summary="Published resources")  # fmt: skip
def list_resources(
    request, paging: Query[Paging], params: Query[ResourceFilterParams]
) -> dict:  # params are read through the pages' filter forms; declared here for the document
    filters = ResourceFilters(request.GET, PUBLISHED_RESOURCES.all())
    return _page(request, filters, paging.page, paging.page_size, resource_record)


@router.get(
    "/resources/{resource_id}",
    response={200: ResourceRecord, 400: Error, 404: Error},
    url_name="resource",
)
def get_resource(request, resource_id: RecordId) -> dict:
    return resource_record(get_object_or_404(PUBLISHED_RESOURCES.all(), pk=resource_id))


def _with_places(events):
    """With `confirmed`, the confirmed registrations, counted in the same query."""
    confirmed = Count("registrations", filter=Q(registrations__status="confirmed"))
    return events.prefetch_related("themes", "competences", "organisations").annotate(
        confirmed=confirmed
    )


def _events(past: bool):
    # Ordered explicitly: a counting query does not use the model's default order.
    events = (
        Event.objects.past().order_by("-starts_at", "-id")
        if past
        else Event.objects.upcoming().order_by("starts_at", "id")
    )
    return _with_places(events)


@router.get("/events", response={200: EventPage, 400: Error}, url_name="events",
            summary="Upcoming events (or past ones)")  # fmt: skip
def list_events(request, paging: Query[Paging], params: Query[EventFilterParams]) -> dict:
    data = request.GET.copy()
    data.pop("past", None)
    filters = EventFilters(data, _events(params.past))
    return _page(request, filters, paging.page, paging.page_size, event_record)


@router.get(
    "/events/{event_id}",
    response={200: EventRecord, 400: Error, 404: Error},
    url_name="event",
)
def get_event(request, event_id: RecordId) -> dict:
    return event_record(get_object_or_404(_with_places(Event.objects.published()), pk=event_id))


def _opportunities():
    return (
        Opportunity.objects.open()
        .order_by("deadline", "-published_at")
        .prefetch_related("themes", "competences", "organisations", "eligible_legal_forms")
    )


@router.get("/opportunities", response={200: OpportunityPage, 400: Error}, url_name="opportunities",
            summary="Open opportunities")  # fmt: skip
def list_opportunities(
    request, paging: Query[Paging], params: Query[OpportunityFilterParams]
) -> dict:
    filters = OpportunityFilters(request.GET, _opportunities())
    return _page(request, filters, paging.page, paging.page_size, opportunity_record)


@router.get("/opportunities/{opportunity_id}",
            response={200: OpportunityRecord, 400: Error, 404: Error},
            url_name="opportunity")  # fmt: skip
def get_opportunity(request, opportunity_id: RecordId) -> dict:
    return opportunity_record(get_object_or_404(Opportunity.objects.published(), pk=opportunity_id))
