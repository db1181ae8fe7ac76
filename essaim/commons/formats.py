"""The commons in the field's formats: schema.org JSON-LD, iCalendar (RFC 5545) and Atom."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from essaim.exchange.jsonld import language_values
from essaim.exchange.records import public_url

from .models import Event, Opportunity, Resource

SCHEMA_TYPES = {
    Resource.Kind.COURSE: "Course",
    Resource.Kind.GUIDE: "HowTo",
    Resource.Kind.ARTICLE: "Article",
    Resource.Kind.JOB_PROFILE: "Occupation",
    Resource.Kind.INTERVIEW: "Article",
    Resource.Kind.TOOLBOX: "CreativeWork",
    Resource.Kind.ALTERNATIVE: "SoftwareApplication",
}
EMPLOYMENT_TYPES = {
    Opportunity.WorkingTime.FULL_TIME: "FULL_TIME",
    Opportunity.WorkingTime.PART_TIME: "PART_TIME",
    Opportunity.Kind.JOB: "FULL_TIME",
    Opportunity.Kind.INTERNSHIP: "INTERN",
    Opportunity.Kind.VOLUNTEERING: "VOLUNTEER",
}
LICENCE_URLS = {
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "CC-BY-NC-SA-4.0": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
}


def _organisations(item, request) -> list[dict]:
    return [
        {
            "@type": "Organization",
            "name": org.name,
            "url": request.build_absolute_uri(org.get_absolute_url()),
        }
        for org in item.organisations.all()
    ]


def resource_jsonld(resource: Resource, request) -> dict:
    url = request.build_absolute_uri(resource.get_absolute_url())
    node = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES[resource.kind],
        "@id": url,
        "url": url,
        "name": language_values(resource, "title"),
        "inLanguage": resource.languages or [resource.original_language],
        "dateCreated": resource.created_at.isoformat(),
        "dateModified": resource.updated_at.isoformat(),
        "license": LICENCE_URLS.get(resource.licence, resource.licence),
    }
    if summary := language_values(resource, "summary"):
        node["description"] = summary
    if authors := _organisations(resource, request):
        node["author"] = authors
        if resource.kind == Resource.Kind.COURSE:
            node["provider"] = authors
    if resource.kind == Resource.Kind.ARTICLE or resource.kind == Resource.Kind.INTERVIEW:
        node["headline"] = resource.title.text[:110]
    if resource.level:
        node["educationalLevel"] = resource.level
    if resource.duration_minutes:
        node["timeRequired"] = f"PT{resource.duration_minutes}M"
    if resource.kind == Resource.Kind.COURSE:
        node["hasPart"] = [
            {"@type": "LearningResource", "position": position, "name": module.title.text,
             "learningResourceType": module.kind}
            for position, module in enumerate(resource.modules.all(), start=1)
        ]  # fmt: skip
    if resource.kind == Resource.Kind.ALTERNATIVE:
        node["applicationCategory"] = "BusinessApplication"
        if resource.tool_licence:
            node["license"] = resource.tool_licence
        if resource.provider:
            node["provider"] = {"@type": "Organization", "name": resource.provider.name}
        if resource.price:
            node["offers"] = {"@type": "Offer", "description": resource.price}
    return node


def event_jsonld(event: Event, request) -> dict:
    url = request.build_absolute_uri(event.get_absolute_url())
    zone = ZoneInfo(event.time_zone)
    modes = {
        Event.Mode.ON_SITE: "OfflineEventAttendanceMode",
        Event.Mode.ONLINE: "OnlineEventAttendanceMode",
        Event.Mode.HYBRID: "MixedEventAttendanceMode",
    }
    node = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": url,
        "url": url,
        "name": language_values(event, "title"),
        "startDate": event_span(event)[0].isoformat(),
        "endDate": timezone.localtime(event.ends_at, zone).date().isoformat()
        if event.all_day
        else timezone.localtime(event.ends_at, zone).isoformat(),
        "eventAttendanceMode": f"https://schema.org/{modes[event.mode]}",
        "eventStatus": "https://schema.org/EventScheduled",
        "isAccessibleForFree": True,
    }
    if description := language_values(event, "description"):
        node["description"] = description
    if organisers := _organisations(event, request):
        node["organizer"] = organisers
    if event.languages:
        node["inLanguage"] = event.languages
    locations = []
    if event.has_venue:
        place = {
            "@type": "Place",
            "name": event.venue or event.locality,
            "address": {"@type": "PostalAddress", "addressCountry": event.country.code,
                        "addressLocality": event.locality, "streetAddress": event.address,
                        "postalCode": event.postal_code},
        }  # fmt: skip
        if event.has_coordinates:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": event.latitude,
                "longitude": event.longitude,
            }
        locations.append(place)
    if event.mode != Event.Mode.ON_SITE:
        locations.append({"@type": "VirtualLocation", "url": event.online_url})
    node["location"] = locations[0] if len(locations) == 1 else locations
    if event.capacity is not None:
        node["maximumAttendeeCapacity"] = event.capacity
    return node


def opportunity_jsonld(opportunity: Opportunity, request) -> dict:
    url = request.build_absolute_uri(opportunity.get_absolute_url())
    node = {
        "@context": "https://schema.org",
        "@id": url,
        "url": url,
        "name": language_values(opportunity, "title"),
        "description": language_values(opportunity, "description"),
        "datePosted": (opportunity.published_at or opportunity.created_at).date().isoformat(),
    }
    organisations = _organisations(opportunity, request)
    if opportunity.kind == Opportunity.Kind.FUNDING:
        node["@type"] = "Grant"
        if opportunity.funder or organisations:
            node["funder"] = {"@type": "Organization", "name": opportunity.funder} if (
                opportunity.funder) else organisations[0]  # fmt: skip
        if opportunity.amount_max is not None or opportunity.amount_min is not None:
            node["amount"] = {"@type": "MonetaryAmount", "currency": "EUR",
                              "minValue": opportunity.amount_min,
                              "maxValue": opportunity.amount_max}  # fmt: skip
        if opportunity.deadline:
            node["expires"] = opportunity.deadline.isoformat()
        return node
    node["@type"] = "JobPosting"
    node["title"] = opportunity.title.text
    node["employmentType"] = EMPLOYMENT_TYPES.get(
        opportunity.working_time if opportunity.kind == Opportunity.Kind.JOB else "",
        EMPLOYMENT_TYPES[opportunity.kind],
    )
    if opportunity.contract == Opportunity.Contract.FREELANCE:
        node["employmentType"] = "CONTRACTOR"
    if opportunity.starts_on:
        node["jobStartDate"] = opportunity.starts_on.isoformat()
    if opportunity.salary_min is not None or opportunity.salary_max is not None:
        value = {"@type": "QuantitativeValue", "unitText": opportunity.salary_period.upper()}
        if opportunity.salary_min is not None:
            value["minValue"] = opportunity.salary_min
        if opportunity.salary_max is not None:
            value["maxValue"] = opportunity.salary_max
        node["baseSalary"] = {"@type": "MonetaryAmount", "currency": "EUR", "value": value}
    if opportunity.how_to_apply:
        node["applicationContact"] = {"@type": "ContactPoint",
                                      "description": opportunity.how_to_apply}  # fmt: skip
    if organisations:
        node["hiringOrganization"] = organisations[0]
    if opportunity.deadline:
        node["validThrough"] = opportunity.deadline.isoformat()
    if opportunity.country:
        node["jobLocation"] = {
            "@type": "Place",
            "address": {"@type": "PostalAddress", "addressLocality": opportunity.locality,
                        "addressCountry": opportunity.country.code},
        }  # fmt: skip
    if opportunity.remote:
        node["jobLocationType"] = "TELECOMMUTE"
    return node


# iCalendar -----------------------------------------------------------------------------------


def event_span(event: Event) -> tuple:
    """Start and end in the event's time zone; dates for an all-day event, the end being the
    day after (iCalendar's DTEND is exclusive)."""
    zone = ZoneInfo(event.time_zone)
    start, end = timezone.localtime(event.starts_at, zone), timezone.localtime(event.ends_at, zone)
    if event.all_day:
        return start.date(), end.date() + timedelta(days=1)
    return start, end


def calendar(events, name: str, request) -> bytes:
    """One VCALENDAR with a VEVENT per event: the UID never changes, SEQUENCE counts changes."""
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//{settings.ESSAIM['SITE_NAME']}//Essaim//{translation.get_language()}")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    zones = set()
    for event in events:
        zones.add(event.time_zone)
        vevent = icalendar.Event()
        vevent.add("uid", f"{event.uid}@essaim")
        vevent.add("sequence", event.sequence)
        vevent.add("dtstamp", event.updated_at)
        vevent.add("last-modified", event.updated_at)
        vevent.add("created", event.created_at)
        start, end = event_span(event)
        vevent.add("dtstart", start)
        vevent.add("dtend", end)
        vevent.add("summary", event.title.text)
        url = request.build_absolute_uri(event.get_absolute_url())
        vevent.add("url", url)
        vevent.add("description", f"{event.description.text}\n\n{url}".strip())
        if event.has_venue:
            place = ", ".join(
                part for part in (event.venue, event.address, event.postal_code,
                                  event.locality, event.country.name) if part
            )  # fmt: skip
            vevent.add("location", place)
            if event.has_coordinates:
                vevent.add("geo", (event.latitude, event.longitude))
        elif event.online_url:
            vevent.add("location", event.online_url)
        vevent.add("status", "CONFIRMED")
        cal.add_component(vevent)
    for zone in sorted(zones):
        if zone != "UTC":
            cal.add_component(icalendar.Timezone.from_tzid(zone))
    return cal.to_ical()


# Atom ----------------------------------------------------------------------------------------


class ContributedFeed(Feed):
    """The newest published items; each entry in the language of the feed's address."""

    feed_type = Atom1Feed
    model = None

    # Every address and id comes from ESSAIM_PUBLIC_URL, never from the request's Host header:
    # a feed's ids must not change with the name it was fetched by.
    def get_object(self, request, *args, **kwargs) -> str:
        return request.path

    def feed_url(self, path: str) -> str:
        return public_url(path)

    def feed_guid(self, path: str) -> str:
        return public_url(path)

    def item_link(self, item) -> str:
        return public_url(item.get_absolute_url())

    def visible(self) -> QuerySet:
        return self.model.objects.published()

    def items(self) -> QuerySet:
        return (
            self.visible().order_by("-published_at", "-id").prefetch_related("organisations")[:50]
        )

    def item_title(self, item) -> str:
        return item.title.text

    def item_pubdate(self, item) -> datetime:
        return item.published_at or item.created_at

    def item_updateddate(self, item) -> datetime:
        return item.updated_at

    def item_author_name(self, item) -> str | None:
        return ", ".join(org.name for org in item.organisations.all()) or None

    def item_categories(self, item) -> list[str]:
        return [item.get_kind_display()]


class ResourceFeed(ContributedFeed):
    model = Resource
    title = _("New resources")
    subtitle = _("Courses, guides, job profiles and alternatives shared in the commons.")

    def link(self) -> str:
        return public_url(reverse("resources"))

    def item_description(self, item) -> str:
        return item.summary.text


class OpportunityFeed(ContributedFeed):
    model = Opportunity
    title = _("Open opportunities")
    subtitle = _("Jobs, internships, volunteering missions and funding calls.")

    def visible(self) -> QuerySet:
        return Opportunity.objects.open()

    def link(self) -> str:
        return public_url(reverse("opportunities"))

    def item_description(self, item) -> str:
        return item.description.text[:500]
