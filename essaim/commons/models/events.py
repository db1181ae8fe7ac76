"""Events and their registrations."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from essaim.atlas.models import (
    Translated,
)
from essaim.search.query import distance_km

from .base import (
    TIME_ZONES,
    Contributed,
    EventQuerySet,
    in_language,
)

# Events --------------------------------------------------------------------------------------


class Event(Contributed):
    class Mode(models.TextChoices):
        ON_SITE = "on-site", _("On site")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("On site and online")

    title_fr = in_language(models.CharField, _("title"), "fr", max_length=200)
    title_en = in_language(models.CharField, _("title"), "en", max_length=200)
    title_it = in_language(models.CharField, _("title"), "it", max_length=200)
    title_es = in_language(models.CharField, _("title"), "es", max_length=200)
    description_fr = in_language(models.TextField, _("description"), "fr")
    description_en = in_language(models.TextField, _("description"), "en")
    description_it = in_language(models.TextField, _("description"), "it")
    description_es = in_language(models.TextField, _("description"), "es")
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
        return distance_km(self.seat_latitude, self.seat_longitude, event.latitude, event.longitude)
