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


class WorkerBeat(models.Model):
    """A worker process alive (`essaim worker`), seen every few seconds: a job left running
    by a worker that stopped beating is taken up again."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


class ScheduledRun(models.Model):
    """One run of a scheduled job for one time slot ("2026-12-06" for a daily one): the
    unique pair makes it enqueued once, however many workers look."""

    name = models.CharField(max_length=60)
    slot = models.CharField(max_length=20)
    enqueued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="one_run_a_slot")]

    def __str__(self) -> str:
        return f"{self.name} {self.slot}"


class JobProgress(models.Model):
    """How far a long job has got (an import: records read of the file's total), for the
    page that follows it."""

    result_id = models.CharField(max_length=64, primary_key=True)
    done = models.BigIntegerField(default=0)  # bytes of a file, which may pass 2 GB
    total = models.BigIntegerField(null=True, blank=True)
    # What the job gives back to the page that follows it (an import's report), once done.
    outcome = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.result_id}: {self.done}/{self.total}"
