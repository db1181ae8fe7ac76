"""What members and visitors bring to the atlas: suggestions reviewed by moderators."""

from django.conf import settings
from django.core import signing
from django.db import models
from django.utils.translation import gettext_lazy as _

from essaim.atlas.models import Organisation

FOLLOW_SALT = "essaim.suggestion.follow"


class Decided(models.Model):
    """What a moderator (or, for suggestions, the members' votes) decides on: when it came,
    who decided and when."""

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        abstract = True


class Suggestion(Decided):
    """A proposed new organisation, or a correction to one, waiting for a moderator.

    `proposed` holds only the facts that differ from the entry (see atlas/facts.py), and `base`
    what the entry said about them when the suggestion was made: if the entry has changed
    since, the moderator sees the conflict instead of overwriting it silently."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        PARTIAL = "partial", _("Partly accepted")
        REJECTED = "rejected", _("Rejected")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("organisation"),
    )
    is_new = models.BooleanField(_("new organisation"), default=False)
    proposed = models.JSONField(_("proposed values"), default=dict)
    base = models.JSONField(_("values when suggested"), default=dict)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("author"),
    )
    # For a contributor without an account: where to say what became of the suggestion.
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.TextField(_("reason"), max_length=2000, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        if self.organisation:
            return self.organisation.name
        return self.proposed.get("name", "")

    @property
    def contact_email(self) -> str:
        return self.author.email if self.author else self.email

    @property
    def token(self) -> str:
        """The key to the page that follows this suggestion (sent with its receipt): signed,
        so that nobody can read another's by changing a number."""
        return signing.dumps(self.pk, salt=FOLLOW_SALT)

    @classmethod
    def by_token(cls, token: str) -> "Suggestion | None":
        try:
            pk = signing.loads(token, salt=FOLLOW_SALT)
        except signing.BadSignature:
            return None
        return cls.objects.filter(pk=pk).select_related("organisation").first()


class Report(Decided):
    """Someone says an entry is wrong. Enough open reports hide it until a moderator decides."""

    class Reason(models.TextChoices):
        GONE = "gone", _("It no longer exists")
        WRONG = "wrong", _("Its information is wrong")
        DUPLICATE = "duplicate", _("It duplicates another entry")
        CHARTER = "charter", _("It breaks the charter of the atlas")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")
        UPHELD = "upheld", _("Upheld")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("organisation"),
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("author"),
    )
    email = models.EmailField(_("email"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_reason_display()})"


class Representation(Decided):
    """A member who represents an organisation and keeps its entry up to date directly."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="representations",
        verbose_name=_("member"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="representations",
        verbose_name=_("organisation"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # Why it was granted: the member's verified email on the organisation's website domain,
    # or a moderator's decision.
    by_domain = models.BooleanField(_("granted by email domain"), default=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("representation")
        verbose_name_plural = _("representations")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="one_claim_per_member_and_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation}"


class Vote(models.Model):
    """In the collaborative mode, a member's approval of, or objection to, a suggestion."""

    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, related_name="votes", verbose_name=_("suggestion")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="votes",
        verbose_name=_("member"),
    )
    approve = models.BooleanField(_("approves"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "user"], name="one_vote_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} {'+' if self.approve else '-'} {self.suggestion}"


class DuplicateCandidate(Decided):
    """Two entries that may be the same organisation, found by `atlas.duplicates`: never merged
    without a moderator, who merges them field by field or marks them distinct (once marked,
    the pair is not proposed again)."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        DISTINCT = "distinct", _("Distinct")

    # first.pk < second.pk: one row per pair.
    first = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("first entry")
    )
    second = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("second entry")
    )
    # Why they look alike: ["identifier:siret", "email", "phone", "website", "name-nearby"].
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_candidate_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id}"
