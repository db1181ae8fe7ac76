"""Factories for what tests need in the database, with sensible defaults a test overrides by
keyword: `EventFactory(capacity=2)`, `UserFactory(is_moderator=True)`."""

from datetime import timedelta

import factory
from django.utils import timezone

from essaim.accounts.models import User
from essaim.commons.models import Event, Opportunity, Publication

PASSWORD = "pw-for-tests-only"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda number: f"member{number}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(PASSWORD)


def _in_a_month():
    return (timezone.now() + timedelta(days=30)).replace(second=0, microsecond=0)


class EventFactory(factory.django.DjangoModelFactory):
    """A published event in Paris, a month from now, for four hours."""

    class Meta:
        model = Event

    title_en = "Commons gathering"
    title_fr = "Rencontre des communs"
    original_language = "en"
    starts_at = factory.LazyFunction(_in_a_month)
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + timedelta(hours=4))
    time_zone = "Europe/Paris"
    locality = "Paris"
    country = "FR"
    latitude = 48.8566
    longitude = 2.3522
    publication = Publication.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class OpportunityFactory(factory.django.DjangoModelFactory):
    """A published job in France, with no deadline."""

    class Meta:
        model = Opportunity

    kind = "job"
    title_en = "Data steward"
    original_language = "en"
    country = "FR"
    publication = Publication.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
