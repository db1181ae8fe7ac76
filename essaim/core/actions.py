"""The audit trail every domain's actions write to (the atlas keeps its own, richer history
in `atlas.Change`)."""

import json
from datetime import timedelta

from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditEntry, FeedEntry


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


def do_prune_feed(days: int) -> int:
    """Delete the feed's entries older than `days` (the newest is always kept: it tells a
    server whose position is ahead of it that the database went back); returns how many."""
    newest = FeedEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    old = FeedEntry.objects.filter(at__lt=timezone.now() - timedelta(days=days))
    return old.exclude(pk=newest).delete()[0]
