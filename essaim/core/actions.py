"""The audit trail every domain's actions write to (the atlas keeps its own, richer history
in `atlas.Change`)."""

from django.db import models, transaction

from .models import AuditEntry


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
