"""What every item of the commons shares: publication, contributors, texts per language."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from essaim.atlas.models import (
    Multilingual,
    Organisation,
    Sector,
    Translated,
    slug_for,
)
from essaim.competences.models import Competence

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
    def published(self) -> "PublishedQuerySet":
        return self.filter(publication=Publication.PUBLISHED)


class EventQuerySet(PublishedQuerySet):
    def upcoming(self) -> "EventQuerySet":
        return self.published().filter(ends_at__gte=timezone.now())

    def past(self) -> "EventQuerySet":
        return self.published().filter(ends_at__lt=timezone.now())


class OpportunityQuerySet(PublishedQuerySet):
    def open(self) -> "OpportunityQuerySet":
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
    competences = models.ManyToManyField(
        Competence,
        blank=True,
        related_name="%(class)ss",
        verbose_name=_("digital competences"),
        help_text=_("The DigComp competences it helps to learn or use."),
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


LANGUAGE_NAMES = {"fr": _("French"), "en": _("English"), "it": _("Italian"), "es": _("Spanish")}


def in_language(field_class, label: str, code: str, **options) -> models.Field:
    """A text field of one content language ("title (French)"): models declare one per
    language, by name, so that a reader finds `title_fr` where it is defined."""
    return field_class(format_lazy("{} ({})", label, LANGUAGE_NAMES[code]), blank=True, **options)
