"""Small helpers shared by the tests."""

from contextlib import contextmanager
from pathlib import Path

from django.db import connections
from django.test import Client
from django.utils import translation

# The tests' folder: data, snapshots, the field's standards, vendored tools.
TESTS = Path(__file__).resolve().parent


def on_sqlite() -> bool:
    """Whether the suite runs on SQLite (the embedded default) rather than PostgreSQL."""
    return connections["default"].vendor == "sqlite"


def use_a_helper(monkeypatch) -> list:
    """Make the work shared with a helper process (`core/parallel.py`) happen at a test's size:
    past 10 items, sent 7 at a time. Returns the list of the helper's runs, to check it ran."""
    from essaim.core import parallel

    runs = []
    with_helper = parallel._with_helper

    def counted(*args):
        runs.append(True)
        return with_helper(*args)

    monkeypatch.setattr(parallel, "ALONE_BELOW", 10)
    monkeypatch.setattr(parallel, "CHUNK", 7)
    monkeypatch.setattr(parallel, "_with_helper", counted)
    return runs


@contextmanager
def committed(using: str = "default"):
    """Run the callbacks scheduled for after the commit by what happens inside, as the commit
    of a real transaction would (a test's own transaction never commits). They are taken off
    the queue, so an enclosing `committed` does not run them twice."""
    connection = connections[using]
    start = len(connection.run_on_commit)
    try:
        yield
    finally:
        while len(connection.run_on_commit) > start:
            pending = connection.run_on_commit[start:]
            del connection.run_on_commit[start:]
            for _savepoints, callback, _robust in pending:
                callback()


class CommittingClient(Client):
    """A test client whose every request commits, as in production."""

    def request(self, **request):
        with committed():
            return super().request(**request)


def page_of(org, language: str) -> str:
    """The address of an organisation's page in a language."""
    with translation.override(language):
        return org.get_absolute_url()


def page_types(language: str) -> list[str]:
    """One address of every public page type, in a language (the demo atlas loaded).

    The accessibility and third-party checks visit these: add a new page type here."""
    from essaim.atlas.models import Organisation
    from essaim.commons.models import Event, Opportunity, Resource

    org = Organisation.objects.get(name="Emmaüs Connect")
    course = Resource.objects.get(kind="course", title_en__startswith="Teaching digital")
    alternative = Resource.objects.get(title_en="Nextcloud")
    past = Event.objects.get(venue="Musée Social – CEDIAS")
    upcoming = upcoming_event()
    opportunity = Opportunity.objects.published().first()
    with translation.override(language):
        commons = [
            course.get_absolute_url(),
            alternative.get_absolute_url(),
            past.get_absolute_url(),
            upcoming.get_absolute_url(),
            upcoming.get_absolute_url() + "register/",
            opportunity.get_absolute_url(),
        ]
    return [
        *commons,
        f"/{language}/resources/",
        f"/{language}/resources/?kind=course&q=num",
        f"/{language}/resources/alternatives/?tool=youtube",
        f"/{language}/competences/",
        f"/{language}/competences/digcomp-2.2:5.4/",
        f"/{language}/competences/self-check/",
        *diagnostic_pages(language),
        f"/{language}/help/",
        f"/{language}/help/needs/{first_need()}/",
        *observatory_pages(language),
        f"/{language}/network/",
        f"/{language}/network/announcements/",
        f"/{language}/network/announcements/{first_announcement()}/",
        f"/{language}/network/contact/",
        f"/{language}/network/write/{org.pk}/",
        f"/{language}/events/",
        f"/{language}/events/past/?country=FR",
        f"/{language}/opportunities/",
        f"/{language}/",
        f"/{language}/atlas/",
        f"/{language}/atlas/?q=coop&country=FR",
        f"/{language}/atlas/?sector=unknown",
        f"/{language}/atlas/?q=mediateur+pres+de+Arras",
        f"/{language}/atlas/?where=Saint-Denis",
        f"/{language}/search/?q=Google+Drive",
        f"/{language}/search/?q=formation&where=Lille",
        page_of(org, language),
        page_of(org, language) + "history/",
        page_of(org, language) + "suggest/",
        f"/{language}/atlas/suggest/",
        f"/{language}/atlas/map/",
        f"/{language}/api/",
        f"/{language}/accounts/login/",
        f"/{language}/accounts/signup/",
        f"/{language}/accounts/password/reset/",
        f"/{language}/privacy/",
        f"/{language}/accessibility/",
    ]


def first_announcement() -> int:
    from essaim.network.models import Announcement

    return Announcement.objects.filter(state="sent").first().pk


def observatory_pages(language: str) -> list[str]:
    """The observatory's public pages on the demo's figures, goals and survey."""
    from essaim.observatory.models import Goal, Survey

    survey = Survey.objects.get(state="published")
    return [
        f"/{language}/observatory/",
        f"/{language}/observatory/indicators/ess-jobs/",
        f"/{language}/observatory/territories/qc-mrc/64/",
        f"/{language}/observatory/territories/ca-province/QC/",
        f"/{language}/observatory/goals/{Goal.objects.order_by('pk').first().pk}/",
        f"/{language}/observatory/atlas/?on=2025-01-01&by=family",
        f"/{language}/observatory/impact/",
        f"/{language}/observatory/surveys/",
        f"/{language}/observatory/surveys/{survey.pk}/results/",
        f"/{language}/observatory/surveys/{survey.pk}/results/?by=family",
    ]


def first_need() -> int:
    from essaim.matching.models import Need

    return Need.objects.open().order_by("pk").first().pk


def diagnostic_pages(language: str) -> list[str]:
    """The diagnostic's public pages, a demo organisation's result and plan by its
    respondent's link, and a page of questions of an answer in progress."""
    from django.contrib.auth.models import AnonymousUser

    from essaim.diagnostics.actions import do_start, response_token
    from essaim.diagnostics.models import Response

    sent = Response.objects.filter(submitted_at__isnull=False, diagnostic__previous__isnull=False)
    answered = f"/{language}/diagnostic/answers/{response_token(sent.first())}/"
    ongoing = (
        f"/{language}/diagnostic/answers/{response_token(do_start(AnonymousUser(), language))}/"
    )
    return [
        f"/{language}/diagnostic/",
        f"/{language}/diagnostic/method/",
        f"/{language}/diagnostic/network/",
        f"/{language}/diagnostic/fragility/",
        ongoing + "?step=3",
        ongoing + "?step=8",
        answered + "result/",
        answered + "plan/",
    ]


def upcoming_event():
    """An event open for registration, with places and a travel allowance (the demo's events
    are all past): created once."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from essaim.atlas.models import Organisation
    from essaim.commons.models import Event, Publication

    start = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=20)
    event, created = Event.objects.get_or_create(
        title_fr="Atelier : libérer son association des GAFAM",
        defaults={
            "title_en": "Workshop: freeing your association from the GAFAM",
            "description_fr": "Un atelier pratique pour **migrer** ses outils.",
            "starts_at": start, "ends_at": start + timedelta(hours=4),
            "time_zone": "Europe/Paris", "venue": "Musée Social – CEDIAS", "locality": "Paris",
            "country": "FR", "latitude": 48.8588, "longitude": 2.3200, "capacity": 30,
            "allowance_amount": Decimal(948), "languages": ["fr"],
            "publication": Publication.PUBLISHED, "published_at": timezone.now(),
        },
    )  # fmt: skip
    if created:
        event.organisations.set(Organisation.objects.filter(name__startswith="Social Good"))
    return event
