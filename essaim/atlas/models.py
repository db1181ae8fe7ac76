"""The atlas: organisations and the taxonomies that describe them.

Content written by people (names aside) is stored once per language, with the language it was
first written in; `translated()` picks the visitor's language or falls back, saying so.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

CONTENT_LANGUAGES = [code for code, _name in settings.LANGUAGES]


def slug_for(name: str) -> str:
    """The readable part of an organisation's address."""
    return slugify(name)[:80] or "organisation"


@dataclass(frozen=True)
class Translated:
    text: str
    language: str
    # True when the text is not in the language that was asked for.
    is_fallback: bool


def pick_translation(values: dict[str, str], wanted: str, original: str = "") -> Translated:
    """The text in `wanted`, else in the original language, else in the first language we have."""
    if values.get(wanted):
        return Translated(values[wanted], wanted, False)
    for language in [original, *CONTENT_LANGUAGES]:
        if language and values.get(language):
            return Translated(values[language], language, True)
    return Translated("", wanted, False)


class Multilingual:
    """A model whose texts are stored once per language (`<field>_fr`, `<field>_en`…), with
    `original_language`, the language they were first written in."""

    def translated(self, field: str, language: str | None = None) -> Translated:
        values = {code: getattr(self, f"{field}_{code}") for code in CONTENT_LANGUAGES}
        return pick_translation(
            values, language or translation.get_language() or "fr", self.original_language
        )


class Taxonomy(models.Model):
    """A term with a stable code (used by the API and URLs) and a label in each language."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label_fr = models.CharField(_("label (French)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120)
    label_it = models.CharField(_("label (Italian)"), max_length=120)
    label_es = models.CharField(_("label (Spanish)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.label

    def labels(self) -> dict[str, str]:
        return {language: getattr(self, f"label_{language}") for language in CONTENT_LANGUAGES}

    @property
    def label(self) -> str:
        return pick_translation(self.labels(), translation.get_language() or "fr").text


class Family(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("ESS family")
        verbose_name_plural = _("ESS families")


class Role(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("role")
        verbose_name_plural = _("roles")


# The marks of the sectors on maps and lists, in a 10×10 box: a shape as well as a colour, so
# that no one needs to tell colours apart. Sectors take them in their order.
MARKS = (
    "M5,.4A4.6,4.6 0 1 1 4.99,.4Z",  # circle
    "M1,1H9V9H1Z",  # square
    "M5,.5L9.6,9.2H.4Z",  # triangle
    "M5,.2L9.8,5L5,9.8L.2,5Z",  # diamond
    "M.4,.8H9.6L5,9.5Z",  # triangle pointing down
    "M5,.3L9.7,3.8L7.9,9.5H2.1L.3,3.8Z",  # pentagon
    "M2.5,.6H7.5L10,5L7.5,9.4H2.5L0,5Z",  # hexagon
    "M5,.2L6.3,3.6L9.9,3.7L7.1,6L8.1,9.7L5,7.6L1.9,9.7L2.9,6L.1,3.7L3.7,3.6Z",  # star
    "M3.4,.4H6.6V3.4H9.6V6.6H6.6V9.6H3.4V6.6H.4V3.4H3.4Z",  # cross
)


class Sector(Taxonomy):
    color = models.CharField(
        _("map colour"), max_length=7, help_text=_("Hexadecimal colour of the dots on the map.")
    )

    class Meta(Taxonomy.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    @property
    def mark(self) -> str:
        """The SVG path of this sector's shape (see MARKS)."""
        return MARKS[self.position % len(MARKS)]


class Service(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("service")
        verbose_name_plural = _("services")


class Audience(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")


class LegalForm(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("legal form")
        verbose_name_plural = _("legal forms")


class Territory(models.TextChoices):
    LOCAL = "local", _("Local")
    REGIONAL = "regional", _("Regional")
    NATIONAL = "national", _("National")
    EUROPEAN = "european", _("European")
    REMOTE = "remote", _("Remote")


class SizeBand(models.TextChoices):
    NONE = "0", _("No employees")
    MICRO = "1-9", _("1 to 9 employees")
    SMALL = "10-49", _("10 to 49 employees")
    MEDIUM = "50-249", _("50 to 249 employees")
    LARGE = "250+", _("250 employees or more")


class Status(models.TextChoices):
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden")
    ARCHIVED = "archived", _("Archived")


class OrganisationQuerySet(models.QuerySet):
    def published(self) -> "OrganisationQuerySet":
        return self.filter(status=Status.PUBLISHED)

    def from_source(self, source: str, source_ids: list[str]) -> "OrganisationQuerySet":
        """The organisations of a source with these ids there. The conditions of the partial
        unique index are repeated: without them SQLite cannot use it and reads the whole
        table (an import of a million rows then reads it a thousand times)."""
        return (
            self.filter(source=source, source_id__in=source_ids)
            .exclude(source="")
            .exclude(source_id="")
        )

    def in_order(self, ids: list[int]) -> list["Organisation"]:
        """These organisations, with their facts, in the order of `ids` (a search's order)."""
        found = self.with_facts().in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def with_facts(self) -> "OrganisationQuerySet":
        return self.select_related("legal_form", "sector").prefetch_related(
            "families", "roles", "services", "audiences", "identifiers"
        )


# The longest description a form, an import or the API accepts (the database sets none).
DESCRIPTION_LENGTH = 5000


class Organisation(Multilingual, models.Model):
    name = models.CharField(_("name"), max_length=200)
    short_description_fr = models.CharField(
        _("short description (French)"), max_length=300, blank=True
    )
    short_description_en = models.CharField(
        _("short description (English)"), max_length=300, blank=True
    )
    short_description_it = models.CharField(
        _("short description (Italian)"), max_length=300, blank=True
    )
    short_description_es = models.CharField(
        _("short description (Spanish)"), max_length=300, blank=True
    )
    description_fr = models.TextField(
        _("description (French)"), max_length=DESCRIPTION_LENGTH, blank=True
    )
    description_en = models.TextField(
        _("description (English)"), max_length=DESCRIPTION_LENGTH, blank=True
    )
    description_it = models.TextField(
        _("description (Italian)"), max_length=DESCRIPTION_LENGTH, blank=True
    )
    description_es = models.TextField(
        _("description (Spanish)"), max_length=DESCRIPTION_LENGTH, blank=True
    )
    original_language = models.CharField(
        _("original language"), max_length=2, choices=settings.LANGUAGES, default="fr"
    )

    legal_form = models.ForeignKey(
        LegalForm, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("legal form")
    )
    families = models.ManyToManyField(Family, blank=True, verbose_name=_("ESS families"))
    roles = models.ManyToManyField(Role, blank=True, verbose_name=_("roles"))
    sector = models.ForeignKey(
        Sector,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("sector"),
        help_text=_("The main sector, which gives the dot its colour on the map."),
    )
    services = models.ManyToManyField(Service, blank=True, verbose_name=_("services offered"))
    audiences = models.ManyToManyField(Audience, blank=True, verbose_name=_("audiences"))
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_("ISO 639-1 codes, such as fr or it.")
    )
    territory = models.CharField(
        _("territory served"), max_length=10, choices=Territory.choices, blank=True
    )

    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    locality = models.CharField(_("locality"), max_length=120, blank=True)
    region = models.CharField(_("region"), max_length=120, blank=True)
    country = CountryField(_("country"))
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    opening_hours = models.CharField(
        _("opening hours"),
        max_length=255,
        blank=True,
        help_text=_("In OpenStreetMap's opening_hours syntax, such as: Mo-Fr 09:00-17:00; PH off"),
    )
    # What the Schéma des lieux de médiation numérique says of a place and Essaim has no field
    # of its own for (fees, access, support, national programmes, its own list of services,
    # every email and web address…), kept whole so that the place goes out as it came in.
    # Keys and values are the schema's: see essaim/exchange/lmn.py.
    mediation = models.JSONField(_("digital mediation place"), default=dict, blank=True)
    # Uploaded by its representatives or moderators, re-encoded to a small WebP without
    # metadata (logos.py), written through actions.do_set_logo, served by views.logo_file.
    logo = models.ImageField(
        _("logo"),
        upload_to="logos/",
        blank=True,
        editable=False,
        width_field="logo_width",
        height_field="logo_height",
    )
    logo_width = models.PositiveSmallIntegerField(_("logo width"), null=True, editable=False)
    logo_height = models.PositiveSmallIntegerField(_("logo height"), null=True, editable=False)
    founding_year = models.PositiveSmallIntegerField(
        _("founding year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    size_band = models.CharField(_("size"), max_length=8, choices=SizeBand.choices, blank=True)

    source = models.CharField(_("source"), max_length=100, blank=True)
    source_id = models.CharField(_("identifier at the source"), max_length=200, blank=True)
    source_url = models.URLField(_("source URL"), blank=True)
    source_updated_at = models.DateTimeField(_("last updated at the source"), null=True, blank=True)
    # Set when an import of its source no longer holds it: a moderator decides what follows.
    missing_from_source_since = models.DateTimeField(
        _("missing from its source since"), null=True, blank=True, db_index=True
    )
    # When the organisation last said its entry is still true (the confirmation loop).
    confirmed_at = models.DateTimeField(_("last confirmed"), null=True, blank=True)
    # {fact: source name} for facts taken from another source's entry in a merge: an import
    # of a source only updates the facts that came from it.
    provenance = models.JSONField(_("provenance of facts"), default=dict, blank=True)
    # When it was last asked to confirm, so that it is asked once, not every day.
    confirmation_asked_at = models.DateTimeField(_("asked to confirm"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED, db_index=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~models.Q(source="") & ~models.Q(source_id=""),
                name="organisation_unique_source_id",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisation", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def slug(self) -> str:
        return slug_for(self.name)

    @property
    def short_description(self) -> Translated:
        return self.translated("short_description")

    @property
    def description(self) -> Translated:
        return self.translated("description")

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def place_in_words(self) -> str:
        """Where it is, as people say it: "12 rue de la Paix, 35000 Rennes, Bretagne, France"."""
        town = " ".join(part for part in (self.postal_code, self.locality) if part)
        parts = (self.address, town, self.region, self.country.name if self.country else "")
        return ", ".join(part for part in parts if part)


class Identifier(models.Model):
    """An official identifier: SIRET, SIREN, RNA in France, NEQ in Québec, VAT or EUID elsewhere."""

    class Scheme(models.TextChoices):
        SIRET = "siret", "SIRET"
        SIREN = "siren", "SIREN"
        RNA = "rna", "RNA"
        NEQ = "neq", "NEQ"
        VAT = "vat", _("VAT number")
        EUID = "euid", "EUID"
        OTHER = "other", _("Other")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="identifiers"
    )
    scheme = models.CharField(_("scheme"), max_length=8, choices=Scheme.choices)
    value = models.CharField(_("value"), max_length=60)

    class Meta:
        verbose_name = _("identifier")
        verbose_name_plural = _("identifiers")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "scheme"], name="one_identifier_per_scheme"
            )
        ]
        indexes = [models.Index(fields=["scheme", "value"])]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.value}"


class Change(models.Model):
    """One change to an organisation, kept for its public history and numbered for the change
    feed: the id is the feed's sequence number. The organisation is kept by id and name, so
    the history of a deleted entry remains."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        DELETED = "deleted", _("Deleted")

    organisation_id = models.IntegerField(_("organisation"), db_index=True)
    organisation_name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    # {fact: [old value, new value]}; see facts.py.
    fields = models.JSONField(_("changed fields"), default=dict)
    # Whether the organisation is published after this change: the feed tells followers to
    # remove entries that are not.
    published = models.BooleanField(_("published"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    suggestion = models.ForeignKey(
        "contributions.Suggestion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("suggestion"),
    )
    reverts = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reverted_by",
        verbose_name=_("reverts"),
    )
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.organisation_name}"


class MergedRecord(models.Model):
    """An entry merged into another: its old address redirects there, and its source's record
    keeps updating the entry it was merged into."""

    merged_id = models.IntegerField(_("merged entry"), unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="merged_records"
    )
    source = models.CharField(_("source"), max_length=100, blank=True)
    source_id = models.CharField(_("identifier at the source"), max_length=200, blank=True)
    merged_at = models.DateTimeField(_("merged"), auto_now_add=True)

    class Meta:
        verbose_name = _("merged entry")
        verbose_name_plural = _("merged entries")
        indexes = [models.Index(fields=["source", "source_id"])]

    def __str__(self) -> str:
        return f"#{self.merged_id} → #{self.organisation_id}"
