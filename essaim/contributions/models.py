"""What members and visitors bring to the atlas: suggestions reviewed by moderators."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from essaim.atlas.models import Organisation


class Suggestion(models.Model):
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
