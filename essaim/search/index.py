"""The search engine Essaim ships: tantivy, stored beside the database, behind the
`SearchBackend` protocol of `query.py` (`words.py` reads the words of a search, `clusters.py`
groups the map's points).

The database is the source of truth. The write path (`atlas/indexing.py`) writes documents
after each commit; `essaim reindex` rebuilds the whole index from the database. Queries go
through `search()` and `clusters()`, which every page, the API and the exports share.
"""

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import tantivy
from django.conf import settings
from django.utils.module_loading import import_string

from . import semantic
from .clusters import Clustering
from .embeddings import query_vector
from .geo import cell_terms, mercator
from .places import PlaceMatching
from .query import (
    SAMPLE_BUCKETS,
    SORTS,
    Cluster,
    DocumentLayout,
    SearchBackend,
    SearchQuery,
    SearchResult,
    distance_km,
    microseconds,
)
from .text import (
    ANALYZER,
    STEMMERS,
    fold,
)
from .words import WordMatching

WRITER_HEAP_BYTES = 128 * 1024 * 1024
WRITER_THREADS = 2
MAX_HITS = 10_000
SCHEMA_VERSION = "8"
FUSED_DEPTH = semantic.FUSED_DEPTH

T = TypeVar("T")


def build_schema(layout: DocumentLayout) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    # No phrase queries: term frequencies are enough, positions would double the index.
    builder.add_text_field("name", tokenizer_name="folded", index_option="freq")
    builder.add_text_field("body", tokenizer_name="folded", index_option="freq")
    builder.add_text_field("name_key", tokenizer_name="raw", fast=True)
    # Descriptions and labels once more per language, stemmed by that language's rules.
    for language in STEMMERS:
        builder.add_text_field(f"stem_{language}", tokenizer_name=f"stem_{language}",
                               index_option="freq")  # fmt: skip
    # Numbers are filtered by ranges, sorted and counted, which tantivy does on fast fields
    # alone: not indexed as terms too (a term per distinct position, millions of them, was
    # written and merged for nothing).
    builder.add_integer_field("updated", fast=True)
    builder.add_integer_field("sample", indexed=True)
    for name in layout.numbers:
        builder.add_integer_field(name, fast=True)
    for name in layout.facets:
        builder.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    for name in ("lat", "lon", "x", "y"):
        builder.add_float_field(name, fast=True)
    builder.add_text_field("cell", tokenizer_name="raw", index_option="basic")  # see geo.py
    return builder.build()


class IndexNotWritten(OSError):
    """The index's files could not be written (a full disk): nothing of the write is
    committed, and the index answers with what it held before."""


def _failed_write(message: str) -> str | None:
    """The system's reason ("No space left on device") when tantivy's error is a failed
    write: it says them as a ValueError, in several shapes, all naming the system's error."""
    if "(os error " not in message and "IoError" not in message:
        return None
    found = re.search(r'message: "([^"]+)"', message) or re.search(
        r"([A-Z][^'(:]*) \(os error \d+\)", message
    )
    return found.group(1) if found else message


class SearchIndex(WordMatching, PlaceMatching, Clustering):
    """The tantivy engine: Essaim's `SearchBackend`."""

    def __init__(self, path: Path, layout: DocumentLayout):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.layout = layout
        self.schema = build_schema(layout)
        self._write_lock = threading.Lock()
        version_file = self.path / "essaim-schema-version"
        if version_file.exists() and version_file.read_text().strip() != SCHEMA_VERSION:
            # An index of an older layout cannot be read: start empty, `essaim reindex` refills.
            for child in self.path.iterdir():
                child.unlink()
        self.index = tantivy.Index(self.schema, path=str(self.path))
        self.index.register_tokenizer("folded", ANALYZER)
        for language, analyzer in STEMMERS.items():
            self.index.register_tokenizer(f"stem_{language}", analyzer)
        # The reader reloads when meta.json changes (see `_searcher`), so that each searcher is
        # known to reflect one committed state, which keys the result cache.
        self.index.config_reader("Manual")
        version_file.write_text(SCHEMA_VERSION)
        self._state = self._committed_state()
        self._reload_lock = threading.Lock()
        self._cache: OrderedDict = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = settings.ESSAIM["SEARCH_CACHE_SIZE"]

    # Writing ------------------------------------------------------------------------------

    def _writer(self):
        # One writer at a time per index, across processes too: wait for the lock to free.
        deadline = time.monotonic() + 30
        while True:
            try:
                return self.index.writer(WRITER_HEAP_BYTES, WRITER_THREADS)
            except ValueError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _to_tantivy(self, document: dict) -> tantivy.Document:
        # One dict given to tantivy at once: three times faster than a call per value, which
        # counts at millions of documents.
        fields = {
            "id": document["id"],
            "name": document["name"],
            "name_key": document["name_key"],
            "updated": document["updated"],
            # A stable pseudo-random sixteenth of the documents, for estimating large counts.
            "sample": (document["id"] * 2654435761) % 2**32 % SAMPLE_BUCKETS,
            **{name: document[name] for name in self.layout.numbers},
            **{name: codes for name, codes in document["facets"].items() if codes},
        }
        # Each field's texts as one text: tantivy converts and copies a value at a time, and
        # without positions the words and their counts are the same (measured: a quarter less
        # time handing documents to tantivy, a sixth less indexing them).
        if document["body"]:
            fields["body"] = "\n".join(document["body"])
        for language, texts in document.get("stems", {}).items():
            if texts:
                fields[f"stem_{language}"] = "\n".join(texts)
        if "lat" in document:
            latitude, longitude = float(document["lat"]), float(document["lon"])
            x, y = mercator(latitude, longitude)
            fields.update(lat=latitude, lon=longitude, x=x, y=y,
                          cell=cell_terms(latitude, longitude))  # fmt: skip
        return tantivy.Document.from_dict(fields, self.schema)

    @contextmanager
    def _writing(self):
        """One writer, committed and made visible at the end, rolled back on any error."""
        with self._write_lock:
            writer = self._writer()
            try:
                yield writer
                writer.commit()
                writer.wait_merging_threads()
            except BaseException as error:
                writer.rollback()
                if isinstance(error, ValueError) and (reason := _failed_write(str(error))):
                    raise IndexNotWritten(reason) from error
                raise
        self._searcher()  # make the commit visible to this process now

    def write(self, documents: list[dict], deleted_ids=(), append: bool = False) -> None:
        """Replace the entries of `documents`, remove `deleted_ids`, and make it visible.

        `append` says the documents are new to the index: nothing to replace."""
        self.write_batches([(documents, deleted_ids)], append=append)

    def write_batches(self, batches, append: bool = False, commit_every: int = 0) -> None:
        """`write` for (documents, deleted ids) batches read one at a time, in one commit, or
        committed every `commit_every` entries (tantivy holds what it has not committed: a
        million at once took 1.3 GB). One writer throughout: a commit does not wait for the
        segments it starts merging, which are waited for once, at the end."""
        with self._writing() as writer:
            uncommitted = 0
            for documents, deleted_ids in batches:
                replaced = [] if append else [document["id"] for document in documents]
                for pk in [*deleted_ids, *replaced]:
                    writer.delete_documents_by_term("id", pk)
                for document in documents:
                    writer.add_document(self._to_tantivy(document))
                uncommitted += len(documents) + len(deleted_ids)
                if commit_every and uncommitted >= commit_every:
                    writer.commit()
                    self._searcher()  # what was committed is searchable in this process now
                    uncommitted = 0

    @contextmanager
    def adding(self) -> Iterator["_Adding"]:
        """One writer for a whole bulk load: each batch added as it comes is indexed on other
        cores while the next is read, commits do not wait for segment merges, and the merges
        are waited for once, at the end."""
        with self._writing() as writer:
            yield _Adding(writer, self._to_tantivy, self._searcher, self.schema)

    def rebuild(self, batches) -> int:
        """Empty the index and fill it from `batches` (lists of documents), in one commit."""
        total = 0
        with self._writing() as writer:
            writer.delete_all_documents()
            for batch in batches:
                for document in batch:
                    writer.add_document(self._to_tantivy(document))
                total += len(batch)
        return total

    # Reading ------------------------------------------------------------------------------

    def _committed_state(self) -> bytes:
        """Which commit is on disk: tantivy replaces meta.json (a few kilobytes, with the
        commit's opstamp) atomically on each commit, from this process or another one."""
        try:
            return hashlib.blake2b((self.path / "meta.json").read_bytes(), digest_size=16).digest()
        except FileNotFoundError:
            return b""

    def _searcher(self):
        """A searcher on the last commit, and that commit's state. The state is read before
        reloading, so a searcher may be newer than its state says, never older."""
        state = self._committed_state()
        if state != self._state:
            with self._reload_lock:
                if state != self._state:
                    self.index.reload()
                    self._state = state
        return self.index.searcher(), state

    def remembered(self, key: tuple, compute: Callable[..., T]) -> T:
        """`compute(searcher)`, remembered per committed state of the index (the engine's own
        answers: searches, clusters, suggestions). A commit from any process makes what was
        remembered unreachable. Whole answers of the application are remembered per generation
        of the data instead (`core/answers.py`)."""
        searcher, state = self._searcher()
        if not self._cache_size:
            return compute(searcher)
        key = (state, *key)
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute(searcher)
        with self._cache_lock:
            self._cache[key] = value
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return value

    def count(self) -> int:
        return self._searcher()[0].num_docs

    def last_id(self) -> int:
        """The highest id in the index (0 when empty)."""
        searcher = self._searcher()[0]
        hits = searcher.search(tantivy.Query.all_query(), 1, count=False, order_by_field="id").hits
        return searcher.fast_field_values("id", [hits[0][1]])[0] if hits else 0

    def _facet_clause(self, name: str, codes: list[str]):
        return tantivy.Query.term_set_query(self.schema, name, list(codes))

    @staticmethod
    def _combine(clauses):
        if not clauses:
            return tantivy.Query.all_query()
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, clause) for clause in clauses])

    def _facet_clauses(self, query: SearchQuery, without_facet: str | None = None) -> list:
        return [self._facet_clause(name, codes) for name, codes in query.filters.items()
                if codes and name != without_facet]  # fmt: skip

    def _common_clauses(self, searcher, query: SearchQuery) -> list:
        """The words, the box, the dates and the quality: the clauses every count of a search
        shares (a facet filter is left out of its own facet's count)."""
        clauses = []
        text_query = self._text_query(searcher, query.text)
        if text_query is not None:
            clauses.append(text_query)  # first: the hybrid search leaves it out by position
        if query.bbox:
            clauses.extend(self._bbox_clauses(query.bbox))
        if query.updated_since:
            clauses.append(self._at_least("updated", microseconds(query.updated_since)))
        if query.thresholds:
            clauses.append(self._thresholds_clause(query.thresholds))
        return clauses

    def _at_least(self, name: str, value: int):
        return tantivy.Query.range_query(self.schema, name, tantivy.FieldType.Integer, value, None)

    def _thresholds_clause(self, groups):
        """Documents meeting every lower bound of at least one group."""
        return tantivy.Query.boolean_query([
            (tantivy.Occur.Should,
             self._combine([self._at_least(name, least) for name, least in group]))
            for group in groups
        ])  # fmt: skip

    def _aggregate(self, searcher, clauses, names):
        """Terms counts for `names` over the documents matching `clauses`, and whether they are
        estimates. A sixteenth of the documents (the `sample` field) is counted first; when it
        says there are more than FACET_SAMPLE_ABOVE matches, its counts, times sixteen, are the
        estimate (exact counting would visit millions of documents per facet); otherwise the
        matches are few enough to count them all."""
        terms = {name: {"terms": {"field": name, "size": 200}} for name in names}
        sample = tantivy.Query.term_query(self.schema, "sample", 0)
        sampled = searcher.aggregate(
            self._combine([*clauses, sample]),
            {**terms, "matches": {"value_count": {"field": "id"}}},
        )
        if sampled["matches"]["value"] * SAMPLE_BUCKETS > settings.ESSAIM["FACET_SAMPLE_ABOVE"]:
            result, scale = sampled, SAMPLE_BUCKETS
        else:
            result, scale = searcher.aggregate(self._combine(clauses), terms), 1
        counts = {
            name: [
                (bucket["key"], bucket["doc_count"] * scale) for bucket in result[name]["buckets"]
            ]
            for name in names
        }
        return counts, scale > 1

    def _start_facet_counts(self, query: SearchQuery, searcher, clauses, shared) -> list:
        """Count facet values beside the search, on other cores (tantivy releases the GIL). A
        facet with a selection is counted without its own filter, so the visitor sees what else
        they could add to it."""
        unselected = [name for name in query.facets if not query.filters.get(name)]
        jobs = []
        if unselected:
            jobs.append(_facet_pool.submit(self._aggregate, searcher, clauses, unselected))
        for name in query.facets:
            if name not in unselected:
                own = [*shared, *self._facet_clauses(query, without_facet=name)]
                jobs.append(_facet_pool.submit(self._aggregate, searcher, own, [name]))
        return jobs

    @staticmethod
    def _facet_counts(jobs) -> tuple[dict, bool]:
        counts, approximate = {}, False
        for job in jobs:
            job_counts, estimated = job.result()
            counts.update(job_counts)
            approximate = approximate or estimated
        return counts, approximate

    def _filtered(self, searcher, query: SearchQuery) -> tuple[list, list]:
        """The query's clauses, and those of them its facet counts share: all but the facet
        filters and the cursor. The place is among the shared ones: within `radius_km` of
        `near`, or beyond `outside`."""
        shared = self._common_clauses(searcher, query)
        common = list(shared)
        if query.near and query.radius_km:
            shared.append(self._circle(searcher, common, query.near, query.radius_km))
        if query.outside:
            latitude, longitude, radius_km = query.outside
            within = self._circle(searcher, common, (latitude, longitude), radius_km)
            shared.append(
                tantivy.Query.boolean_query([(tantivy.Occur.Must, tantivy.Query.all_query()),
                                             (tantivy.Occur.MustNot, within)])
            )  # fmt: skip
        clauses = [*shared, *self._facet_clauses(query)]
        if query.after_id is not None:
            clauses.append(
                tantivy.Query.range_query(
                    self.schema,
                    "id",
                    tantivy.FieldType.Integer,
                    query.after_id,
                    None,
                    include_lower=False,
                )
            )
        return clauses, shared

    def search(self, query: SearchQuery) -> SearchResult:
        # The sampling threshold is part of the answer (it decides exact or estimated counts),
        # and so are the meaning vectors when they rank it.
        hybrid = self._is_hybrid(query)
        key = ("search", query.cache_key(), settings.ESSAIM["FACET_SAMPLE_ABOVE"],
               settings.ESSAIM["NAME_FIRST_ABOVE"],
               semantic.generation() if hybrid else None)  # fmt: skip
        return self.remembered(key, lambda searcher: self._search(searcher, query, hybrid))

    def _with_meaning_counts(self, searcher, query, without_text, facets, by_meaning) -> dict:
        """Facet counts with the results found by meaning only added to the words' ones."""
        only = tantivy.Query.term_set_query(self.schema, "id", list(by_meaning))
        extra, _estimated = self._aggregate(searcher, [*without_text, only], list(query.facets))
        merged = {}
        for name in query.facets:
            counts = dict(facets.get(name, []))
            for code, count in extra.get(name, []):
                counts[code] = counts.get(code, 0) + count
            merged[name] = sorted(counts.items(), key=lambda item: -item[1])
        return merged

    @staticmethod
    def _is_hybrid(query: SearchQuery) -> bool:
        return (
            query.sort == "relevance"
            and not query.words_only
            and query.after_id is None
            and bool(fold(query.text))
            and settings.ESSAIM.get("SEMANTIC_SEARCH", True)
        )

    def _semantic_ids(self, searcher, query: SearchQuery, clauses_without_text) -> dict:
        """{id: similarity} of the organisations nearest in meaning to the words that also
        pass the filters, the nearest first."""
        found = semantic.nearest(query_vector(query.text), FUSED_DEPTH * 3)
        if not found:
            return {}
        similarity = dict(found)
        candidates = tantivy.Query.term_set_query(self.schema, "id", list(similarity))
        allowed = self._combine([*clauses_without_text, candidates])
        passing = {pk for (pk,) in self._every_hit(searcher, allowed, ("id",))}
        return {pk: score for pk, score in found if pk in passing}

    def _hybrid(self, searcher, query: SearchQuery, clauses) -> tuple[list, int, dict]:
        """The page of a search ranked by words and meaning together, the total, and the
        results found by meaning only."""
        without_text = clauses[1:]  # the text clause comes first (see _common_clauses)
        lexical_ids, lexical_count = self._lexical_page(searcher, query, clauses, FUSED_DEPTH, 0)
        meaning = self._semantic_ids(searcher, query, without_text)
        meaning_ids = list(meaning)[:FUSED_DEPTH]
        # Those the words match too are in the words' ranking already (perhaps past its first
        # hundred): only those found by meaning alone join the fused head.
        words_too = set(lexical_ids)
        if meaning_ids:
            matched = self._combine([*clauses, tantivy.Query.term_set_query(
                self.schema, "id", meaning_ids)])  # fmt: skip
            words_too |= {pk for (pk,) in self._every_hit(searcher, matched, ("id",))}
        only_meaning = {pk: meaning[pk] for pk in meaning_ids if pk not in words_too}
        ranked_by_meaning = [pk for pk in meaning_ids if pk in only_meaning or pk in lexical_ids]
        fused = semantic.fuse(lexical_ids, ranked_by_meaning)
        total = lexical_count + len(only_meaning)
        start, end = query.offset, query.offset + max(1, min(query.limit, MAX_HITS))
        ids = fused[start:end]
        if end > len(fused) and lexical_count > FUSED_DEPTH:
            # Past the fused head (the words' first hundred and the meaning's own), the words'
            # ranking goes on from its hundred-and-first.
            ids += self._lexical_page(searcher, query, clauses, end - max(start, len(fused)),
                                      FUSED_DEPTH + max(0, start - len(fused)))[0]  # fmt: skip
        return (ids if query.limit else []), total, only_meaning

    def _search(self, searcher, query: SearchQuery, hybrid: bool = False) -> SearchResult:
        clauses, shared = self._filtered(searcher, query)
        facet_jobs = self._start_facet_counts(query, searcher, clauses, shared)
        combined = self._combine(clauses)
        limit = max(1, min(query.limit, MAX_HITS))
        by_meaning = {}
        if hybrid:
            ids, total, by_meaning = self._hybrid(searcher, query, clauses)
        elif query.sort == "distance" and query.near:
            ids, total = self._nearest_first(searcher, query, clauses, limit)
        elif query.sort == "relevance" and query.text.strip():
            ids, total = self._lexical_page(searcher, query, clauses, limit, query.offset)
            ids = ids if query.limit else []
        else:
            if query.sort == "name":
                options = {"order_by_field": "name_key", "order": tantivy.Order.Asc}
            elif query.sort == "updated":
                options = {"order_by_field": "updated", "order": tantivy.Order.Desc}
            else:
                options = {"order_by_field": "id", "order": tantivy.Order.Asc}
            result = searcher.search(combined, limit, offset=query.offset, **options)
            addresses = [address for _key, address in result.hits]
            ids = searcher.fast_field_values("id", addresses) if query.limit else []
            total = result.count
        facets, approximate = self._facet_counts(facet_jobs)
        if by_meaning and query.facets:
            facets = self._with_meaning_counts(searcher, query, clauses[1:], facets, by_meaning)
        return SearchResult(
            ids=ids,
            total=total,
            facets=facets,
            facets_approximate=approximate,
            distances=self._distances(searcher, ids, query.near) if query.near else {},
            by_meaning={pk: by_meaning[pk] for pk in ids if pk in by_meaning},
        )

    def _lexical_page(self, searcher, query: SearchQuery, clauses, limit: int, offset: int):
        """(ids, total) of a page of the search ranked by its words. When its words are in
        most of a large index, those with a word in their name come first, ranked; the others
        follow, the most recently updated first, counted without being scored."""
        name_first = self._name_first(searcher, query.text) if clauses else None
        if name_first is None:
            result = searcher.search(self._combine(clauses), max(1, limit), offset=offset)
            return self._ids(searcher, result), result.count
        # The text clause comes first (see _common_clauses); unscored, it still filters.
        matching = [tantivy.Query.const_score_query(clauses[0], 0.0), *clauses[1:]]
        named = searcher.search(self._combine([name_first, *matching]), max(1, limit),
                                offset=offset)  # fmt: skip
        ids = self._ids(searcher, named)
        if len(ids) == limit:  # the page is full: only the count of the others is needed
            return ids, searcher.search(self._combine(matching), 1).count
        others = tantivy.Query.boolean_query([
            *((tantivy.Occur.Must, clause) for clause in matching),
            (tantivy.Occur.MustNot, name_first),
        ])  # fmt: skip
        rest = searcher.search(others, limit - len(ids), offset=max(0, offset - named.count),
                               order_by_field="updated", order=tantivy.Order.Desc)  # fmt: skip
        return ids + self._ids(searcher, rest), named.count + rest.count

    @staticmethod
    def _ids(searcher, result) -> list[int]:
        return searcher.fast_field_values("id", [address for _key, address in result.hits])

    @staticmethod
    def _every_hit(searcher, query, fields: tuple[str, ...], **order) -> list[tuple]:
        """The values of `fields` (fast fields) for every document `query` matches."""
        hits = searcher.search(query, max(1, searcher.num_docs), count=False, **order).hits
        addresses = [address for _key, address in hits]
        columns = [searcher.fast_field_values(name, addresses) for name in fields]
        return list(zip(*columns, strict=True))

    def entries_between(self, first_id: int, last_id: int) -> dict[int, int]:
        """{id: update time in microseconds} of the entries with first_id <= id <= last_id."""
        searcher = self._searcher()[0]
        query = tantivy.Query.range_query(
            self.schema, "id", tantivy.FieldType.Integer, first_id, last_id
        )
        return dict(self._every_hit(searcher, query, ("id", "updated")))

    def matching_ids(self, query: SearchQuery) -> list[int]:
        """Every id the query matches, in id order: for exports, which are not paginated."""
        searcher = self._searcher()[0]
        clauses, _shared = self._filtered(searcher, query)
        hits = self._every_hit(
            searcher, self._combine(clauses), ("id",), order_by_field="id", order=tantivy.Order.Asc
        )
        return [pk for (pk,) in hits]


class _Adding:
    def __init__(self, writer, to_tantivy, refresh, schema):
        self._writer, self._to_tantivy, self._refresh = writer, to_tantivy, refresh
        self._schema = schema

    def add(self, documents: list[dict], replacing: tuple[int, int] | None = None) -> None:
        if replacing:  # one operation for the range, applied to what was added before it
            self._writer.delete_documents_by_query(tantivy.Query.range_query(
                self._schema, "id", tantivy.FieldType.Integer, *replacing))  # fmt: skip
        for document in documents:
            self._writer.add_document(self._to_tantivy(document))

    def commit(self) -> None:
        self._writer.commit()
        self._refresh()  # what was committed is searchable in this process now


_facet_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="essaim-facets")
_indexes: dict[tuple[str, Path], SearchBackend] = {}
_indexes_lock = threading.Lock()


def get_index() -> SearchBackend:
    """The search engine `ESSAIM_SEARCH_BACKEND` names (a class taking the index directory and
    the `ESSAIM_SEARCH_DOCUMENTS` layout), one per directory and process."""
    backend = settings.ESSAIM["SEARCH_BACKEND"]
    path = Path(settings.ESSAIM["INDEX_DIR"])
    with _indexes_lock:
        if (backend, path) not in _indexes:
            layout = import_string(settings.ESSAIM["SEARCH_DOCUMENTS"])
            _indexes[backend, path] = import_string(backend)(path, layout)
        return _indexes[backend, path]


__all__ = [
    "SORTS",
    "Cluster",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
    "distance_km",
    "fold",
    "get_index",
]
