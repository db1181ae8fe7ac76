"""The network's members: organisations of the atlas and individuals, under the conditions the
network sets, with statuses computed from their dates and the history of each decision."""

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essaim.atlas.models import Family, LegalForm, Organisation, Taxonomy


class Terms(models.Model):
    """The conditions of membership (one row): who may join, whether the board approves,
    the yearly fee and the grace period after it falls due."""

    families = models.ManyToManyField(
        Family, blank=True, related_name="+", verbose_name=_("ESS families admitted"),
        help_text=_("None ticked: every family."),
    )  # fmt: skip
    legal_forms = models.ManyToManyField(
        LegalForm, blank=True, related_name="+", verbose_name=_("legal forms admitted"),
        help_text=_("None ticked: every legal form."),
    )  # fmt: skip
    countries = models.JSONField(_("countries admitted"), default=list, blank=True)
    approval = models.BooleanField(_("the board approves each membership"), default=True)
    fee = models.DecimalField(
        _("yearly fee (EUR)"), max_digits=8, decimal_places=2, default=0,
        validators=[MinValueValidator(0)], help_text=_("0: no fee, membership does not expire."),
    )  # fmt: skip
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"), default=60, validators=[MaxValueValidator(365)],
        help_text=_("Members stay current this long after their fee fell due."),
    )  # fmt: skip
    notice_days = models.PositiveSmallIntegerField(
        _("renewal reminder (days before)"), default=30, validators=[MaxValueValidator(180)]
    )
    explanation = models.TextField(_("why join, in your words"), max_length=3000, blank=True)
    support_threshold = models.PositiveSmallIntegerField(
        _("supports a proposal needs to go to a vote"), default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )  # fmt: skip

    class Meta:
        verbose_name = _("membership terms")
        verbose_name_plural = _("membership terms")

    def __str__(self) -> str:
        return str(_("Membership terms"))


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    CURRENT = "current", _("Current")
    GRACE = "grace", _("In its grace period")
    EXPIRED = "expired", _("Expired")
    RESIGNED = "resigned", _("Resigned")
    EXCLUDED = "excluded", _("Excluded")
    REFUSED = "refused", _("Refused")


# Members who count: they vote and are listed.
ACTIVE = (Status.CURRENT, Status.GRACE)


class Membership(models.Model):
    """A member organisation (its representatives act for it) or an individual member."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        INDIVIDUAL = "individual", _("Individual")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, null=True, blank=True,
        related_name="membership", verbose_name=_("organisation"),
    )  # fmt: skip
    # An individual member, erased with their account; for an organisation, who applied.
    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="membership", verbose_name=_("individual member"),
    )  # fmt: skip
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("applied by"),
    )  # fmt: skip
    applied_on = models.DateField(_("applied on"))
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    refused_on = models.DateField(_("refused on"), null=True, blank=True)
    paid_until = models.DateField(_("fee paid until"), null=True, blank=True)
    resigned_on = models.DateField(_("resigned on"), null=True, blank=True)
    excluded_on = models.DateField(_("excluded on"), null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    listed = models.BooleanField(_("listed on the public list of members"), default=False)
    # Counted only in the votes the board makes weighted (off by default).
    weight = models.PositiveSmallIntegerField(
        _("weight in weighted votes"), default=1, validators=[MinValueValidator(1)]
    )
    # The language it applied in: the one it is written to.
    language = models.CharField(
        _("language"), max_length=2, choices=settings.LANGUAGES, default="fr"
    )
    # The fee's due date the last renewal reminder was sent for: one reminder a period.
    reminded_for = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-applied_on", "-id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="organisation", organisation__isnull=False, person__isnull=True)
                | Q(kind="individual", organisation__isnull=True, person__isnull=False),
                name="membership_of_one_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network-member", kwargs={"pk": self.pk})

    @property
    def name(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        return self.person.get_full_name() or self.person.username

    def status_on(self, day: date, terms: Terms) -> str:
        """Its status on a day, from its dates alone."""
        if self.excluded_on and self.excluded_on <= day:
            return Status.EXCLUDED
        if self.resigned_on and self.resigned_on <= day:
            return Status.RESIGNED
        if self.refused_on and self.refused_on <= day:
            return Status.REFUSED
        if self.approved_on is None or self.approved_on > day:
            return Status.PENDING
        if not terms.fee:
            return Status.CURRENT
        if self.paid_until is None:
            return Status.PENDING  # approved, its first fee not yet recorded
        if day <= self.paid_until:
            return Status.CURRENT
        if day <= self.paid_until + timedelta(days=terms.grace_days):
            return Status.GRACE
        return Status.EXPIRED


class Payment(models.Model):
    """A fee recorded as paid (Essaim processes no payment): it extends the membership."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount (EUR)"), max_digits=8, decimal_places=2)
    covers_until = models.DateField(_("covers until"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.amount} until {self.covers_until}"


class Decision(models.Model):
    """One step in a membership's history: applied, approved, refused, paid, resigned,
    excluded, reinstated, listed or not."""

    class Step(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        PAID = "paid", _("Fee recorded")
        RESIGNED = "resigned", _("Resigned")
        EXCLUDED = "excluded", _("Excluded")
        REINSTATED = "reinstated", _("Reinstated")

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="history")
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    on = models.DateField(_("date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=1000, blank=True)

    class Meta:
        ordering = ["id"]  # as recorded
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.membership_id} {self.step} {self.on}"


class Proposal(models.Model):
    """A proposal, or a need of a territory, put forward by a member; supported by other
    members, it goes to a vote past the network's threshold."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("A proposal")
        NEED = "need", _("A need of our territory")

    class State(models.TextChoices):
        OPEN = "open", _("Gathering support")
        VOTE = "vote", _("Sent to a vote")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PROPOSAL)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("what you propose, and why"), max_length=5000)
    author = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("member")
    )
    put_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Not blank: only the members of this region (the atlas's region of their organisation)
    # support it.
    region = models.CharField(_("region"), max_length=120, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_on = models.DateField(_("put forward on"))

    class Meta:
        ordering = ["-created_on", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("network-proposal", kwargs={"pk": self.pk})


class Support(models.Model):
    """One member's support for a proposal (one per member)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "membership"], name="one_support_a_member")
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} → {self.proposal_id}"


class Vote(models.Model):
    """A question put to the members: the rules (quorum, majority, secrecy, proxies) are set
    before it opens and shown to all; the voters are frozen when it opens."""

    class Kind(models.TextChoices):
        YES_NO = "yes-no", _("Yes, no or abstain")
        CHOICE = "choice", _("A choice among several options")

    class Majority(models.TextChoices):
        SIMPLE = "simple", _("Simple majority: more than half")
        TWO_THIRDS = "2/3", _("Two thirds")
        FOUR_FIFTHS = "4/5", _("Four fifths")

    class Results(models.TextChoices):
        AFTER = "after", _("When it closes")
        LIVE = "live", _("As the ballots come in")

    question = models.CharField(_("question"), max_length=300)
    explanation = models.TextField(_("explanation"), max_length=5000, blank=True)
    proposal = models.OneToOneField(
        Proposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="vote",
        verbose_name=_("proposal"),
    )  # fmt: skip
    kind = models.CharField(_("kind of vote"), max_length=8, choices=Kind.choices,
                            default=Kind.YES_NO)  # fmt: skip
    # For a choice: the options, in their order.
    options = models.JSONField(_("options"), default=list, blank=True)
    secret = models.BooleanField(_("secret ballot"), default=False)
    results = models.CharField(_("results shown"), max_length=5, choices=Results.choices,
                               default=Results.AFTER)  # fmt: skip
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    quorum = models.PositiveSmallIntegerField(
        _("quorum (% of the voters who take part)"), default=0, validators=[MaxValueValidator(100)],
    )  # fmt: skip
    majority = models.CharField(_("majority"), max_length=6, choices=Majority.choices,
                                default=Majority.SIMPLE)  # fmt: skip
    proxy_cap = models.PositiveSmallIntegerField(
        _("proxies one member may hold"), default=1, validators=[MaxValueValidator(10)],
        help_text=_("0: no proxies."),
    )  # fmt: skip
    weighted = models.BooleanField(_("weighted votes (each member's weight)"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Set when the voters are frozen and the vote opens; when its results were announced.
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("network-vote", kwargs={"pk": self.pk})

    def choices(self) -> list[tuple[str, str]]:
        """(code, label) of what a ballot may say, abstention last."""
        if self.kind == self.Kind.YES_NO:
            found = [("yes", _("Yes")), ("no", _("No"))]
        else:
            found = [(str(n), option) for n, option in enumerate(self.options, start=1)]
        return [*found, ("abstain", _("Abstain"))]


class Voter(models.Model):
    """A member on the list frozen when the vote opened, with its weight and, if it gave one,
    the member holding its proxy."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="voters")
    membership = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True,
                                   related_name="+")  # fmt: skip
    name = models.CharField(max_length=300)  # as it was when the list was frozen
    weight = models.PositiveIntegerField(default=1)
    proxy_holder = models.ForeignKey("self", on_delete=models.SET_NULL, null=True,
                                     related_name="proxies_held")  # fmt: skip

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "membership"], name="one_voter_a_member")
        ]

    def __str__(self) -> str:
        return self.name


class Proxy(models.Model):
    """A proxy given before the vote opens: the holder casts the giver's ballot."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="proxies")
    giver = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    holder = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    given_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "giver"], name="one_proxy_a_giver")]

    def __str__(self) -> str:
        return f"{self.giver_id} → {self.holder_id}"


class Credential(models.Model):
    """A secret ballot's voting code, kept only as its digest: made for every voter in one
    batch, in random order, and sent by mail; the code, not the voter, is marked used."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="credentials")
    digest = models.CharField(max_length=64, unique=True)
    weight = models.PositiveIntegerField(default=1)
    used = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.digest[:8]


class Ballot(models.Model):
    """A ballot cast. A secret one says nothing of its voter nor of when it came (the box
    is shaken at closing); a public one names its voter and who cast it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    choice = models.CharField(max_length=10)
    weight = models.PositiveIntegerField(default=1)
    receipt = models.CharField(max_length=64, unique=True)  # the receipt's digest
    voter = models.OneToOneField(Voter, on_delete=models.CASCADE, null=True, related_name="ballot")
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    cast_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.vote_id}: {self.choice}"


class Announcement(models.Model):
    """News from the network's animators, written in one to four languages, sent in the
    background to the members or to everyone who asked for the newsletter, then kept in the
    archive and its feed."""

    class Audience(models.TextChoices):
        MEMBERS = "members", _("The members (their representatives)")
        NEWSLETTER = "newsletter", _("Everyone who asked for the newsletter")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    # {language: {"subject": ..., "body": ...}}, one to four languages.
    texts = models.JSONField(default=dict)
    audience = models.CharField(_("to"), max_length=10, choices=Audience.choices,
                                default=Audience.MEMBERS)  # fmt: skip
    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # Recipients who were on the unsubscribed list when their turn came.
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self) -> str:
        return self.text()["subject"]

    def get_absolute_url(self) -> str:
        return reverse("network-announcement", kwargs={"pk": self.pk})

    def text(self, language: str | None = None) -> dict:
        """Its subject and body in `language`, else in the site's, else in its first one."""
        for code in (language, settings.LANGUAGE_CODE[:2], *self.texts):
            if code in self.texts:
                return {"language": code, **self.texts[code]}
        return {"language": "", "subject": "", "body": ""}


class Delivery(models.Model):
    """An announcement waiting to be sent to one address: the row goes once it is sent."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE,
                                     related_name="deliveries")  # fmt: skip
    address = models.EmailField()
    language = models.CharField(max_length=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "address"], name="one_delivery_an_address"
            )
        ]

    def __str__(self) -> str:
        return self.address


class Unsubscription(models.Model):
    """An address that no longer receives announcements, and the one it left from."""

    address = models.EmailField(unique=True)  # lower case
    on = models.DateTimeField(default=timezone.now)
    announcement = models.ForeignKey(Announcement, on_delete=models.SET_NULL, null=True,
                                     related_name="unsubscriptions")  # fmt: skip

    def __str__(self) -> str:
        return self.address


class Reason(Taxonomy):
    """Why people write (a correction, membership, an event, a GDPR request…): the inbox
    sorts each message into one, and sends it where the reason says."""

    class Route(models.TextChoices):
        MODERATORS = "moderators", _("The moderators (corrections of the atlas)")
        ADMINISTRATORS = "administrators", _("The administrators (personal data)")
        ANIMATORS = "animators", _("The network's animators")
        HIDDEN = "hidden", _("Hidden (spam)")

    route = models.CharField(_("goes to"), max_length=14, choices=Route.choices,
                             default=Route.ANIMATORS)  # fmt: skip
    answer_days = models.PositiveSmallIntegerField(
        _("to be answered within (days)"), null=True, blank=True,
        help_text=_("30 for personal data requests (GDPR, article 12)."),
    )  # fmt: skip

    class Meta(Taxonomy.Meta):
        verbose_name = _("reason for writing")
        verbose_name_plural = _("reasons for writing")


class Message(models.Model):
    """A message written to the network, or to an organisation of the atlas through Essaim
    (its address is never shown); sorted by reason, with the examples the sorting leaned on."""

    class State(models.TextChoices):
        NEW = "new", _("To answer")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="messages",
        verbose_name=_("to"),
    )  # fmt: skip
    # To an organisation nobody receives messages for (no representative, no address): the
    # network's animators pass it on.
    via_network = models.BooleanField(default=False)
    sender_name = models.CharField(_("your name"), max_length=120)
    sender_email = models.EmailField(_("your email address"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("your message"), max_length=10000)
    language = models.CharField(max_length=2)
    received_at = models.DateTimeField(auto_now_add=True)
    reason = models.ForeignKey(Reason, on_delete=models.SET_NULL, null=True, related_name="+")
    confidence = models.FloatField(default=0)
    # The nearest examples: [{"text", "reason", "similarity"}], nearest first.
    why = models.JSONField(default=list, blank=True)
    # Who sorted it again (None: the classifier's reason stands).
    sorted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    state = models.CharField(max_length=8, choices=State.choices, default=State.NEW)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("network-message", kwargs={"pk": self.pk})

    @property
    def answer_by(self) -> date | None:
        if self.reason is None or not self.reason.answer_days:
            return None
        return (self.received_at + timedelta(days=self.reason.answer_days)).date()

    @property
    def hidden(self) -> bool:
        return self.reason is not None and self.reason.route == Reason.Route.HIDDEN


class Example(models.Model):
    """A message the inbox learns its reasons from: written by the network in any language,
    or a message a person sorted again (gone with that message)."""

    reason = models.ForeignKey(Reason, on_delete=models.CASCADE, related_name="examples")
    text = models.TextField(_("example"), max_length=2000)
    message = models.OneToOneField(Message, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="example")  # fmt: skip
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("example")
        verbose_name_plural = _("examples")

    def __str__(self) -> str:
        return self.text[:60]


class Reply(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField(_("reply"), max_length=10000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_at"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{self.message_id}: {self.sent_at}"


class ReplyTemplate(models.Model):
    """An answer to a routine request, chosen by the animator who replies."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=5000)
    reason = models.ForeignKey(Reason, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="templates", verbose_name=_("for"))  # fmt: skip
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)

    class Meta:
        ordering = ["title"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self) -> str:
        return self.title
