"""The atlas in the search index: each organisation's document written by every server once
the transaction that changed it commits (through the change feed, `core/feed.py`: many
changes in one transaction make one write), and the whole index rebuilt from the database.
The write path (`actions.py`, `bulk.py`) calls these; nothing else writes the index.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from essaim.core import feed, generation
from essaim.core.actions import do_record_change
from essaim.core.memory import rare_collections
from essaim.search.index import get_index

from .documents import documents_for, documents_from_records
from .meaning import EMBED_IN_WRITE_PATH, embed_after_write
from .models import Organisation
from .vocabulary import Vocabulary

INDEX_BATCH = 2000
INDEX_COMMIT_EVERY = 50_000


def index_organisations(ids: Iterable[int]) -> None:
    """Write the current state of these organisations to this server's index (or remove
    them), read a batch at a time, committed every INDEX_COMMIT_EVERY: memory stays bounded
    for a million (tantivy's commit of a single huge write held 1.3 GB for a million). The
    change feed calls it; the write path records its changes in the feed instead."""
    ids = list(ids)
    vocabulary = Vocabulary()
    with rare_collections():
        get_index().write_batches(
            (
                documents_for(ids[start : start + INDEX_BATCH], vocabulary)
                for start in range(0, len(ids), INDEX_BATCH)
            ),
            commit_every=INDEX_COMMIT_EVERY,
        )
    generation.bump()
    embed_after_write(ids)


def index_after_commit(ids: Iterable[int]) -> None:
    """Record in the change feed, inside the caller's transaction, that these organisations
    changed; every server indexes them once it commits (this one at once, after the commit).
    A rolled-back transaction takes its entry with it."""
    ids = sorted(set(ids))
    if ids:
        do_record_change(feed.ORGANISATIONS, ids)
        feed.follow_after_commit()


class NewEntries:
    """What an import creates, indexed as it writes it (see `indexing_new_entries`)."""

    def __init__(self, adding):
        self._adding, self._vocabulary = adding, Vocabulary()
        self.entries: list[tuple[int, int]] = []  # the feed's, of what was indexed
        self.ids: list[int] = []

    def created(self, ids: list[int], records, identifiers: list[dict], now) -> None:
        """Inside the import's transaction: these organisations were just inserted (their ids
        follow each other) from these (fields, relations) records."""
        self._adding.add(
            documents_from_records(ids, records, self._vocabulary, now, identifiers),
            replacing=(ids[0], ids[-1]),  # an id used before, now free again (SQLite)
        )
        self.entries.append(do_record_change(feed.ORGANISATIONS, first=ids[0], last=ids[-1]))
        self.ids += ids


@contextmanager
def indexing_new_entries() -> Iterator[NewEntries]:
    """For an import: the organisations it creates are indexed from what it writes, in one
    writer, while it writes the next ones, instead of being read back after its commit (a
    third of the indexing's time at a million). Open this around the import's transaction:
    the index commits only once the database has, and is rolled back with it; the feed stays
    held meanwhile, and the import's other changes (updates) are applied after."""
    with feed.applying() as mark_applied:
        with get_index().adding() as adding:
            new = NewEntries(adding)
            yield new
        mark_applied(new.entries)
    if new.ids:
        generation.bump()
        embed_after_write(new.ids)


def vocabulary_changed() -> None:
    """The taxonomies' labels or codes changed: every server computes its answers again."""
    do_record_change("vocabulary")
    feed.follow_after_commit()


def _documents_in_batches(batch_size: int = INDEX_BATCH) -> Iterator[list[dict]]:
    vocabulary = Vocabulary()
    published = Organisation.objects.published().order_by("pk")
    last = 0
    while ids := list(published.filter(pk__gt=last).values_list("pk", flat=True)[:batch_size]):
        last = ids[-1]
        yield documents_for(ids, vocabulary)[0]


def rebuild_search_index() -> int:
    """Rebuild this server's whole index from the database, and follow the feed from there;
    returns how many entries it holds."""
    feed.rebuild()
    return get_index().count()


def write_whole_index() -> None:
    """The index from the database alone (the feed's rebuild step), and the meaning vectors
    of a small atlas (a large one's are `essaim embed`'s work, which skips what is there)."""
    with rare_collections():
        get_index().rebuild(_documents_in_batches())
    generation.bump()
    published = Organisation.objects.published().values_list("pk", flat=True)
    if (few := list(published[: EMBED_IN_WRITE_PATH + 1])) and len(few) <= EMBED_IN_WRITE_PATH:
        embed_after_write(few)


def register() -> None:
    """The atlas's part of the change feed (called once, when the application starts)."""
    feed.on_change(feed.ORGANISATIONS, index_organisations)
    feed.on_change("vocabulary", lambda _ids: generation.bump())
    feed.on_rebuild(write_whole_index)
