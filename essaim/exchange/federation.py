"""Following another Essaim instance: its atlas as a source, kept in sync through its change feed.

A pull reads the other instance's `/api/v1/changes` from the last position taken in, a page at
a time. For each page, the organisations created or changed there are fetched
(`/api/v1/organisations/{id}`) and go through the same validation and write path as any
import; those deleted, hidden or archived there are archived here. Each page is applied in one
transaction, and the position saved with it: if the other instance stops answering mid-pull,
what was taken in is whole, and the next pull resumes where this one stopped.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from essaim.atlas import actions
from essaim.atlas.models import Organisation, Status

from . import actions as exchange_actions
from .imports import Cleaner, Mapping, Tally, essaim_fields
from .models import Source
from .reading import ExchangeError

PAGE = 200
TIMEOUT = 30


class SourceUnreachable(ExchangeError):
    """The other instance did not answer, or not as an Essaim instance would."""


@dataclass
class PullReport(Tally):
    archived: int = 0
    rejected: list[tuple[str, str, str]] = field(default_factory=list)
    position: int = 0
    # Why the pull stopped before the end of the feed, if it did.
    stopped: str = ""


def _get(url: str) -> dict:
    request = urllib.request.Request(  # noqa: S310 (base_url admits http and https only)
        url,
        headers={
            "Accept": "application/json",
            "User-Agent": f"Essaim (+{settings.ESSAIM['PUBLIC_URL']})",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return {}
        raise SourceUnreachable(
            _("%(url)s answered with the error %(code)d.") % {"url": url, "code": error.code}
        ) from error
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SourceUnreachable(
            _("%(url)s does not answer: %(reason)s") % {"url": url, "reason": reason}
        ) from error
    except ValueError as error:
        raise SourceUnreachable(
            _("%(url)s did not answer in JSON: is it an Essaim instance?") % {"url": url}
        ) from error


def base_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourceUnreachable(_("Not a web address: %(url)s") % {"url": url})
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def do_follow(url: str, name: str | None = None) -> Source:
    """Make another instance a source (checked to answer as one)."""
    base = base_url(url)
    _get(f"{base}/api/v1/changes?" + urlencode({"since": 0, "limit": 1}))
    name = name or slugify(urlsplit(base).netloc.replace(":", "-").replace(".", "-"))
    return exchange_actions.do_follow_source(name, base)


def pull(source: Source, on_page: Callable[[PullReport], None] | None = None) -> PullReport:
    """Take in the other instance's changes since the last pull, a page at a time."""
    report = PullReport(source=source.name, position=source.feed_position)
    cleaner = Cleaner()
    while True:
        try:
            page = _get(f"{source.url}/api/v1/changes?"
                        + urlencode({"since": report.position, "limit": PAGE}))  # fmt: skip
            changes = page.get("changes", [])
            if not changes:
                break
            # The last word on each organisation in this page decides.
            latest = {change["organisation"]: change["action"] for change in changes}
            records = {
                pk: _get(f"{source.url}/api/v1/organisations/{pk}")
                for pk, action in latest.items()
                if action == "upsert"
            }
        except SourceUnreachable as error:
            report.stopped = error.message
            break
        _apply_page(source, latest, records, page["next_since"], cleaner, report)
        if on_page:
            on_page(report)
    exchange_actions.do_record_pull(source, {
        "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
        "archived": report.archived, "rejected": len(report.rejected),
    })  # fmt: skip
    return report


def _apply_page(source, latest, records, next_since, cleaner, report) -> None:
    valid = []
    gone = [str(pk) for pk, action in latest.items() if action == "delete"]
    for pk, record in records.items():
        if not record:  # deleted there between the feed and the fetch
            gone.append(str(pk))
            continue
        fields = Mapping().translate(essaim_fields(record))
        facts, provenance, errors = cleaner.clean(fields)
        if errors:
            report.rejected += [(str(pk), name, reason) for name, reason in errors]
            continue
        valid.append((str(pk), facts, provenance))
    with transaction.atomic():
        report.add(actions.do_import_batch(source.name, valid, timezone.now()))
        # Published there again after a deletion there: published here again.
        for org in Organisation.objects.from_source(source.name, [pk for pk, *_ in valid]).filter(
            status=Status.ARCHIVED
        ):
            actions.do_set_organisation_status(org, Status.PUBLISHED)
        for org in Organisation.objects.from_source(source.name, gone).exclude(
            status=Status.ARCHIVED
        ):
            actions.do_set_organisation_status(org, Status.ARCHIVED)
            report.archived += 1
        exchange_actions.do_move_feed_position(source, next_since)
        report.position = next_since
