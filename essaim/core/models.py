from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One decision or change made through the write path, outside the atlas's own history
    (`atlas.Change`): who did what to which item, and when. It names items by kind and id and
    keeps states and counts, never the personal data of a registration or an account."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # "<kind>.<verb>": "resource.published", "registration.cancelled", "api_token.created"…
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target_id = models.BigIntegerField(_("item"), null=True, blank=True)
    # {field: [before, after]}, or what the action concerned (counts, a reason's code).
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["action", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_id or ''}".strip()


class FeedEntry(models.Model):
    """A change every server's local copies must apply (its search index, its meaning vectors,
    what it remembers): written in the transaction that makes the change, so that it exists
    exactly when the change does. `core/feed.py` reads them in order and applies them."""

    topic = models.CharField(max_length=20)
    # The organisations changed (or [first, last]: a range, from a bulk load); empty for a
    # topic that concerns everything (the vocabulary's labels).
    ids = models.JSONField(default=list, blank=True)
    first = models.BigIntegerField(null=True, blank=True)
    last = models.BigIntegerField(null=True, blank=True)
    # PostgreSQL: the id of the transaction that wrote it, which orders what committed before
    # a reader's snapshot (ids alone do not: a transaction may commit before an older one).
    xid = models.BigIntegerField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("change to apply")
        verbose_name_plural = _("changes to apply")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.topic} {self.pk}"
