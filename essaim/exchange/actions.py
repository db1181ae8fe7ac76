"""Every way the sources of the atlas change: the instances followed, where their feeds were
read up to, and what their last run said. Imports and pulls decide; these write."""

import json
import secrets
import time
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from essaim.core.actions import audit, do_delete_audited, do_save_audited

from .models import Source
from .uploads import Upload, uploads_dir

KEPT_FOR = 24 * 3600  # seconds an upload waits for its matching before it is deleted
UPLOAD_OPTIONS = ("format", "source", "encoding", "partial", "subset", "dry_run")


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


def do_keep_upload(data: dict) -> str:
    """Keep a file uploaded in the admin, and its import options, while its columns are
    matched; returns its token. Uploads older than a day, never imported, go."""
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - KEPT_FOR:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    with (folder / f"{token}.data").open("wb") as target:
        for chunk in data["file"].chunks():
            target.write(chunk)
    options = {name: data.get(name) for name in UPLOAD_OPTIONS}
    options["subset"], options["dry_run"] = bool(options["subset"]), bool(options["dry_run"])
    if data.get("mapping") is not None:  # written by hand: used as it is
        options["mapping"] = data["mapping"].to_json()
    (folder / f"{token}.json").write_text(json.dumps(options), encoding="utf-8")
    return token


def do_forget_upload(upload: Upload) -> None:
    """An upload imported: its file goes."""
    upload.path.unlink(missing_ok=True)
    upload.options_path.unlink(missing_ok=True)
