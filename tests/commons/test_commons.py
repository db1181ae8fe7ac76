"""The commons through their pages, feeds and commands: resources, events with registrations,
waiting lists and travel allowances, opportunities and saved searches."""

import csv
import io
import json
import math
import re
import threading
from datetime import UTC, timedelta
from decimal import Decimal

import feedparser
import icalendar
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from essaim.atlas.models import Organisation
from essaim.commons.models import Event, Opportunity, Registration, Resource
from tests.factories import EventFactory, OpportunityFactory
from tests.helpers import committed

pytestmark = pytest.mark.django_db

# A meridian's arc on the mean Earth sphere: one degree of latitude, in km.
KM_PER_DEGREE = 6371.0088 * math.pi / 180


def register(client, event, email, name="Ada", language="en", **answers):
    data = {"name": name, "email": email, "organisation_name": "Coop Alpha", **answers}
    return client.post(f"/{language}/events/{event.pk}/{event.slug}/register/", data)


def jsonld_of(page: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def cancel_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/\w\w/events/registrations/\S+/cancel/)", message.body)[1]


def places_of(client, name, country):
    return client.get("/api/v1/places", {"q": name, "country": country}).json()[0]


# Registration life cycle ---------------------------------------------------------------------


def test_registration_life_cycle(client, moderator, commit):
    event = EventFactory(capacity=2)
    page = client.get(f"/en/events/{event.pk}/{event.slug}/").content.decode()
    assert "2 left" in page

    assert register(client, event, "ada@example.org").status_code == 200
    assert "Your place for “Commons gathering” is confirmed" in mail.outbox[-1].body
    assert mail.outbox[-1].to == ["ada@example.org"]
    response = register(client, event, "Ben@Example.org", name="Ben")
    assert "You are registered" in response.content.decode()

    # Full: the third person waits, and is told so.
    page = client.get(f"/en/events/{event.pk}/{event.slug}/").content.decode()
    assert "Join the waiting list" in page and "0 left" in page
    response = register(client, event, "cy@example.org", name="Cy", language="fr")
    assert "Vous êtes sur la liste d’attente" in response.content.decode()
    assert "liste d’attente" in mail.outbox[-1].subject.lower()
    register(client, event, "dee@example.org", name="Dee")

    # The same address twice (whatever its case) is refused, and nothing is counted twice.
    response = register(client, event, "BEN@example.org", name="Ben again")
    assert response.status_code == 409
    assert "already registered for this event" in response.content.decode()
    assert event.registrations.filter(email="ben@example.org").count() == 1

    # Ben cancels with the link from his email; Cy, first waiting, gets the place and is told.
    ben_mail = next(m for m in mail.outbox if m.to == ["ben@example.org"])
    link = cancel_link(ben_mail)
    assert "Cancel my registration" in client.get(link).content.decode()
    sent = len(mail.outbox)
    commit(client.post, link)
    assert "is cancelled" in client.get(link).content.decode()
    promoted = mail.outbox[sent:]
    assert [m.to for m in promoted] == [["cy@example.org"]]
    assert "Une place est à vous" in promoted[0].subject, "told in the language they used"
    statuses = dict(event.registrations.values_list("email", "status"))
    assert statuses == {
        "ada@example.org": "confirmed",
        "ben@example.org": "cancelled",
        "cy@example.org": "confirmed",
        "dee@example.org": "waiting",
    }
    # Cancelling again changes nothing and promotes nobody else.
    commit(client.post, link)
    assert Registration.objects.get(email="dee@example.org").status == "waiting"

    # The organiser checks Ada in on the day and exports the list.
    client.force_login(moderator)
    url = f"/en/events/{event.pk}/{event.slug}/registrations/"
    ada = Registration.objects.get(email="ada@example.org")
    client.post(url, {"registration": ada.pk, "action": "check-in"})
    page = client.get(url).content.decode()
    assert "Here since" in page and "On the waiting list (1)" in page
    exported = client.get(url[:-1] + ".csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {row["Email"]: row["Status"] for row in rows} == {
        "ada@example.org": "Confirmed",
        "ben@example.org": "Cancelled",
        "cy@example.org": "Confirmed",
        "dee@example.org": "On the waiting list",
    }
    assert [row["Checked in"] != "" for row in rows if row["Email"] == "ada@example.org"] == [True]


def test_a_tampered_cancellation_link_cancels_nothing(client):
    event = EventFactory()
    register(client, event, "ada@example.org")
    link = cancel_link(mail.outbox[-1])
    forged = link.replace("/cancel/", "x/cancel/")
    assert client.post(forged).status_code == 404
    assert Registration.objects.get().status == "confirmed"


def test_raising_the_capacity_promotes_the_waiting_list(client, moderator, commit):
    event = EventFactory(capacity=1)
    register(client, event, "ada@example.org")
    register(client, event, "ben@example.org")
    client.force_login(moderator)
    form = client.get(f"/en/events/{event.pk}/{event.slug}/edit/").context["form"]
    data = {**{k: v for k, v in form.initial.items() if v not in (None, [])}, "capacity": 2}
    data["themes"] = []
    data = {k: v for k, v in data.items() if v != []}
    response = commit(client.post, f"/en/events/{event.pk}/{event.slug}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    assert Registration.objects.get(email="ben@example.org").status == "confirmed"
    assert mail.outbox[-1].to == ["ben@example.org"]


@pytest.mark.django_db(transaction=True)
def test_two_people_taking_the_last_place_at_the_same_moment():
    event = EventFactory(capacity=3)
    for number in range(2):
        register(Client(), event, f"early{number}@example.org")
    start = threading.Barrier(4)
    statuses = []

    def take_the_last_place(number):
        try:
            start.wait()
            response = register(Client(), event, f"late{number}@example.org")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=take_the_last_place, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    late = Registration.objects.filter(email__startswith="late")
    assert sorted(late.values_list("status", flat=True)) == ["confirmed"] + ["waiting"] * 3
    assert Registration.objects.filter(status="confirmed").count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_same_address_sent_twice_at_the_same_moment_is_registered_once():
    event = EventFactory()
    start = threading.Barrier(3)
    statuses = []

    def send():
        try:
            start.wait()
            statuses.append(register(Client(), event, "twice@example.org").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409, 409]
    assert Registration.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"registration_closes_at": timezone.now() - timedelta(days=1)}, "is closed"),
        ({"registration_opens_at": timezone.now() + timedelta(days=2)}, "has not opened yet"),
        ({"takes_registrations": False}, "does not take registrations"),
    ],
)
def test_registration_outside_its_window_is_refused(client, fields, message):
    event = EventFactory(**fields)
    page = client.get(f"/en/events/{event.pk}/{event.slug}/register/").content.decode()
    assert message in page
    response = register(client, event, "ada@example.org")
    assert response.status_code == 409 and message in response.content.decode()
    assert not Registration.objects.exists()


def test_registration_to_a_past_event_is_refused(client):
    past = timezone.now() - timedelta(days=3)
    event = EventFactory(starts_at=past, ends_at=past + timedelta(hours=2))
    response = register(client, event, "ada@example.org")
    assert response.status_code == 409 and "This event is over" in response.content.decode()


def test_a_registration_form_with_errors_keeps_what_was_typed(client):
    event = EventFactory(allowance_amount=Decimal(948))
    response = register(client, event, "not-an-address", name="Ada Lovelace",
                        seat_locality="Lille", seat_country="FR")  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid email address" in page
    assert 'value="Ada Lovelace"' in page and 'value="Lille"' in page
    assert not Registration.objects.exists()


def test_only_what_is_needed_is_asked(client):
    plain = EventFactory()
    page = client.get(f"/en/events/{plain.pk}/{plain.slug}/register/").content.decode()
    assert "seat" not in page.lower() and "first participation" not in page
    with_allowance = EventFactory(allowance_amount=Decimal(948))
    url = f"/en/events/{with_allowance.pk}/{with_allowance.slug}/register/"
    page = client.get(url).content.decode()
    assert "Locality of your organisation" in page and "first participation" in page


# Travel allowance ----------------------------------------------------------------------------


def allowance_rows(client, moderator, event) -> dict[str, dict]:
    client.force_login(moderator)
    body = client.get(f"/en/events/{event.pk}/{event.slug}/registrations.csv").content
    return {row["Email"]: row for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))}


def test_the_travel_allowance_rule_on_its_edges(client, moderator):
    lille = places_of(client, "Lille", "FR")

    # The venue is placed north of Lille's seat: 19.9 km and 20.1 km along the meridian.
    def venue_north_of_lille(km):
        return EventFactory(allowance_amount=Decimal(948), longitude=lille["longitude"],
                          latitude=lille["latitude"] + km / KM_PER_DEGREE)  # fmt: skip

    near, far = venue_north_of_lille(19.9), venue_north_of_lille(20.1)
    seat = {"seat_locality": "lille", "seat_country": "FR", "first_participation": "on"}
    page = register(client, near, "near@example.org", **seat).content.decode()
    assert "Travel allowance: not eligible. The seat is 19.9 km from the venue" in page
    page = register(client, far, "far@example.org", **seat).content.decode()
    assert "Travel allowance: you are eligible for €948." in page
    assert "you are eligible for €948. The seat is 20.1 km" in mail.outbox[-1].body
    register(
        client,
        far,
        "again@example.org",
        organisation_name="Coop Beta",
        seat_locality="Lille",
        seat_country="FR",
    )  # not a first participation; fmt: skip
    register(client, far, "colleague@example.org", organisation_name="coop  ALPHA", **seat)
    register(client, far, "nowhere@example.org", organisation_name="Coop Gamma",
             seat_locality="Xyzzyville", seat_country="FR", first_participation="on")  # fmt: skip

    rows = allowance_rows(client, moderator, near)
    assert rows["near@example.org"]["Allowance eligible"] == "no"
    assert rows["near@example.org"]["Distance (km)"] == "19.9"
    rows = allowance_rows(client, moderator, far)
    assert rows["far@example.org"]["Allowance eligible"] == "yes"
    assert rows["far@example.org"]["Distance (km)"] == "20.1"
    assert Decimal(rows["far@example.org"]["Allowance (EUR)"]) == 948
    assert rows["again@example.org"]["Allowance eligible"] == "no"
    assert "first participation" in rows["again@example.org"]["Reason"]
    # One per organisation: the same organisation, however it is typed, gets it once.
    assert rows["colleague@example.org"]["Allowance eligible"] == "no"
    assert "Already granted" in rows["colleague@example.org"]["Reason"]
    # A seat that cannot be placed is neither granted nor refused: the organiser checks.
    assert rows["nowhere@example.org"]["Allowance eligible"] == "to check"
    assert rows["nowhere@example.org"]["Distance (km)"] == ""

    page = client.get(f"/en/events/{far.pk}/{far.slug}/registrations/").content.decode()
    assert "Eligible" in page and "To check" in page
    assert "<strong>1</strong> travel allowances" in page


def test_the_allowance_moves_when_the_granted_registration_is_cancelled(client, moderator, commit):
    lille = places_of(client, "Lille", "FR")
    event = EventFactory(allowance_amount=Decimal(948), latitude=lille["latitude"] + 1,
                       longitude=lille["longitude"])  # fmt: skip
    seat = {"seat_locality": "Lille", "seat_country": "FR", "first_participation": "on"}
    register(client, event, "first@example.org", **seat)
    register(client, event, "second@example.org", **seat)
    commit(client.post, cancel_link(mail.outbox[0]))
    rows = allowance_rows(client, moderator, event)
    assert rows["second@example.org"]["Allowance eligible"] == "yes"
    assert rows["first@example.org"]["Allowance eligible"] == "no"


def test_registrations_are_only_for_organisers(client, member):
    event = EventFactory()
    url = f"/en/events/{event.pk}/{event.slug}/registrations/"
    assert client.get(url).status_code == 302, "signed-out visitors are sent to sign in"
    client.force_login(member)
    assert client.get(url).status_code == 403
    assert client.get(url[:-1] + ".csv").status_code == 403
    event.contributed_by = member
    event.save()
    assert client.get(url).status_code == 200, "the member who announced it organises it"


# Events: contributing, calendars, schema.org -------------------------------------------------


def event_form(**changes) -> dict:
    return {
        "original_language": "en", "title_en": "Repair café", "description_en": "Bring a laptop.",
        "starts_at": "2030-05-04T10:00", "ends_at": "2030-05-04T16:00",
        "time_zone": "Europe/Rome", "mode": "on-site", "locality": "Milano", "country": "IT",
        "takes_registrations": "on", "capacity": "30",
        "allowance_min_distance_km": "20", **changes,
    }  # fmt: skip


def test_a_member_announces_an_event_and_a_moderator_publishes_it(client, member, moderator):
    client.force_login(member)
    response = client.post("/en/events/new/", event_form())
    assert response.status_code == 302
    event = Event.objects.get(title_en="Repair café")
    assert event.publication == "pending"
    assert event.latitude == pytest.approx(45.46, abs=0.05), "placed at its locality"
    # Typed in the event's time zone: 10:00 in Rome is 08:00 UTC in May.
    assert event.starts_at.astimezone(UTC).hour == 8
    client.logout()
    assert client.get(f"/en/events/{event.pk}/{event.slug}/").status_code == 404
    assert "Repair café" not in client.get("/en/events/").content.decode()

    client.force_login(moderator)
    assert "Repair café" in client.get("/en/moderation/").content.decode()
    client.post(f"/en/moderation/commons/event/{event.pk}/", {"decision": "publish"})
    client.logout()
    assert "Repair café" in client.get("/en/events/").content.decode()
    assert mail.outbox[-1].to == ["member@example.org"]
    assert "published your contribution" in mail.outbox[-1].body


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": "2030-05-04T09:00"}, "ends_at", "The end must come after the start."),
        ({"mode": "online"}, "online_url", "Give the link to follow the event online."),
        ({"locality": ""}, "locality", "Give the venue's locality and country."),
        ({"title_en": ""}, "title_en", "Give a title in at least one language."),
    ],
)
def test_an_event_form_with_errors_keeps_what_was_typed(client, member, changes, field, message):
    client.force_login(member)
    response = client.post("/en/events/new/", event_form(**changes))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert 'value="Europe/Rome" selected' in response.content.decode()
    assert not Event.objects.exists()


def test_the_capacity_cannot_fall_below_the_registered(client, moderator):
    event = EventFactory(capacity=5)
    for number in range(3):
        register(client, event, f"p{number}@example.org")
    client.force_login(moderator)
    url = f"/en/events/{event.pk}/{event.slug}/edit/"
    initial = client.get(url).context["form"].initial
    data = {k: v for k, v in initial.items() if v not in (None, [], "")}
    response = client.post(url, {**data, "capacity": 2})
    assert "3 people are already registered" in response.content.decode()
    event.refresh_from_db()
    assert event.capacity == 5


def calendar_events(response) -> list:
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def test_calendars_keep_their_uid_and_count_changes(client, moderator):
    event = EventFactory(title_en="Data café", country="BE", locality="Brussels")
    other = EventFactory(title_en="Online meetup", mode="online", online_url="https://meet.example.org",
                       country="", locality="", latitude=None, longitude=None)  # fmt: skip
    url = f"/en/events/{event.pk}/{event.slug}/event.ics"
    [first] = calendar_events(client.get(url))
    assert str(first["summary"]) == "Data café" and int(first["sequence"]) == 0
    assert first.decoded("dtstart") == event.starts_at

    client.force_login(moderator)
    edit = f"/en/events/{event.pk}/{event.slug}/edit/"
    initial = client.get(edit).context["form"].initial
    data = {k: v for k, v in initial.items() if v not in (None, [], "")}
    later = (timezone.localtime(event.starts_at, timezone.get_fixed_timezone(60))
             + timedelta(hours=1))  # fmt: skip
    data["starts_at"] = initial["starts_at"] + timedelta(hours=1)
    assert client.post(edit, data).status_code == 302
    [second] = calendar_events(client.get(url))
    assert second["uid"] == first["uid"]
    assert int(second["sequence"]) == 1
    assert second.decoded("dtstart") == later

    everything = calendar_events(client.get("/en/events/calendar.ics"))
    assert {str(e["summary"]) for e in everything} == {"Data café", "Online meetup"}
    online = calendar_events(client.get("/en/events/calendar.ics", {"mode": "online"}))
    assert [str(e["summary"]) for e in online] == ["Online meetup"]
    belgian = calendar_events(client.get("/en/events/calendar.ics", {"country": "BE"}))
    assert [str(e["summary"]) for e in belgian] == ["Data café"]
    assert other.pk
    assert client.get("/en/events/calendar.ics", {"mode": "teleport"}).status_code == 400
    assert client.get("/en/events/999999/nothing/event.ics").status_code == 404


def test_the_demo_programme_in_calendars_pages_and_schema_org(client, demo):
    soga = Organisation.objects.get(name="Social Good Accelerator (SOGA)")
    events = calendar_events(client.get(f"/fr/atlas/{soga.pk}/{soga.slug}/events.ics"))
    starts = sorted(str(e.decoded("dtstart")) for e in events)
    assert starts[:2] == ["2023-03-24", "2023-03-30"], "the Social Tech Academy trainings"
    assert "2023-11-07" in starts and "2025-11-25" in starts
    workshop = next(e for e in events if "GAFAM" in str(e["summary"]))
    assert workshop.decoded("dtstart").hour == 13 and workshop.decoded("dtend").hour == 17
    assert str(workshop.decoded("dtstart").tzinfo) == "Europe/Paris"

    page = client.get("/en/events/past/", {"country": "ES"}).content.decode()
    assert "San Sebastián" in page and "Lille" not in page
    paris = Event.objects.get(venue="Musée Social – CEDIAS")
    page = client.get(paris.get_absolute_url().replace("/fr/", "/en/")).content.decode()
    assert "€948 per organisation whose seat is more than 20 km" in page
    node = jsonld_of(page)
    assert node["@type"] == "Event" and node["location"]["name"] == "Musée Social – CEDIAS"
    assert node["startDate"] == "2025-11-26" and node["endDate"] == "2025-11-27"
    assert "This event is over" in page


def test_the_calendar_page_filters_without_javascript(client):
    EventFactory(title_en="Paris meetup", languages=["fr"])
    rome = EventFactory(title_en="Rome meetup", country="IT", locality="Rome", languages=["it"])
    page = client.get("/en/events/", {"country": "IT"}).content.decode()
    assert "Rome meetup" in page and "Paris meetup" not in page
    page = client.get("/en/events/", {"language": "fr"}).content.decode()
    assert "Paris meetup" in page and "Rome meetup" not in page
    # The month as the calendar reads it: in the site's time zone (30 days from late on the
    # 1st of December, UTC, is already January in Paris).
    month = timezone.localtime(rome.starts_at).strftime("%Y-%m")
    assert "Rome meetup" in client.get("/en/events/", {"month": month}).content.decode()
    response = client.get("/en/events/", {"month": "someday"})
    assert response.status_code == 400 and "Enter a valid date" in response.content.decode()


# Resources -----------------------------------------------------------------------------------

COURSE = {
    "kind": "course", "original_language": "fr", "title_fr": "Sobriété numérique",
    "summary_fr": "Réduire l'empreinte de son association.", "licence": "CC-BY-SA-4.0",
    "level": "beginner", "duration_minutes": "90", "languages": "fr, it",
    "themes": ["free-software"], "organisations": "Emmaüs Connect",
    "modules-TOTAL_FORMS": "2", "modules-INITIAL_FORMS": "0",
    "modules-MIN_NUM_FORMS": "0", "modules-MAX_NUM_FORMS": "30",
    "modules-0-position": "2", "modules-0-kind": "practice", "modules-0-title_fr": "Cas pratique",
    "modules-1-position": "1", "modules-1-kind": "theory", "modules-1-title_fr": "Théorie",
}  # fmt: skip


def test_a_course_goes_through_moderation_to_the_library_and_its_feed(client, demo, member,
                                                                       moderator):  # fmt: skip
    client.force_login(member)
    response = client.post("/fr/resources/new/", COURSE)
    assert response.status_code == 302
    course = Resource.objects.get(title_fr="Sobriété numérique")
    assert "Sobriété numérique" not in client.get("/fr/resources/feed.atom").content.decode()
    client.force_login(moderator)
    client.post(f"/en/moderation/commons/resource/{course.pk}/", {"decision": "publish"})
    client.logout()

    page = client.get(f"/en/resources/{course.pk}/{course.slug}/").content.decode()
    assert page.index("Théorie") < page.index("Cas pratique"), "modules in their order"
    assert "This text is in French" not in page and 'lang="fr"' in page
    node = jsonld_of(page)
    assert node["@type"] == "Course" and node["timeRequired"] == "PT90M"
    assert node["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert [part["name"] for part in node["hasPart"]] == ["Théorie", "Cas pratique"]
    assert node["provider"][0]["name"] == "Emmaüs Connect"

    library = client.get("/en/resources/", {"kind": "course", "theme": "free-software"})
    assert "Sobriété numérique" in library.content.decode()
    guides = client.get("/en/resources/", {"kind": "guide"}).content.decode()
    assert "Sobriété numérique" not in guides
    feed = feedparser.parse(client.get("/en/resources/feed.atom").content)
    assert not feed.bozo and feed.version == "atom10"
    assert feed.entries[0].title == "Sobriété numérique"
    assert feed.entries[0].link.endswith(course.get_absolute_url())
    emmaus = Organisation.objects.get(name="Emmaüs Connect")
    assert "Sobriété numérique" in client.get(emmaus.get_absolute_url()).content.decode()


def test_a_rejected_resource_tells_its_contributor_why(client, member, moderator):
    client.force_login(member)
    client.post("/it/resources/new/", {"kind": "article", "original_language": "it",
                                       "title_it": "Pubblicità", "licence": "CC0-1.0"})  # fmt: skip
    item = Resource.objects.get()
    client.force_login(moderator)
    client.post(f"/en/moderation/commons/resource/{item.pk}/", {"decision": "reject"})
    assert Resource.objects.get().publication == "pending", "no reason, no rejection"
    client.post(f"/en/moderation/commons/resource/{item.pk}/",
                {"decision": "reject", "reason": "Advertising."})  # fmt: skip
    assert Resource.objects.get().publication == "rejected"
    assert mail.outbox[-1].to == ["member@example.org"]
    assert "Advertising." in mail.outbox[-1].body and "Ciao" not in mail.outbox[-1].body
    assert "non lo ha pubblicato" in mail.outbox[-1].body, "told in Italian"


def test_members_cannot_moderate_or_edit_what_is_not_theirs(client, member, moderator):
    client.force_login(moderator)
    client.post("/en/resources/new/", {"kind": "guide", "original_language": "en",
                                       "title_en": "A guide", "licence": "CC0-1.0"})  # fmt: skip
    guide = Resource.objects.get()
    assert guide.publication == "published", "a moderator's work is published at once"
    client.force_login(member)
    assert client.get(f"/en/resources/{guide.pk}/{guide.slug}/edit/").status_code == 403
    response = client.post(f"/en/moderation/commons/resource/{guide.pk}/", {"decision": "publish"})
    assert response.status_code == 403
    client.logout()
    assert client.get("/en/resources/new/").status_code == 302, "sign in to contribute"


def test_alternatives_are_browsed_by_the_tool_they_replace(client, demo):
    page = client.get("/en/resources/alternatives/", {"tool": "google-drive"}).content.decode()
    assert "Instead of Google Drive" in page and "Nextcloud" in page and "PeerTube" not in page
    page = client.get("/fr/resources/alternatives/").content.decode()
    assert "Télécoop" in page and "Coopérative" in page
    response = client.get("/en/resources/alternatives/", {"tool": "no-such-tool"})
    assert response.status_code == 404


def test_an_alternative_names_what_it_replaces(client, member):
    client.force_login(member)
    data = {"kind": "alternative", "original_language": "en", "title_en": "Our cloud",
            "licence": "CC0-1.0"}  # fmt: skip
    response = client.post("/en/resources/new/", data)
    assert "Say which tool this alternative replaces." in response.content.decode()
    response = client.post("/en/resources/new/", {**data, "organisations": "Nobody Inc"})
    assert "“Nobody Inc” is not in the atlas" in response.content.decode()
    assert not Resource.objects.exists()


# Opportunities -------------------------------------------------------------------------------


def test_opportunities_are_hidden_after_their_deadline(client):
    today = timezone.localdate()
    OpportunityFactory(title_en="Open job", deadline=today)
    OpportunityFactory(title_en="Closed job", deadline=today - timedelta(days=1))
    page = client.get("/en/opportunities/").content.decode()
    assert "Open job" in page and "Closed job" not in page
    feed = feedparser.parse(client.get("/en/opportunities/feed.atom").content)
    titles = [entry.title for entry in feed.entries]
    assert titles == ["Open job"]
    closed = Opportunity.objects.get(title_en="Closed job")
    assert "This opportunity closed on" in client.get(closed.get_absolute_url()).content.decode()


def test_a_funding_call_and_a_job_in_schema_org(client, demo, moderator):
    client.force_login(moderator)
    response = client.post("/en/opportunities/new/", {
        "kind": "funding", "original_language": "en", "title_en": "Digital commons fund",
        "description_en": "Grants.", "funder": "Fondation de France", "amount_min": "5000",
        "amount_max": "20000", "deadline": "2030-01-31", "eligible_countries": "FR; be; Italy",
        "eligible_legal_forms": ["association", "scic"], "organisations": "fondation de france",
    })  # fmt: skip
    assert response.status_code == 302
    call = Opportunity.objects.get(kind="funding")
    page = client.get(call.get_absolute_url()).content.decode()
    assert "€5,000 to €20,000" in page and "Belgium" in page and "Italy" in page
    node = jsonld_of(page)
    assert node["@type"] == "Grant" and node["amount"]["maxValue"] == "20000.00"
    job = OpportunityFactory(deadline=timezone.localdate() + timedelta(days=9))
    job.organisations.add(Organisation.objects.get(name="Emmaüs Connect"))
    node = jsonld_of(client.get(job.get_absolute_url()).content.decode())
    assert node["@type"] == "JobPosting" and node["employmentType"] == "FULL_TIME"
    assert node["hiringOrganization"]["name"] == "Emmaüs Connect"
    assert node["validThrough"] == job.deadline.isoformat()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"deadline": "2001-01-01"}, "deadline", "This deadline has already passed."),
        ({"amount_min": "10", "amount_max": "5"}, "amount_max", "cannot be below the minimum"),
        ({"eligible_countries": "Atlantis"}, "eligible_countries", "Unknown country: Atlantis."),
    ],
)
def test_an_opportunity_form_with_errors(client, member, changes, field, message):
    client.force_login(member)
    data = {"kind": "funding", "original_language": "en", "title_en": "A call", **changes}
    response = client.post("/en/opportunities/new/", data)
    assert message in " ".join(response.context["form"].errors[field])
    assert 'value="A call"' in response.content.decode()
    assert not Opportunity.objects.exists()


def test_a_saved_search_sends_a_daily_digest_of_new_matches(client, member, moderator):
    OpportunityFactory(title_en="Old internship", kind="internship")
    client.force_login(member)
    page = client.get("/en/opportunities/", {"kind": "internship"}).content.decode()
    assert "Email me new matches each day" in page
    client.post("/en/opportunities/saved/", {"kind": "internship"})
    assert "You receive the new matches" in client.get(
        "/en/opportunities/", {"kind": "internship"}).content.decode()  # fmt: skip

    OpportunityFactory(title_en="New internship", kind="internship")
    OpportunityFactory(title_en="New job", kind="job")
    out = io.StringIO()
    with committed():
        call_command("send_digests", stdout=out)
    assert "1 digest" in out.getvalue()
    [digest] = mail.outbox
    assert digest.to == ["member@example.org"]
    assert "New internship" in digest.body
    assert "Old internship" not in digest.body and "New job" not in digest.body

    with committed():
        call_command("send_digests", stdout=io.StringIO())
    assert len(mail.outbox) == 1, "nothing new, no email"

    search = member.saved_searches.get()
    client.post("/en/opportunities/saved/", {"delete": search.pk})
    assert not member.saved_searches.exists()


# Pages in four languages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["Ressources", "Événements", "Opportunités", "Prochains événements"]),
        ("en", ["Resources", "Events", "Opportunities", "Upcoming events"]),
        ("it", ["Risorse", "Eventi", "Opportunità", "Prossimi eventi"]),
        ("es", ["Recursos", "Eventos", "Oportunidades", "Próximos eventos"]),
    ],
)
def test_commons_pages_in_four_languages(client, demo, language, words):
    event = EventFactory(title_fr="Rencontre", title_it="Incontro")
    home = client.get(f"/{language}/").content.decode()
    for word in words:
        assert word in home
    for url in ("resources/", "resources/alternatives/", "events/", "events/past/",
                "opportunities/", f"events/{event.pk}/{event.slug}/register/"):  # fmt: skip
        response = client.get(f"/{language}/{url}")
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in response.content.decode()


# Personal data -------------------------------------------------------------------------------


def test_registrations_are_forgotten_after_the_retention_period(client, moderator, settings):
    settings.ESSAIM = {**settings.ESSAIM, "REGISTRATION_RETENTION_DAYS": 30}
    ended = timezone.now() - timedelta(days=31)
    old = EventFactory(title_en="Old meetup")
    recent = EventFactory(title_en="Recent meetup")
    register(client, old, "ada@example.org", name="Ada Lovelace")
    register(client, recent, "ada@example.org", name="Ada Lovelace")
    Event.objects.filter(pk=old.pk).update(starts_at=ended - timedelta(hours=2), ends_at=ended)
    out = io.StringIO()
    call_command("forget_registrations", stdout=out)
    assert "1 registration(s) erased" in out.getvalue()
    client.force_login(moderator)
    rows = allowance_rows(client, moderator, old)
    assert list(rows) == [f"{Registration.objects.get(event=old).pk}@erased.invalid"]
    assert "Ada Lovelace" not in client.get(f"/en/events/{old.pk}/{old.slug}/registrations/")\
        .content.decode()  # fmt: skip
    assert "ada@example.org" in allowance_rows(client, moderator, recent)
    page = client.get("/en/privacy/").content.decode()
    assert "erased 30 days after the event" in page


def test_a_member_downloads_their_registrations_and_saved_searches(client, member):
    event = EventFactory(title_en="Data café")
    register(client, event, "MEMBER@example.org", name="Member")
    client.force_login(member)
    client.post("/en/opportunities/saved/", {"kind": "job"})
    data = client.get("/en/accounts/profile/data.json").json()
    assert [r["event"] for r in data["event_registrations"]] == ["Data café"]
    assert [s["query"] for s in data["saved_searches"]] == ["kind=job"]


def test_funding_calls_are_found_by_who_may_apply(client, demo):
    from essaim.atlas.models import LegalForm

    for_fr_be = OpportunityFactory(
        kind="funding", title_en="Call A", eligible_countries=["FR", "BE"]
    )
    for_fr_be.eligible_legal_forms.add(LegalForm.objects.get(code="association"))
    OpportunityFactory(kind="funding", title_en="Call B")  # open to all
    OpportunityFactory(kind="funding", title_en="Call C", eligible_countries=["IT"])

    def titles(**params):
        page = client.get("/en/opportunities/", {"kind": "funding", **params}).content.decode()
        return sorted(set(re.findall(r"Call [ABC]", page)))

    assert titles(eligible_country="France") == ["Call A", "Call B"]
    assert titles(eligible_country="be") == ["Call A", "Call B"]
    assert titles(legal_form="scic") == ["Call B", "Call C"]
    assert titles(eligible_country="Italia", legal_form="association") == ["Call B", "Call C"]
    response = client.get("/en/opportunities/", {"eligible_country": "Atlantis"})
    assert response.status_code == 400 and "Unknown country: Atlantis." in response.content.decode()


# The API -------------------------------------------------------------------------------------


def test_the_commons_through_the_api(client, demo):
    event = EventFactory(title_en="Data café", capacity=3, allowance_amount=Decimal(948))
    register(client, event, "ada@example.org", seat_locality="Lille", seat_country="FR")
    upcoming = client.get("/api/v1/events").json()
    assert [item["title"]["en"] for item in upcoming["results"]] == ["Data café"]
    record = upcoming["results"][0]
    assert record["registration"]["state"] == "open"
    assert record["registration"]["places_left"] == 2
    assert Decimal(record["travel_allowance"]["amount_eur"]) == 948
    assert record["uid"] == f"{event.uid}@essaim" and record["ical"].endswith("/event.ics")
    assert record["starts_at"].endswith("+01:00") or record["starts_at"].endswith("+02:00")

    archive = client.get("/api/v1/events", {"past": "true", "country": "ES"}).json()
    assert [item["locality"] for item in archive["results"]] == ["San Sebastián"]
    response = client.get("/api/v1/events", {"month": "soon"})
    assert response.status_code == 400 and response.json()["parameter"] == "month"

    courses = client.get("/api/v1/resources", {"kind": "course"}).json()["results"]
    assert [m["kind"] for m in courses[0]["modules"]] == [
        "theory", "practice", "toolbox", "reference"]  # fmt: skip
    nextcloud = client.get("/api/v1/resources", {"q": "nextcloud"}).json()["results"][0]
    assert "Google Drive" in nextcloud["replaces"] and nextcloud["tool_licence"] == "AGPL-3.0"
    assert client.get(f"/api/v1/resources/{nextcloud['id']}").json()["id"] == nextcloud["id"]
    assert client.get("/api/v1/resources/999999").status_code == 404

    OpportunityFactory(title_en="Closed", deadline=timezone.localdate() - timedelta(days=1))
    open_titles = [o["title"]["en"] for o in client.get("/api/v1/opportunities").json()["results"]]
    assert "Closed" not in open_titles and "Data volunteering for non-profits" in open_titles
    assert client.get("/api/v1/resources", {"page": 5}).status_code == 400


def test_a_job_says_its_contract_hours_salary_start_and_how_to_apply(client, demo, moderator):
    client.force_login(moderator)
    response = client.post("/en/opportunities/new/", {
        "kind": "job", "original_language": "en", "title_en": "Digital facilitator",
        "description_en": "Help people online.", "organisations": "Emmaüs Connect",
        "locality": "Lille", "country": "France", "contract": "fixed-term",
        "working_time": "part-time", "hours_per_week": "28", "salary_min": "24000",
        "salary_max": "27000", "salary_period": "year", "starts_on": "2031-03-01",
        "how_to_apply": "Send a letter to jobs@example.org; interviews in February.",
        "deadline": "2031-02-01",
    })  # fmt: skip
    assert response.status_code == 302
    job = Opportunity.objects.get(title_en="Digital facilitator")
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Fixed-term contract" in page and "Part time, 28 hours a week" in page
    assert "€24,000 to €27,000 a year" in page and "1 Mar 2031" in page
    assert "interviews in February" in page
    node = jsonld_of(page)
    assert node["employmentType"] == "PART_TIME" and node["jobStartDate"] == "2031-03-01"
    assert node["baseSalary"]["value"]["minValue"] == "24000.00"
    assert node["baseSalary"]["value"]["unitText"] == "YEAR"
    record = client.get(f"/api/v1/opportunities/{job.pk}").json()
    assert record["contract"] == "fixed-term" and record["hours_per_week"] == "28.0"
    assert record["salary"] == {"min_eur": "24000.00", "max_eur": "27000.00", "per": "year"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"salary_min": "30000", "salary_max": "20000"}, "salary_max", "cannot be below"),
        ({"hours_per_week": "90"}, "hours_per_week", "less than or equal to 60"),
    ],
)
def test_a_job_offer_with_errors_keeps_what_was_typed(client, member, changes, field, message):
    client.force_login(member)
    data = {"kind": "job", "original_language": "en", "title_en": "Coordinator", **changes}
    html = client.post("/en/opportunities/new/", data).content.decode()
    assert message in html and 'value="Coordinator"' in html
    assert not Opportunity.objects.filter(title_en="Coordinator").exists()


def test_an_event_without_allowance_needs_no_allowance_rule(client, demo, member):
    client.force_login(member)
    page = client.get("/en/events/new/").content.decode()
    assert 'data-shown-when="allowance_amount"' in page
    assert "Italy — UTC+01:00 (UTC+02:00 in summer)" in page and ">Europe/Rome<" not in page
    checkbox = page.index('name="all_day"')
    assert page.index("All day", checkbox) - checkbox < 200, "the box, then its words"
