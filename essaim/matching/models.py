"""Needs meet offers: what organisations ask for, the volunteers and mentors who offer to
help, and the contacts between them.

A `Need` is posted for an organisation by one of its representatives (or a moderator, the
network's animator). A `Profile` is a person's offer of help — private until its owner
publishes it, and pausable. The atlas's organisations and their services are the other
offers. A `Contact` joins a need to an offer, asked by either side; nobody's address is shown
to the other side until the one who was asked accepts. After "done", each side may leave a
`Feedback` (two questions), which the observatory counts.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from essaim.atlas.models import Organisation, Service, Status
from essaim.competences.models import Competence

# The widest area a volunteer may say they cover on site (further, "remote" says it better).
MAX_RADIUS_KM = 500
MAX_HOURS_PER_WEEK = 60


def hours_band(hours: int | None) -> str:
    """A volunteer's time as a range, until they accept: never their exact hours."""
    if not hours:
        return ""
    if hours < 5:
        return gettext("under 5 hours a week")
    if hours < 10:
        return gettext("5 to 9 hours a week")
    return gettext("10 hours a week or more")


# What a person writes of a need or a profile, besides its place: one list for the form, the
# edit page and the action that saves them.
NEED_EDITABLE = ("title", "description", "kind", "skills", "where", "languages",
                 "hours_per_week", "starts_on", "ends_on", "deadline")  # fmt: skip
PROFILE_EDITABLE = ("name", "presentation", "kinds", "languages", "hours_per_week", "radius_km",
                    "remote", "will_not_do", "phone", "digest", "skills")  # fmt: skip
PLACE_FIELDS = ("locality", "region", "country", "latitude", "longitude")
# The counter (core/generation) the matching actions bump after each commit that changes what
# suggestions read: needs, profiles, the weights.
CHANGES = "matching-generation"


class Kind(models.TextChoices):
    VOLUNTEERING = "volunteering", _("Volunteering")
    SKILLS = "skills", _("Skills-based volunteering")
    MENTORING = "mentoring", _("Mentoring")
    INTERNSHIP = "internship", _("Internship")
    SERVICE = "service", _("Paid service")
    EQUIPMENT = "equipment", _("Equipment or a donated tool")


# What people offer; the others (paid service) are the atlas's providers.
PERSON_KINDS = [Kind.VOLUNTEERING, Kind.SKILLS, Kind.MENTORING, Kind.INTERNSHIP, Kind.EQUIPMENT]


class Where(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    REMOTE = "remote", _("Remotely")
    EITHER = "either", _("On site or remotely")


class Placed(models.Model):
    """Where something is, as the atlas's place search read the town typed."""

    locality = models.CharField(_("town"), max_length=120, blank=True)
    region = models.CharField(_("region"), max_length=120, blank=True)
    country = CountryField(_("country"), blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def point(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)


class NeedQuerySet(models.QuerySet):
    def open(self) -> "NeedQuerySet":
        """Open, for a published organisation (an archived one's needs wait, unlisted)."""
        return self.filter(status=Need.State.OPEN, organisation__status=Status.PUBLISHED)


class Need(Placed):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        FILLED = "filled", _("Found")
        CLOSED = "closed", _("Closed")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="needs", verbose_name=_("organisation")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("posted by"),
    )
    title = models.CharField(_("what is needed, in a few words"), max_length=150)
    description = models.TextField(_("description"), max_length=3000, blank=True)
    language = models.CharField(_("written in"), max_length=2, choices=settings.LANGUAGES)
    kind = models.CharField(_("kind of help"), max_length=12, choices=Kind.choices)
    competences = models.ManyToManyField(
        Competence, blank=True, related_name="needs", verbose_name=_("digital competences")
    )
    services = models.ManyToManyField(
        Service, blank=True, related_name="needs", verbose_name=_("kinds of help")
    )
    # Free words for what the framework does not name ("WordPress", "a 3D printer").
    skills = models.JSONField(_("other skills"), default=list, blank=True)
    where = models.CharField(_("where"), max_length=8, choices=Where.choices, default=Where.EITHER)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours a week"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HOURS_PER_WEEK)],
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    deadline = models.DateField(_("answers wanted before"), null=True, blank=True)
    # The diagnostic's question this need came from, if it did (its code).
    from_question = models.CharField(max_length=40, blank=True)
    # Its texts' meaning vector (the multilingual model's, quantised to int8), for matching.
    vector = models.BinaryField(null=True, editable=False)
    status = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.OPEN, db_index=True
    )
    created_at = models.DateTimeField(_("posted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.State.OPEN and self.organisation.status == Status.PUBLISHED


class Profile(Placed):
    """A volunteer's or a mentor's offer of help. Its owner's address and exact hours are
    never shown to anyone they have not accepted."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="help_profile",
        verbose_name=_("member"),
    )
    name = models.CharField(
        _("name shown"),
        max_length=80,
        help_text=_("A first name or a nickname is enough."),
    )
    presentation = models.TextField(_("what you can do"), max_length=2000)
    language = models.CharField(_("written in"), max_length=2, choices=settings.LANGUAGES)
    kinds = models.JSONField(_("kinds of help offered"), default=list)
    services = models.ManyToManyField(
        Service, blank=True, related_name="+", verbose_name=_("kinds of help")
    )
    skills = models.JSONField(_("other skills"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list)
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours a week"), validators=[MinValueValidator(1), MaxValueValidator(MAX_HOURS_PER_WEEK)]
    )
    radius_km = models.PositiveSmallIntegerField(
        _("distance you can travel (km)"),
        default=20,
        validators=[MaxValueValidator(MAX_RADIUS_KM)],
    )
    remote = models.BooleanField(_("remotely too"), default=True)
    will_not_do = models.CharField(
        _("what you will not do"),
        max_length=300,
        blank=True,
        help_text=_("Words, separated by commas: needs that say them are shown with a warning."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    vector = models.BinaryField(null=True, editable=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    paused = models.BooleanField(_("paused"), default=False)
    # Once a day, the new needs that fit, for those who ask.
    digest = models.BooleanField(_("email me the new needs that fit, once a day"), default=False)
    digest_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("volunteer profile")
        verbose_name_plural = _("volunteer profiles")

    def __str__(self) -> str:
        return self.name

    @property
    def kind_labels(self) -> list[str]:
        return [Kind(k).label for k in self.kinds if k in Kind.values]

    @property
    def is_offered(self) -> bool:
        return self.published_at is not None and not self.paused


class ProfileCompetence(models.Model):
    """A competence a volunteer has, at a DigComp proficiency level (1–8)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="competences")
    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(8)]
    )

    class Meta:
        verbose_name = _("competence of a volunteer")
        verbose_name_plural = _("competences of volunteers")
        constraints = [
            models.UniqueConstraint(fields=["profile", "competence"], name="competence_once")
        ]

    def __str__(self) -> str:
        return f"{self.profile_id}: {self.competence_id} ({self.level})"


class Contact(models.Model):
    """A request for help between a need and an offer: a volunteer's profile or an
    organisation of the atlas (a provider)."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        DONE = "done", _("Done")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Side(models.TextChoices):
        NEED = "need", _("The organisation that needs help")
        OFFER = "offer", _("The one who offers help")

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("need")
    )
    profile = models.ForeignKey(
        Profile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("volunteer"),
    )
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="help_contacts",
        verbose_name=_("provider"),
    )
    asked_by = models.CharField(_("asked by"), max_length=5, choices=Side.choices)
    # The member who asked: the need's representative or the volunteer.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    message = models.TextField(_("message"), max_length=2000)
    # The score when it was asked (0–100), kept to measure matching against outcomes.
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=9, choices=State.choices, default=State.PROPOSED, db_index=True
    )
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(profile__isnull=True) | models.Q(provider__isnull=True),
                name="contact_one_offer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.need_id} ↔ {self.profile_id or self.provider_id}"

    @property
    def answered_by(self) -> str:
        return Contact.Side.OFFER if self.asked_by == Contact.Side.NEED else Contact.Side.NEED

    @property
    def revealed(self) -> bool:
        """Both sides said yes: their addresses are shown to each other."""
        return self.state in (Contact.State.ACCEPTED, Contact.State.DONE)


class Feedback(models.Model):
    """After "done", one side's two answers: did it help, would they do it again."""

    class Helped(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("contact")
    )
    side = models.CharField(_("side"), max_length=5, choices=Contact.Side.choices)
    helped = models.CharField(_("did it help?"), max_length=6, choices=Helped.choices)
    again = models.BooleanField(_("would do it again"))
    comment = models.TextField(_("in your words"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("given"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.UniqueConstraint(fields=["contact", "side"], name="feedback_once_per_side")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}/{self.side}: {self.helped}"


class Programme(models.Model):
    """A round of mentoring or internships run by an animator: both sides rank each other,
    Essaim proposes a stable assignment within the capacities, the animator confirms it."""

    class Kind(models.TextChoices):
        MENTORING = "mentoring", _("Mentoring")
        INTERNSHIP = "internship", _("Internships")

    class State(models.TextChoices):
        RANKING = "ranking", _("Participants are ranking each other")
        PROPOSED = "proposed", _("An assignment is proposed")
        CONFIRMED = "confirmed", _("Confirmed")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    animator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("animator"),
    )
    state = models.CharField(_("state"), max_length=9, choices=State.choices, default=State.RANKING)
    # The assignment proposed: [[host participant id, guest participant id], ...].
    proposal = models.JSONField(_("proposed assignment"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name

    @property
    def hosts_are_needs(self) -> bool:
        """Who has places: an organisation hosts interns; a mentor takes several mentees."""
        return self.kind == self.Kind.INTERNSHIP


class Participant(models.Model):
    """A need or a volunteer in a programme, with its places and its ranking of the other
    side (participants' ids, the preferred first; those left out are not acceptable)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="participants")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+", verbose_name=_("need"))  # fmt: skip
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("volunteer"))  # fmt: skip
    capacity = models.PositiveSmallIntegerField(
        _("places"), default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    ranking = models.JSONField(_("ranking"), default=list, blank=True)
    ranked_at = models.DateTimeField(_("ranked"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(need__isnull=True, profile__isnull=False)
                | models.Q(need__isnull=False, profile__isnull=True),
                name="participant_need_or_profile",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.need_id or self.profile_id}"

    @property
    def name(self) -> str:
        return self.need.title if self.need_id else self.profile.name


class Weights(models.Model):
    """The weights of the score's parts as the network's moderators set them (one row; the
    defaults and ESSAIM_MATCHING_WEIGHTS stand for any part it does not name)."""

    values = models.JSONField(_("weights"), default=dict, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("weights of the match score")
        verbose_name_plural = _("weights of the match score")

    def __str__(self) -> str:
        return str(self.values)
