"""Opportunities (jobs, internships, volunteering, funding calls) and members' saved searches."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from essaim.atlas.models import (
    LegalForm,
    Translated,
)

from .base import Contributed, OpportunityQuerySet, in_language

# Opportunities -------------------------------------------------------------------------------


class Opportunity(Contributed):
    class Kind(models.TextChoices):
        JOB = "job", _("Job")
        INTERNSHIP = "internship", _("Internship")
        VOLUNTEERING = "volunteering", _("Volunteering mission")
        FUNDING = "funding", _("Funding call")

    class Contract(models.TextChoices):
        PERMANENT = "permanent", _("Permanent contract")
        FIXED_TERM = "fixed-term", _("Fixed-term contract")
        APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
        INTERNSHIP = "internship", _("Internship agreement")
        CIVIC_SERVICE = "civic-service", _("Civic service")
        FREELANCE = "freelance", _("Freelance")

    class WorkingTime(models.TextChoices):
        FULL_TIME = "full-time", _("Full time")
        PART_TIME = "part-time", _("Part time")

    class SalaryPeriod(models.TextChoices):
        YEAR = "year", _("a year")
        MONTH = "month", _("a month")
        HOUR = "hour", _("an hour")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, db_index=True)
    title_fr = in_language(models.CharField, _("title"), "fr", max_length=200)
    title_en = in_language(models.CharField, _("title"), "en", max_length=200)
    title_it = in_language(models.CharField, _("title"), "it", max_length=200)
    title_es = in_language(models.CharField, _("title"), "es", max_length=200)
    description_fr = in_language(models.TextField, _("description"), "fr")
    description_en = in_language(models.TextField, _("description"), "en")
    description_it = in_language(models.TextField, _("description"), "it")
    description_es = in_language(models.TextField, _("description"), "es")
    url = models.URLField(_("link to apply"), blank=True)
    locality = models.CharField(_("locality"), max_length=120, blank=True)
    country = CountryField(_("country"), blank=True, db_index=True)
    remote = models.BooleanField(_("remote work possible"), default=False)
    duration = models.CharField(_("duration"), max_length=120, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    # For a job or an internship.
    contract = models.CharField(_("contract"), max_length=16, choices=Contract.choices, blank=True)
    working_time = models.CharField(
        _("working time"), max_length=10, choices=WorkingTime.choices, blank=True
    )
    hours_per_week = models.DecimalField(
        _("hours a week"), max_digits=4, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(60))],
    )  # fmt: skip
    salary_min = models.DecimalField(
        _("gross salary from (EUR)"), max_digits=9, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    salary_max = models.DecimalField(
        _("gross salary up to (EUR)"), max_digits=9, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    salary_period = models.CharField(
        _("salary per"), max_length=5, choices=SalaryPeriod.choices, default=SalaryPeriod.YEAR
    )
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    how_to_apply = models.TextField(
        _("how to apply"), max_length=2000, blank=True,
        help_text=_("What to send, to whom, and what happens next."),
    )  # fmt: skip
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
