"""The audit trail every domain's actions write to (the atlas keeps its own, richer history
in `atlas.Change`)."""

from django.db import models

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
