"""Every way the sources of the atlas change: the instances followed, where their feeds were
read up to, and what their last run said. Imports and pulls decide; these write."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from essaim.core.actions import audit, do_delete_audited, do_save_audited

from .models import Source


def do_follow_source(name: str, url: str) -> Source:
    """Follow another Essaim instance at `url` (its base address) as the source `name`."""
    with transaction.atomic():
        source, _created = Source.objects.update_or_create(
            name=name, defaults={"format": Source.Format.ESSAIM, "url": url}
        )
        audit("source.followed", source, detail={"url": url})
    return source


def do_save_source(source: Source, *, actor) -> Source:
    """A source's name, title, address or mapping, as an administrator edits them."""
    return do_save_audited(source, actor=actor, detail={"name": source.name})


def do_delete_source(source: Source, *, actor) -> None:
    """Forget a source (its organisations stay, with their provenance)."""
    do_delete_audited(source, actor=actor, detail={"name": source.name})


def do_record_import(name: str, fmt: str, mapping: dict, report: dict, now) -> Source:
    """An import of the source `name` ran: its format, the mapping it used (kept for the next
    one) and its counts. Called inside the import's transaction, so a rolled-back import
    records nothing."""
    source, _created = Source.objects.update_or_create(
        name=name,
        defaults={"format": fmt, "mapping": mapping, "last_run_at": now, "last_report": report},
    )
    audit("source.imported", source, detail=report)
    return source


def do_record_pull(source: Source, report: dict) -> None:
    """A pull of a followed instance ended (or stopped): when, and what it did."""
    with transaction.atomic():
        Source.objects.filter(pk=source.pk).update(last_run_at=timezone.now(), last_report=report)
        audit("source.pulled", source, detail=report)


def do_move_feed_position(source: Source, position: int) -> None:
    """The followed instance's feed is read up to `position` (in the page's transaction: the
    position moves with the changes it applied, or not at all)."""
    Source.objects.filter(pk=source.pk).update(feed_position=position)
    source.feed_position = position


def do_read_feeds_again(sources: Iterable[Source]) -> None:
    """Read these instances' feeds from their start at the next pull."""
    with transaction.atomic():
        ids = [source.pk for source in sources]
        Source.objects.filter(pk__in=ids).update(feed_position=0)
        for pk in ids:
            audit("source.feed_restarted", pk)
