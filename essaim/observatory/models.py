"""The observatory: indicators and their observations by territory and period, goals, the
network's surveys, and what people say, read for its sentiment and themes."""

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from essaim.atlas.models import Family, Organisation, Taxonomy


class Territory(models.Model):
    """A place figures are counted for, by its official code in a scheme: a country (ISO), a
    NUTS region, an INSEE région, département or commune, a Québec region or MRC…"""

    class Scheme(models.TextChoices):
        COUNTRY = "country", _("Country")
        NUTS = "nuts", _("NUTS region (EU)")
        FR_REGION = "fr-region", _("Région (INSEE code)")
        FR_DEPARTEMENT = "fr-departement", _("Département (INSEE code)")
        FR_COMMUNE = "fr-commune", _("Commune (INSEE code)")
        CA_PROVINCE = "ca-province", _("Canadian province or territory")
        QC_REGION = "qc-region", _("Québec administrative region")
        QC_MRC = "qc-mrc", _("Québec regional county municipality (MRC)")

    scheme = models.CharField(_("scheme"), max_length=16, choices=Scheme.choices)
    code = models.CharField(_("code"), max_length=12)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)

    class Meta:
        ordering = ["scheme", "name"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="territory_unique_code")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("observatory-territory", kwargs={"scheme": self.scheme, "code": self.code})

    @property
    def key(self) -> str:
        """How files and the API name it: "qc-mrc:64", "country:FR"."""
        return f"{self.scheme}:{self.code}"

    @property
    def label(self) -> str:
        """Its name, a country's in the visitor's language."""
        if self.scheme == self.Scheme.COUNTRY:
            return str(countries.name(self.code)) or self.name
        return self.name


class Indicator(Taxonomy):
    """What is counted (social economy enterprises, jobs, digital mediation places…), with its
    unit; `computed` ones are counted from the atlas itself."""

    class Unit(models.TextChoices):
        ORGANISATIONS = "organisations", _("organisations")
        JOBS = "jobs", _("jobs")
        PEOPLE = "people", _("people")
        PLACES = "places", _("places")
        EUROS = "euros", _("euros")
        PERCENT = "percent", _("per cent")
        OTHER = "other", _("other")

    class Computed(models.TextChoices):
        NO = "", _("Entered or imported")
        ORGANISATIONS = "organisations", _("Organisations in the atlas")
        JOBS = "jobs", _("Jobs estimated from the atlas's size bands")

    unit = models.CharField(_("unit"), max_length=14, choices=Unit.choices)
    description = models.TextField(_("definition"), max_length=2000, blank=True)
    computed = models.CharField(
        _("computed"), max_length=14, choices=Computed.choices, blank=True, default=""
    )

    class Meta(Taxonomy.Meta):
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def get_absolute_url(self) -> str:
        return reverse("observatory-indicator", kwargs={"code": self.code})

    @property
    def counts(self) -> bool:
        """Whether it counts things (never below zero, always whole)."""
        return self.unit in (self.Unit.ORGANISATIONS, self.Unit.JOBS, self.Unit.PEOPLE,
                             self.Unit.PLACES)  # fmt: skip


class Observation(models.Model):
    """One figure: an indicator's value for a territory, a period and (or not) a family."""

    class State(models.TextChoices):
        PROVISIONAL = "provisional", _("Provisional")
        FINAL = "final", _("Final")

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="observations",
        verbose_name=_("indicator"),
    )
    territory = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        related_name="observations",
        verbose_name=_("territory"),
    )
    family = models.ForeignKey(
        Family,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ESS family"),
        help_text=_("Empty for the whole social economy."),
    )
    # A year is 1 January to 31 December; a count on a date starts and ends that day.
    period_start = models.DateField(_("start of the period"))
    period_end = models.DateField(_("end of the period"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    state = models.CharField(_("state"), max_length=11, choices=State.choices, default=State.FINAL)
    source = models.CharField(_("source"), max_length=200)
    method = models.TextField(_("method"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["indicator", "territory", "period_start"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        indexes = [models.Index(fields=["indicator", "territory", "period_start"])]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.territory.key} {self.period_label}: {self.value}"

    @property
    def period_label(self) -> str:
        return period_label(self.period_start, self.period_end)


def period_label(start: date, end: date) -> str:
    """ "2014" for a calendar year, "2014-2016" for whole years, the date itself for a day."""
    if start == end:
        return start.isoformat()
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return str(start.year) if start.year == end.year else f"{start.year}-{end.year}"
    return f"{start.isoformat()}/{end.isoformat()}"


class Revision(models.Model):
    """An observation's earlier value, kept when it is revised (provisional then final)."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="revisions")
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    state = models.CharField(_("state"), max_length=11, choices=Observation.State.choices)
    source = models.CharField(_("source"), max_length=200)
    replaced_at = models.DateTimeField(_("replaced"), auto_now_add=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-replaced_at", "-id"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self) -> str:
        return f"{self.observation_id}: {self.value}"


class Goal(models.Model):
    """A commitment: from a baseline to a target by a deadline, for an indicator in a
    territory; its progress is read against the straight path between the two."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="goals", verbose_name=_("indicator")
    )
    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="goals", verbose_name=_("territory")
    )
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("ESS family"),
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=200)
    owner = models.CharField(_("owner"), max_length=200, help_text=_("Who committed to it."))
    baseline_date = models.DateField(_("baseline date"))
    baseline_value = models.DecimalField(_("baseline"), max_digits=16, decimal_places=2)
    target_date = models.DateField(_("deadline"))
    target_value = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["target_date", "title"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("observatory-goal", kwargs={"pk": self.pk})

    def observed(self) -> list["Observation"]:
        """Its indicator's figures for its territory and family since the baseline, in order."""
        return list(self.indicator.observations.filter(
            territory=self.territory, family=self.family, period_end__gte=self.baseline_date,
        ).order_by("period_end"))  # fmt: skip


class Survey(models.Model):
    """A network's campaign: questions sent to member organisations, answered once each by a
    signed link, reminded, closed, then published with small groups left out."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Being written")
        OPEN = "open", _("Open for answers")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Results published")

    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), max_length=3000, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=settings.LANGUAGES, default="fr"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    closes_on = models.DateField(_("closing date"))
    # Who is asked: published organisations with an email, of these families and this country
    # (none: all).
    families = models.ManyToManyField(
        Family, blank=True, related_name="+", verbose_name=_("families asked")
    )
    country = models.CharField(_("country asked"), max_length=2, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("observatory-survey", kwargs={"pk": self.pk})


class Question(models.Model):
    """A question as it was asked. Changing one that has answers makes a new version: the
    old one keeps its answers and its wording, retired."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("One choice")
        MULTIPLE = "multiple", _("Several choices")
        SCALE = "scale", _("A scale from 1 to 5")
        NUMBER = "number", _("A number")
        SHORT = "short", _("A short text")
        LONG = "long", _("A long text")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind of answer"), max_length=8, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=500)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    allows_other = models.BooleanField(_("offers “other”, in their words"), default=False)
    required = models.BooleanField(_("required"), default=False)
    # Asked only of these families (none: everyone): a survey's per-family variants.
    families = models.ManyToManyField(
        Family, blank=True, related_name="+", verbose_name=_("only for these families")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_version"
    )
    retired = models.BooleanField(_("replaced by a newer version"), default=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text

    @property
    def has_choices(self) -> bool:
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)


class Invitation(models.Model):
    """A survey sent to one organisation: when, when reminded, when answered."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("sent to"))
    sent_at = models.DateTimeField(_("sent"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "organisation"], name="survey_invitation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} → {self.organisation_id}"


class Response(models.Model):
    """An organisation's answers (one per survey), with what it was when it answered: the
    groups its answers count in."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    families = models.JSONField(_("families"), default=list)
    country = models.CharField(_("country"), max_length=2, blank=True)
    region = models.CharField(_("region"), max_length=120, blank=True)
    submitted_at = models.DateTimeField(_("answered"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(fields=["survey", "organisation"], name="survey_response_once")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.organisation_id}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choices = models.JSONField(_("choices"), default=list, blank=True)
    other = models.CharField(_("other"), max_length=300, blank=True)
    number = models.DecimalField(_("number"), max_digits=16, decimal_places=2, null=True)
    text = models.TextField(_("text"), max_length=3000, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once")]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"


class Statement(models.Model):
    """Something people said in their own words (after an event, after a match, in a survey),
    with its sentiment and themes as read on the server, and a person's check when the
    reading was unsure."""

    class Origin(models.TextChoices):
        EVENT = "event", _("After an event")
        MATCH = "match", _("After help between members")
        SURVEY = "survey", _("In a survey")

    class Sentiment(models.TextChoices):
        POSITIVE = "positive", _("Positive")
        NEUTRAL = "neutral", _("Neutral")
        NEGATIVE = "negative", _("Negative")

    origin = models.CharField(_("said"), max_length=6, choices=Origin.choices)
    # The row it came from in its own domain (a matching feedback, a survey answer, an
    # event's feedback): read again, never copied twice.
    origin_id = models.PositiveBigIntegerField()
    text = models.TextField(_("text"), max_length=3000)
    said_on = models.DateField(_("said on"))
    country = models.CharField(_("country"), max_length=2, blank=True)
    sentiment = models.CharField(_("sentiment"), max_length=8, choices=Sentiment.choices)
    confidence = models.FloatField(_("confidence"))
    themes = models.JSONField(_("themes"), default=list)
    # [[example text, its sentiment, similarity]]: what the reading leaned on.
    reasons = models.JSONField(_("reasons"), default=list)
    checked_sentiment = models.CharField(
        _("sentiment checked by a person"), max_length=8, choices=Sentiment.choices, blank=True
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)

    class Meta:
        ordering = ["-said_on", "-id"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(fields=["origin", "origin_id"], name="statement_once")
        ]

    def __str__(self) -> str:
        return f"{self.origin} {self.origin_id}: {self.sentiment}"


class EventFeedback(models.Model):
    """What a participant says of an event after it, in their words."""

    event = models.ForeignKey(
        "commons.Event", on_delete=models.CASCADE, related_name="+", verbose_name=_("event")
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("in your words"), max_length=1000)
    created_at = models.DateTimeField(_("given"), auto_now_add=True)

    class Meta:
        verbose_name = _("event feedback")
        verbose_name_plural = _("event feedback")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="event_feedback_once")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.user_id}"
