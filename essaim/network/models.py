"""The network's members: organisations of the atlas and individuals, under the conditions the
network sets, with statuses computed from their dates and the history of each decision."""

from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from essaim.atlas.models import Family, LegalForm, Organisation


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
