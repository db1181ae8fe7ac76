"""The audit trail every domain's actions write to (the atlas keeps its own, richer history
in `atlas.Change`)."""

import json
from datetime import timedelta

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import AuditEntry, FeedEntry, JobProgress, ScheduledRun, WorkerBeat


def audit(action: str, target: models.Model | int | None = None, *, actor=None,
          detail: dict | None = None) -> AuditEntry:  # fmt: skip
    """Record `action` ("<kind>.<verb>") on `target` by `actor` (a member, or None for a
    visitor, a command or the system), inside the caller's transaction: a rolled-back change
    leaves no entry."""
    target_id = target.pk if isinstance(target, models.Model) else target
    member = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        action=action, target_id=target_id, actor=member, detail=detail or {}
    )


def kind_of(item: models.Model) -> str:
    """How the audit trail names an item's kind: its model's name ("resource", "tool")."""
    return type(item)._meta.model_name


def do_save_audited(item: models.Model, *, actor, detail: dict | None = None) -> models.Model:
    """Save an item an administrator created or edited, with its "<kind>.created" or
    "<kind>.edited" entry, in one transaction."""
    with transaction.atomic():
        verb = "created" if item.pk is None else "edited"
        item.save()
        audit(f"{kind_of(item)}.{verb}", item, actor=actor, detail=detail)
    return item


def do_delete_audited(item: models.Model, *, actor, detail: dict | None = None) -> None:
    """Delete an item with its "<kind>.deleted" entry, in one transaction."""
    with transaction.atomic():
        audit(f"{kind_of(item)}.deleted", item, actor=actor, detail=detail)
        item.delete()


def do_record_change(topic: str, ids=(), *, first: int | None = None,
                     last: int | None = None) -> tuple[int, int]:  # fmt: skip
    """Write a change to the feed inside the caller's transaction (see `core/feed.py`): the
    organisations `ids` (or the range `first`..`last`), or a whole `topic`. Returns the
    entry's (stamp, id)."""
    entry = FeedEntry(topic=topic, ids=list(ids), first=first, last=last)
    if connection.vendor != "postgresql":
        entry.save()
        return entry.pk, entry.pk
    with connection.cursor() as cursor:  # stamped with the writing transaction's id
        cursor.execute(
            f"INSERT INTO {FeedEntry._meta.db_table} (topic, ids, first, last, xid, at) "  # noqa: S608
            "VALUES (%s, %s::jsonb, %s, %s, pg_current_xact_id()::text::bigint, %s) "
            "RETURNING xid, id",
            [topic, json.dumps(entry.ids), first, last, entry.at],
        )
        return tuple(cursor.fetchone())


def do_clear_feed() -> None:
    """Forget the whole feed (after a restore: every server rebuilds its index, seeing the
    database went back)."""
    FeedEntry.objects.all().delete()


def do_prune_feed(days: int) -> int:
    """Delete the feed's entries older than `days` (the newest is always kept: it tells a
    server whose position is ahead of it that the database went back); returns how many."""
    newest = FeedEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    old = FeedEntry.objects.filter(at__lt=timezone.now() - timedelta(days=days))
    return old.exclude(pk=newest).delete()[0]


# Background jobs (core/jobs.py) ---------------------------------------------------------


def do_record_progress(result_id: str, done: int, total: int | None = None,
                       outcome: dict | None = None) -> None:  # fmt: skip
    """How far a job has got; `outcome`, what it gives back once done."""
    values = {"done": done, "updated_at": timezone.now()}
    if total is not None:
        values["total"] = total
    if outcome is not None:
        values["outcome"] = outcome
    JobProgress.objects.update_or_create(result_id=result_id, defaults=values)


def do_beat(worker_id: str, host: str, pid: int) -> None:
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id, defaults={"host": host, "pid": pid, "seen_at": timezone.now()}
    )


def do_forget_worker(worker_id: str) -> None:
    WorkerBeat.objects.filter(worker_id=worker_id).delete()


def do_mark_lost(result_id) -> bool:
    """A running job whose worker is gone, failed; False when another worker did it first."""
    return bool(DBTaskResult.objects.filter(pk=result_id, status=TaskResultStatus.RUNNING)
                .update(status=TaskResultStatus.FAILED, finished_at=timezone.now(),
                        exception_class_path="essaim.core.jobs.WorkerLost",
                        traceback="WorkerLost: its worker stopped while it ran"))  # fmt: skip


def do_claim_slot(name: str, slot: str) -> bool:
    """The right to enqueue a scheduled job for a slot: True once, whoever asks after."""
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(name=name, slot=slot)
    except IntegrityError:
        return False
    return True


def do_prune_queue(days: int) -> dict[str, int]:
    """Forget what is older than `days`: finished jobs and their progress, scheduled runs,
    silent workers, and the change feed's entries; returns how many of each."""
    before = timezone.now() - timedelta(days=days)
    finished = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=before
    )
    return {
        "jobs": finished.delete()[0],
        "progress": JobProgress.objects.filter(updated_at__lt=before).delete()[0],
        "scheduled runs": ScheduledRun.objects.filter(enqueued_at__lt=before).delete()[0],
        "workers": WorkerBeat.objects.filter(seen_at__lt=before).delete()[0],
        "feed entries": do_prune_feed(days),
    }
