"""An organisation as open data: the one public record shared by the API and every export."""

from collections.abc import Callable, Iterator

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from essaim.atlas.models import Identifier, Organisation, Status, slug_for
from essaim.atlas.quality import freshness, score
from essaim.atlas.schema import FACTS, Entry, read_entries
from essaim.atlas.vocabulary import Vocabulary, current_vocabulary
from essaim.search.index import SearchQuery, get_index

CHUNK = 500


def public_url(path: str) -> str:
    return settings.ESSAIM["PUBLIC_URL"].rstrip("/") + path


def organisation_url(pk: int, name: str) -> str:
    """The page of an organisation in the site's default language: a stable address for data."""
    with translation.override(settings.LANGUAGE_CODE):
        return public_url(reverse("organisation", kwargs={"pk": pk, "slug": slug_for(name)}))


# Stand-ins reversed once, then replaced for each record (see `organisation_urls`).
_PK_MARK, _SLUG_MARK = 987654321987, "essaim-slug-mark"


def organisation_urls() -> Callable[[int, str], str]:
    """`organisation_url` for many records: the address is reversed once and filled in for
    each (reversing it for each record took half the time of building the records)."""
    address = organisation_url(_PK_MARK, _SLUG_MARK)
    template = address.replace("{", "{{").replace("}", "}}")
    template = template.replace(str(_PK_MARK), "{pk}").replace(_SLUG_MARK, "{slug}")
    return lambda pk, name: template.format(pk=pk, slug=slug_for(name))


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def records_for(ids: list[int], vocabulary: Vocabulary | None = None) -> list[dict]:
    """The public records of these organisations, in the order of `ids`, read with a few plain
    queries (no model instances): the API and the exports serve thousands a second this way."""
    vocabulary = vocabulary or current_vocabulary()
    entries = read_entries(ids, vocabulary)
    now, url_of = timezone.now(), organisation_urls()
    return [record_of(entries[pk], vocabulary, now, url_of) for pk in ids if pk in entries]


def record_of(entry: Entry, vocabulary: Vocabulary, now, url_of: Callable[[int, str], str]) -> dict:
    """An entry's public record: each fact puts itself in, then where it comes from and its
    quality."""
    facts, about = entry.facts, entry.about
    record = {"id": entry.id, "url": url_of(entry.id, facts["name"])}
    for name, fact in FACTS.items():
        fact.put_in_record(record, facts[name], vocabulary)
    confirmed = entry.confirmed
    record.update({
        "source": about["source"],
        "source_id": about["source_id"],
        "source_url": about["source_url"],
        "source_updated_at": _iso(about["source_updated_at"]),
        "quality": score(entry.completeness, freshness(confirmed, now)),
        "confirmed_at": _iso(confirmed),
        "status": facts["status"],
        "created_at": _iso(about["created_at"]),
        "updated_at": _iso(about["updated_at"]),
    })  # fmt: skip
    return record


def export_ids(query: SearchQuery | None) -> Iterator[list[int]]:
    """Ids of the organisations to export, in chunks: the whole atlas, or one search."""
    if query is None:
        last = 0
        published = Organisation.objects.filter(status=Status.PUBLISHED).order_by("pk")
        while chunk := list(published.filter(pk__gt=last).values_list("pk", flat=True)[:CHUNK]):
            last = chunk[-1]
            yield chunk
        return
    ids = get_index().matching_ids(query)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def export_organisations(query: SearchQuery | None) -> Iterator[Organisation]:
    """Published organisations in id order, fetched a chunk at a time (constant memory)."""
    for chunk in export_ids(query):
        found = Organisation.objects.with_facts().filter(status=Status.PUBLISHED).in_bulk(chunk)
        for pk in chunk:
            if pk in found:
                yield found[pk]


def export_records(query: SearchQuery | None) -> Iterator[dict]:
    """Public records of the published organisations in id order, a chunk at a time."""
    vocabulary = Vocabulary()
    for chunk in export_ids(query):
        for record in records_for(chunk, vocabulary):
            if record["status"] == Status.PUBLISHED:
                yield record


def licence() -> dict:
    return {
        "licence": settings.ESSAIM["DATA_LICENCE"],
        "licence_url": settings.ESSAIM["DATA_LICENCE_URL"],
        "generated_at": timezone.now().replace(microsecond=0).isoformat(),
        "publisher": settings.ESSAIM["SITE_NAME"],
    }


IDENTIFIER_SCHEMES = [scheme for scheme, _label in Identifier.Scheme.choices]
