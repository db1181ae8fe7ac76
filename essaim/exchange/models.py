"""Sources: the datasets the atlas imports or follows, each with its saved mapping."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.Model):
    """An external dataset. Its name is the provenance written on each organisation it brings
    (`Organisation.source`); re-importing it updates those organisations by their id there."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSON = "json", "JSON"
        GEOJSON = "geojson", "GeoJSON"
        DATA_INCLUSION = "data-inclusion", "data·inclusion"
        LMN = "lmn", _("Digital mediation places (LMN)")
        ESSAIM = "essaim", _("Another Essaim instance")

    name = models.SlugField(_("name"), max_length=100, unique=True)
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_("The source's name as people know it, shown on its organisations' pages."),
    )
    format = models.CharField(_("format"), max_length=16, choices=Format.choices)
    # {"columns": {their column: our field}, "values": {our field: {their value: our code}},
    #  "defaults": {our field: value}}: see docs/imports.md.
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    url = models.URLField(_("address"), blank=True)
    # Following another instance: the last sequence number of its change feed taken in.
    feed_position = models.BigIntegerField(_("position in its change feed"), default=0)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    # Counts of the last run: created, updated, unchanged, rejected, missing.
    last_report = models.JSONField(_("last report"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name
