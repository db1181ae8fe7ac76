"""Resources: courses, guides, job profiles, interviews, alternatives to big-platform tools."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from essaim.atlas.models import (
    Multilingual,
    Organisation,
    Translated,
)

from .base import Contributed, in_language

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
    title_fr = in_language(models.CharField, _("title"), "fr", max_length=200)
    title_en = in_language(models.CharField, _("title"), "en", max_length=200)
    title_it = in_language(models.CharField, _("title"), "it", max_length=200)
    title_es = in_language(models.CharField, _("title"), "es", max_length=200)
    summary_fr = in_language(models.CharField, _("summary"), "fr", max_length=300)
    summary_en = in_language(models.CharField, _("summary"), "en", max_length=300)
    summary_it = in_language(models.CharField, _("summary"), "it", max_length=300)
    summary_es = in_language(models.CharField, _("summary"), "es", max_length=300)
    body_fr = in_language(models.TextField, _("text"), "fr")
    body_en = in_language(models.TextField, _("text"), "en")
    body_it = in_language(models.TextField, _("text"), "it")
    body_es = in_language(models.TextField, _("text"), "es")
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
    title_fr = in_language(models.CharField, _("title"), "fr", max_length=200)
    title_en = in_language(models.CharField, _("title"), "en", max_length=200)
    title_it = in_language(models.CharField, _("title"), "it", max_length=200)
    title_es = in_language(models.CharField, _("title"), "es", max_length=200)
    body_fr = in_language(models.TextField, _("text"), "fr")
    body_en = in_language(models.TextField, _("text"), "en")
    body_it = in_language(models.TextField, _("text"), "it")
    body_es = in_language(models.TextField, _("text"), "es")

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
