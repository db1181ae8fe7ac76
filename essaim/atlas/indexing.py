"""The atlas in the search index: each organisation's document written after the commit that
changed it (many changes in one transaction make one write), and the whole index rebuilt from
the database. The write path (`actions.py`, `bulk.py`) calls these; nothing else writes the
index.
"""

import threading
from collections.abc import Iterable, Iterator

from django.db import transaction

from essaim.core import generation
from essaim.search.index import get_index

from .documents import documents_for
from .meaning import embed_after_write
from .models import Organisation
from .vocabulary import Vocabulary

INDEX_BATCH = 2000
INDEX_COMMIT_EVERY = 50_000


def index_organisations(ids: Iterable[int]) -> None:
    """Write the current state of these organisations to the index (or remove them), read a
    batch at a time, committed every INDEX_COMMIT_EVERY: memory stays bounded for a million
    (tantivy's commit of a single huge write held 1.3 GB for a million)."""
    ids = list(ids)
    vocabulary = Vocabulary()
    for first in range(0, len(ids), INDEX_COMMIT_EVERY):
        chunk = ids[first : first + INDEX_COMMIT_EVERY]
        get_index().write_batches(
            documents_for(chunk[start : start + INDEX_BATCH], vocabulary)
            for start in range(0, len(chunk), INDEX_BATCH)
        )
    generation.bump()
    embed_after_write(ids)


_pending = threading.local()


def index_after_commit(ids: Iterable[int]) -> None:
    """Index these organisations once the transaction commits; many changes in one transaction
    make one index write. A rolled-back transaction drops its callback (and so its ids): a
    pending set whose callback is no longer waiting is started afresh."""
    connection = transaction.get_connection()
    flush = getattr(_pending, "flush", None)
    waiting = flush is not None and any(item[1] is flush for item in connection.run_on_commit)
    if not waiting:
        pending = set()

        def flush() -> None:
            _pending.flush = None
            index_organisations(sorted(pending))

        _pending.ids, _pending.flush = pending, flush
        pending.update(ids)
        transaction.on_commit(flush)
        return
    _pending.ids.update(ids)


def _documents_in_batches(batch_size: int = INDEX_BATCH) -> Iterator[list[dict]]:
    vocabulary = Vocabulary()
    published = Organisation.objects.published().order_by("pk")
    last = 0
    while ids := list(published.filter(pk__gt=last).values_list("pk", flat=True)[:batch_size]):
        last = ids[-1]
        yield documents_for(ids, vocabulary)[0]


def rebuild_search_index() -> int:
    """Rebuild the whole index from the database; returns how many entries it holds."""
    count = get_index().rebuild(_documents_in_batches())
    generation.bump()
    return count
