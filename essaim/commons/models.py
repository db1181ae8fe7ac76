"""The commons: resources, events with registrations, opportunities, and saved searches.

Members contribute them; a moderator publishes or rejects what a member proposes (the same
path as suggestions to the atlas). Texts are stored once per language, like organisations'.
"""

import math
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from essaim.atlas.models import (
    CONTENT_LANGUAGES,
    LegalForm,
    Multilingual,
    Organisation,
    Sector,
    Translated,
    slug_for,
)

TIME_ZONES = [
    "Europe/Paris", "Europe/Brussels", "Europe/Madrid", "Europe/Rome", "Europe/Lisbon",
    "Europe/London", "Europe/Dublin", "Europe/Berlin", "Europe/Amsterdam", "Europe/Luxembourg",
    "Europe/Vienna", "Europe/Zurich", "Europe/Prague", "Europe/Warsaw", "Europe/Budapest",
    "Europe/Bucharest", "Europe/Sofia", "Europe/Athens", "Europe/Helsinki", "Europe/Stockholm",
    "Europe/Copenhagen", "Europe/Oslo", "Europe/Tallinn", "Europe/Riga", "Europe/Vilnius",
    "Europe/Ljubljana", "Europe/Zagreb", "Europe/Bratislava", "Europe/Malta", "Asia/Nicosia",
    "America/Montreal", "America/Toronto", "UTC",
]  # fmt: skip


class Publication(models.TextChoices):
    PENDING = "pending", _("Waiting for a moderator")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(publication=Publication.PUBLISHED)


class EventQuerySet(PublishedQuerySet):
    def upcoming(self):
        return self.published().filter(ends_at__gte=timezone.now())

    def past(self):
        return self.published().filter(ends_at__lt=timezone.now())


class OpportunityQuerySet(PublishedQuerySet):
    def open(self):
        """Published and not past their deadline (the last day included)."""
        return self.published().filter(
            Q(deadline__isnull=True) | Q(deadline__gte=timezone.localdate())
        )


class Contributed(Multilingual, models.Model):
    """What the resources, events and opportunities share: texts per language, the
    organisations behind them, themes, who proposed them and the moderator's decision."""

    original_language = models.CharField(
        _("original language"), max_length=2, choices=settings.LANGUAGES, default="fr"
    )
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="%(class)ss", verbose_name=_("organisations")
    )
    themes = models.ManyToManyField(
        Sector, blank=True, related_name="%(class)ss", verbose_name=_("themes")
    )
    publication = models.CharField(
        _("publication"),
        max_length=10,
        choices=Publication.choices,
        default=Publication.PENDING,
        db_index=True,
    )
    contributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contributed by"),
    )
    # The language the contributor wrote in: what they are told is in it.
    contributor_language = models.CharField(
        _("contributor's language"), max_length=2, choices=settings.LANGUAGES, default="fr"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    rejection_reason = models.TextField(_("reason for rejection"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title.text

    @property
    def title(self) -> Translated:
        return self.translated("title")

    @property
    def slug(self) -> str:
        """From the title in its original language: the same address in every language."""
        return slug_for(self.translated("title", self.original_language).text)

    @property
    def is_published(self) -> bool:
        return self.publication == Publication.PUBLISHED


def text_fields(name: str, label: str, field_class, **options) -> dict:
    """One field per content language, for a model's `locals()`."""
    names = {"fr": _("French"), "en": _("English"), "it": _("Italian"), "es": _("Spanish")}
    return {
        f"{name}_{code}": field_class(
            format_lazy("{} ({})", label, names[code]), blank=True, **options
        )
        for code in CONTENT_LANGUAGES
    }


# Resources -----------------------------------------------------------------------------------


class Tool(models.Model):
    """A big platform's tool that alternatives replace ("I use X: what else is there?")."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("code"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("replaced tool")
        verbose_name_plural = _("replaced tools")

    def __str__(self) -> str:
        return self.name


class Resource(Contributed):
    class Kind(models.TextChoices):
        COURSE = "course", _("Course")
        GUIDE = "guide", _("Guide")
        ARTICLE = "article", _("Article")
        JOB_PROFILE = "job-profile", _("Job profile")
        INTERVIEW = "interview", _("Interview")
        TOOLBOX = "toolbox", _("Toolbox")
        ALTERNATIVE = "alternative", _("Alternative to a big-platform tool")

    class Level(models.TextChoices):
        BEGINNER = "beginner", _("Beginner")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")

    class Governance(models.TextChoices):
        COOPERATIVE = "cooperative", _("Cooperative")
        ASSOCIATION = "association", _("Association or foundation")
        COMMUNITY = "community", _("Community of contributors")
        PUBLIC = "public", _("Public body")
        COMPANY = "company", _("Company")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, db_index=True)
    locals().update(text_fields("title", _("title"), models.CharField, max_length=200))
    locals().update(text_fields("summary", _("summary"), models.CharField, max_length=300))
    locals().update(text_fields("body", _("text"), models.TextField))
    url = models.URLField(_("link"), blank=True)
    licence = models.CharField(
        _("licence"),
        max_length=40,
        default="CC-BY-SA-4.0",
        help_text=_("An SPDX identifier, such as CC-BY-SA-4.0 or CC0-1.0."),
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, blank=True)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # For an alternative to a big-platform tool.
    replaces = models.ManyToManyField(
        Tool, blank=True, related_name="alternatives", verbose_name=_("replaces")
    )
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="provided_alternatives",
        verbose_name=_("organisation behind it"),
    )
    tool_licence = models.CharField(_("software licence"), max_length=40, blank=True)
    hosting_country = CountryField(_("hosting country"), blank=True)
    governance = models.CharField(
        _("governance"), max_length=12, choices=Governance.choices, blank=True
    )
    price = models.CharField(_("price"), max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def get_absolute_url(self) -> str:
        return reverse("resource", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def summary(self) -> Translated:
        return self.translated("summary")

    @property
    def body(self) -> Translated:
        return self.translated("body")


class CourseModule(Multilingual, models.Model):
    """One part of a course, in the order the learner follows."""

    class Kind(models.TextChoices):
        THEORY = "theory", _("Theory")
        PRACTICE = "practice", _("Practical case")
        TOOLBOX = "toolbox", _("Toolbox")
        REFERENCE = "reference", _("Reference")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="modules")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    locals().update(text_fields("title", _("title"), models.CharField, max_length=200))
    locals().update(text_fields("body", _("text"), models.TextField))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("course module")
        verbose_name_plural = _("course modules")

    def __str__(self) -> str:
        return self.title.text

    @property
    def original_language(self) -> str:
        return self.resource.original_language

    @property
    def title(self) -> Translated:
        return self.translated("title")

    @property
    def body(self) -> Translated:
        return self.translated("body")


# Events --------------------------------------------------------------------------------------


class Event(Contributed):
    class Mode(models.TextChoices):
        ON_SITE = "on-site", _("On site")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("On site and online")

    locals().update(text_fields("title", _("title"), models.CharField, max_length=200))
    locals().update(text_fields("description", _("description"), models.TextField))
    starts_at = models.DateTimeField(_("start"), db_index=True)
    ends_at = models.DateTimeField(_("end"))
    all_day = models.BooleanField(
        _("all day"), default=False, help_text=_("Only the dates are shown, without times.")
    )
    time_zone = models.CharField(
        _("time zone"), max_length=40, choices=[(zone, zone) for zone in TIME_ZONES],
        default="Europe/Paris",
    )  # fmt: skip
    mode = models.CharField(_("format"), max_length=8, choices=Mode.choices, default=Mode.ON_SITE)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    locality = models.CharField(_("locality"), max_length=120, blank=True)
    country = CountryField(_("country"), blank=True, db_index=True)
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )  # fmt: skip
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )  # fmt: skip
    online_url = models.URLField(_("online link"), blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    website = models.URLField(_("web page"), blank=True)
    takes_registrations = models.BooleanField(_("registration on Essaim"), default=True)
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    # The travel allowance, as the organiser sets it; no amount, no allowance.
    allowance_amount = models.DecimalField(
        _("travel allowance (EUR)"), max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    allowance_min_distance_km = models.DecimalField(
        _("allowance: seat farther than (km)"), max_digits=7, decimal_places=1,
        default=Decimal(20), validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    allowance_first_time_only = models.BooleanField(
        _("allowance: first participation only"), default=True
    )
    # iCalendar: a stable UID and a SEQUENCE bumped each time the event changes.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("event", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def description(self) -> Translated:
        return self.translated("description")

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()

    @property
    def has_venue(self) -> bool:
        return self.mode != self.Mode.ONLINE

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def registration_state(self, now=None) -> str:
        """ "open", or why registration is not: "none", "not-yet", "closed" or "past"."""
        now = now or timezone.now()
        if not self.takes_registrations:
            return "none"
        if self.ends_at < now:
            return "past"
        if self.registration_opens_at and now < self.registration_opens_at:
            return "not-yet"
        if (self.registration_closes_at and now >= self.registration_closes_at) or (
            now >= self.starts_at and not self.registration_closes_at
        ):
            return "closed"
        return "open"


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on the mean Earth radius (IUGG, 6371.0088 km)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.CONFIRMED, Status.WAITING)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(_("name"), max_length=120)
    # Stored in lower case: one registration per address and event.
    email = models.EmailField(_("email"))
    organisation_name = models.CharField(_("organisation"), max_length=200)
    seat_locality = models.CharField(_("locality of the organisation's seat"), max_length=120)
    seat_country = CountryField(_("country of the organisation's seat"))
    seat_latitude = models.FloatField(null=True, blank=True)
    seat_longitude = models.FloatField(null=True, blank=True)
    first_participation = models.BooleanField(
        _("first participation of the organisation"), default=False
    )
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, db_index=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    promoted_at = models.DateTimeField(_("moved from the waiting list"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            # The database itself refuses a second active registration of an address.
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=Q(status__in=["confirmed", "waiting"]),
                name="one_active_registration_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.event}"

    @property
    def organisation_key(self) -> str:
        return " ".join(self.organisation_name.casefold().split())

    def seat_distance_km(self) -> float | None:
        event = self.event
        if self.seat_latitude is None or self.seat_longitude is None:
            return None
        if not event.has_coordinates:
            return None
        return great_circle_km(
            self.seat_latitude, self.seat_longitude, event.latitude, event.longitude
        )


# Opportunities -------------------------------------------------------------------------------


class Opportunity(Contributed):
    class Kind(models.TextChoices):
        JOB = "job", _("Job")
        INTERNSHIP = "internship", _("Internship")
        VOLUNTEERING = "volunteering", _("Volunteering mission")
        FUNDING = "funding", _("Funding call")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, db_index=True)
    locals().update(text_fields("title", _("title"), models.CharField, max_length=200))
    locals().update(text_fields("description", _("description"), models.TextField))
    url = models.URLField(_("link to apply"), blank=True)
    locality = models.CharField(_("locality"), max_length=120, blank=True)
    country = CountryField(_("country"), blank=True, db_index=True)
    remote = models.BooleanField(_("remote work possible"), default=False)
    duration = models.CharField(_("duration"), max_length=120, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    funder = models.CharField(_("funder"), max_length=200, blank=True)
    amount_min = models.DecimalField(
        _("minimum amount (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    amount_max = models.DecimalField(
        _("maximum amount (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    eligible_countries = CountryField(_("eligible countries"), multiple=True, blank=True)
    eligible_legal_forms = models.ManyToManyField(
        LegalForm, blank=True, related_name="+", verbose_name=_("eligible legal forms")
    )

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")

    def get_absolute_url(self) -> str:
        return reverse("opportunity", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def description(self) -> Translated:
        return self.translated("description")

    @property
    def is_open(self) -> bool:
        return self.deadline is None or self.deadline >= timezone.localdate()


class SavedSearch(models.Model):
    """A member's search of opportunities, sent to them each day when it has new matches."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    query = models.CharField(_("search"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # New matches are those published after this moment.
    checked_at = models.DateTimeField(_("last checked"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        constraints = [
            models.UniqueConstraint(fields=["user", "query"], name="one_saved_search_per_query")
        ]

    def __str__(self) -> str:
        return self.query or "*"


def pending_contributions() -> list:
    """What members proposed to the commons, oldest first, for the moderation queue."""
    items = [
        *Resource.objects.filter(publication=Publication.PENDING),
        *Event.objects.filter(publication=Publication.PENDING),
        *Opportunity.objects.filter(publication=Publication.PENDING),
    ]
    return sorted(items, key=lambda item: item.created_at)


def highlights(org: Organisation | None = None, count: int = 3) -> dict:
    """Upcoming events, new resources and open opportunities — an organisation's own, or all."""
    events = Event.objects.upcoming()
    resources = Resource.objects.published().order_by("-published_at", "-id")
    opportunities = Opportunity.objects.open().order_by("deadline", "-published_at")
    if org is not None:
        events, resources, opportunities = (
            queryset.filter(organisations=org) for queryset in (events, resources, opportunities)
        )
    return {
        "upcoming_events": list(events[:count]),
        "new_resources": list(resources.prefetch_related("organisations")[:count]),
        "open_opportunities": list(opportunities.prefetch_related("organisations")[:count]),
    }
