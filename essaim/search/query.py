"""What Essaim asks of a search engine and what it answers: the query, the result, the map's
clusters, and the `SearchBackend` protocol every engine implements (tantivy's is
`index.SearchIndex`; `ESSAIM_SEARCH_BACKEND` names the class to use)."""

import math
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

SORTS = ("relevance", "name", "id", "updated", "distance")


# Large counts are estimated from one of this many stable parts of the documents.
SAMPLE_BUCKETS = 16


@dataclass
class SearchQuery:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    near: tuple[float, float] | None = None  # latitude, longitude
    radius_km: float | None = None
    updated_since: datetime | None = None
    # Lower bounds on the documents' numbers, in groups: a document passes when it meets every
    # bound of at least one group ((("completeness", 60), ("confirmed", t)), ...).
    thresholds: tuple[tuple[tuple[str, int], ...], ...] = ()
    after_id: int | None = None
    # Leave out what lies within `radius_km` of (latitude, longitude, radius_km): who serves
    # a place from further away.
    outside: tuple[float, float, float] | None = None
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    facets: tuple[str, ...] = ()
    # Words only: what a form proposes as a name is typed, on every keystroke, needs no
    # encoder (and a name found by meaning is not the name typed).
    words_only: bool = False

    def cache_key(self) -> tuple:
        filters = tuple(sorted((name, tuple(codes)) for name, codes in self.filters.items()))
        return (
            self.text, filters, self.bbox, self.near, self.radius_km, self.updated_since,
            self.thresholds, self.after_id, self.outside, self.sort, self.offset, self.limit,
            tuple(self.facets), self.words_only,
        )  # fmt: skip


@dataclass(frozen=True)
class DocumentLayout:
    """What a domain's documents hold besides their id, name, words and position: keyword
    facets (filtered and counted) and whole numbers (bounded by `SearchQuery.thresholds`).
    `ESSAIM_SEARCH_DOCUMENTS` names the layout the engine builds its index for."""

    facets: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchResult:
    ids: list[int]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    facets_approximate: bool = False
    distances: dict[int, float] = field(default_factory=dict)
    # Results found by meaning only (their words do not match): {id: cosine similarity}.
    by_meaning: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Cluster:
    latitude: float
    longitude: float
    count: int
    # The organisation's id when the cluster holds a single one.
    organisation_id: int | None
    # Whether all its organisations share one position (the locality's, often): zooming in
    # would never split it, so the map lists them instead.
    same_place: bool = False
    # Whether its count is estimated from a sample (a view of hundreds of thousands).
    estimated: bool = False


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of the Earth's mean radius."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


class Adding(Protocol):
    def add(self, documents: list[dict], replacing: tuple[int, int] | None = None) -> None:
        """Add these documents; `replacing` (first id, last id) removes the entries the index
        held for those ids first."""

    def commit(self) -> None: ...


class SearchBackend(Protocol):
    """A search engine for the atlas. Documents are plain dicts (see `documents.py`); the
    write path replaces them after each commit and rebuilds them all on demand."""

    def search(self, query: SearchQuery) -> SearchResult:
        """The page of matches, their total and the facet counts the query asks for."""

    def suggest(self, text: str) -> str:
        """The search with its unknown words replaced by the closest known ones, or ""."""

    def clusters(
        self, query: SearchQuery, zoom: int, max_clusters: int = 500
    ) -> tuple[Cluster, ...]:
        """The matches in the query's box, grouped for the map at `zoom`."""

    def matching_ids(self, query: SearchQuery) -> list[int]:
        """Every match's id (exports), in the query's order."""

    def count(self) -> int:
        """How many documents the index holds."""

    def write(self, documents: list[dict], deleted_ids: Iterable[int] = (),
              append: bool = False) -> None:  # fmt: skip
        """Replace these documents (by id) and remove `deleted_ids`, in one commit."""

    def write_batches(self, batches: Iterable[tuple[list[dict], list[int]]],
                      append: bool = False, commit_every: int = 0) -> None:  # fmt: skip
        """`write` for many batches, committed once (or every `commit_every` entries, and at
        the end)."""

    def rebuild(self, batches: Iterable[list[dict]]) -> int:
        """Start afresh from these documents; returns how many the index holds."""

    def adding(self) -> AbstractContextManager["Adding"]:
        """For a bulk load: `add` new documents as they come, `commit` when asked, and
        everything committed at the end (nothing of the uncommitted on an error)."""

    def last_id(self) -> int:
        """The highest id indexed (0 when empty): where a bulk load resumes."""

    def entries_between(self, first_id: int, last_id: int) -> dict[int, int]:
        """{id: update time in microseconds} of the documents in this range: the drift check."""


def microseconds(moment: datetime) -> int:
    """A time as whole microseconds since the epoch, as the index stores it."""
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond
