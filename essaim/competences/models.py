"""Competence frameworks as data: DigComp 2.2 today, its successors beside it tomorrow.

A framework (`digcomp-2.2`) has areas, competences and proficiency levels, each with its name
and a short description in the four content languages; a competence has a stable `key`
("digcomp-2.2:1.1") that resources, events and opportunities are tagged with, and the URI of
the ESCO concept it maps to, when there is one. A `Crosswalk` links a competence of one
framework to one of another (2.2 → 3.0), so that what was tagged with one is found with both.
"""

from collections import defaultdict

from django.db import models
from django.utils.translation import gettext_lazy as _

from essaim.atlas.models import Multilingual, Translated


class Named(Multilingual, models.Model):
    """A name and a short description in each content language."""

    original_language = "en"  # the JRC writes DigComp in English; Essaim's texts follow it

    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    description_fr = models.TextField(_("description (French)"), max_length=2000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=2000, blank=True)
    description_it = models.TextField(_("description (Italian)"), max_length=2000, blank=True)
    description_es = models.TextField(_("description (Spanish)"), max_length=2000, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> Translated:
        return self.translated("name")

    @property
    def description(self) -> Translated:
        return self.translated("description")


class Framework(Named):
    key = models.SlugField(_("key"), max_length=40, unique=True)  # "digcomp-2.2"
    family = models.SlugField(_("family"), max_length=30)  # "digcomp"
    version = models.CharField(_("version"), max_length=10)  # "2.2"
    source_url = models.URLField(_("source"), blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    published = models.DateField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("competence framework")
        verbose_name_plural = _("competence frameworks")
        ordering = ["family", "-version"]

    def __str__(self) -> str:
        return self.key


class Described(Named):
    """A part of a framework: a number within it, a name and a short description."""

    framework = models.ForeignKey(
        Framework,
        on_delete=models.CASCADE,
        related_name="%(class)ss",
        verbose_name=_("framework"),
    )
    number = models.CharField(_("number"), max_length=10)  # "1", "1.1", "3"
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["framework", "position"]

    def __str__(self) -> str:
        return f"{self.number} {self.name_en}"


class Area(Described):
    class Meta(Described.Meta):
        verbose_name = _("competence area")
        verbose_name_plural = _("competence areas")
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="area_number_once")
        ]


class Competence(Described):
    key = models.CharField(_("key"), max_length=60, unique=True)  # "digcomp-2.2:1.1"
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="competences", verbose_name=_("area")
    )
    esco_uri = models.URLField(_("ESCO concept"), blank=True)

    class Meta(Described.Meta):
        verbose_name = _("competence")
        verbose_name_plural = _("competences")

    @property
    def label(self) -> str:
        """ "1.1 Browsing, searching…", in the page's language."""
        return f"{self.number} {self.name.text}"

    def equivalents(self) -> list[int]:
        """Its id and those of the competences of other frameworks that stand for it: a search
        for one finds what was tagged with the others."""
        return sorted({self.pk, *standing_for([self.pk])[self.pk]})


class Level(Described):
    """A proficiency level (DigComp 2.2: 1 to 8, in four bands)."""

    band_fr = models.CharField(_("band (French)"), max_length=60)
    band_en = models.CharField(_("band (English)"), max_length=60)
    band_it = models.CharField(_("band (Italian)"), max_length=60)
    band_es = models.CharField(_("band (Spanish)"), max_length=60)

    class Meta(Described.Meta):
        verbose_name = _("proficiency level")
        verbose_name_plural = _("proficiency levels")

    @property
    def band(self) -> Translated:
        return self.translated("band")


class Crosswalk(models.Model):
    """How a competence of one framework maps to one of another (SKOS mapping relations)."""

    class Relation(models.TextChoices):
        EXACT = "exact", _("the same competence")
        CLOSE = "close", _("close enough to be used for one another")
        BROADER = "broader", _("broader")
        NARROWER = "narrower", _("narrower")
        RELATED = "related", _("related")

    source = models.ForeignKey(
        Competence, on_delete=models.CASCADE, related_name="crosswalks", verbose_name=_("from")
    )
    target = models.ForeignKey(
        Competence, on_delete=models.CASCADE, related_name="+", verbose_name=_("to")
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)

    class Meta:
        verbose_name = _("crosswalk")
        verbose_name_plural = _("crosswalks")
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="crosswalk_once")]

    def __str__(self) -> str:
        return f"{self.source.key} → {self.target.key} ({self.relation})"


def standing_for(ids: list[int] | None = None) -> dict[int, set[int]]:
    """{competence id: ids of the competences that stand for it}: a crosswalk `exact` or
    `close`, read either way; for these competences, or all."""
    pairs = Crosswalk.objects.filter(
        relation__in=[Crosswalk.Relation.EXACT, Crosswalk.Relation.CLOSE]
    )
    if ids is not None:
        pairs = pairs.filter(models.Q(source__in=ids) | models.Q(target__in=ids))
    found = defaultdict(set)
    for source, target in pairs.values_list("source_id", "target_id"):
        found[source].add(target)
        found[target].add(source)
    return found
